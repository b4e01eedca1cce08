"""Tests of livedqn_edu.dqn_plots: the sync schedule by hand, and Q staying under the cap."""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pytest

from livedqn_edu.dqn import DQNConfig, sync_cap
from livedqn_edu.dqn_plots import plot_sync_cap, sync_schedule
from livedqn_edu.training import make_cartpole_agent, train


def test_sync_schedule_by_hand() -> None:
    cfg = DQNConfig(gradient_steps=128, target_update_interval=128, gamma=0.5)
    hist = {"losses/step": [1_256, 1_512, 1_768]}
    got = sync_schedule(hist, cfg)
    # calls end after 128, 256, 384 gradient steps; one sync at the end of each call
    assert got["gradient_steps"].tolist() == [128, 256, 384]
    assert got["syncs"].tolist() == [1, 2, 3]
    # during call i the target holds i - 1 syncs: cap sync_cap(i) = 1, 1.5, 1.75
    np.testing.assert_allclose(got["cap"], [1.0, 1.5, 1.75])
    every_step = DQNConfig(gradient_steps=1, target_update_interval=2, gamma=0.5)
    one = sync_schedule({"losses/step": list(range(5))}, every_step)
    # steps 1..5: syncs before the last step 0, 0, 1, 1, 2 -> caps 1, 1, 1.5, 1.5, 1.75
    np.testing.assert_allclose(one["cap"], [1.0, 1.0, 1.5, 1.5, 1.75])


def test_q_climbs_under_the_cap_one_reward_per_sync() -> None:
    # lesson 02's remedied learner, short: targets frozen for 100 gradient steps at a time
    cfg = DQNConfig(buffer_size=2_000, batch_size=32, learning_starts=50, train_freq=1,
                    gradient_steps=1, target_update_interval=100, exploration_steps=300,
                    learning_rate=1e-3)  # fmt: skip
    env, agent = make_cartpole_agent(cfg, seed=0, hidden=(32, 32))
    hist = train(env, agent, 450, seed=0, eval_every=0, progress=False)
    sched = sync_schedule(hist, cfg)
    # 400 gradient steps (env steps 51-450): syncs at 100, 200, 300 and 400; the last step still
    # regressed on the 3-sync target, capped at 1 + 0.99 + 0.99**2 + 0.99**3
    assert sched["syncs"][-1] == 4 and sched["cap"][-1] == pytest.approx(sync_cap(4, 0.99))
    q = np.asarray(hist["losses/q_values"])
    # the mean Q stays under the cap but for brief overshoots after a sync, and ends near it,
    # far below the 100 a balancing policy is worth
    assert np.mean(q <= sched["cap"] + 0.5) > 0.9
    assert abs(q[-20:].mean() - sched["cap"][-1]) < 0.6
    ax = plot_sync_cap(hist, cfg, label="seed 0")
    assert "sync every 100" in ax.get_title()
    assert len(ax.lines) >= 3 + 4  # mean, max, cap, and one line per sync
    plt.close("all")
    no_max = {k: v for k, v in hist.items() if k != "losses/q_max"}
    ax = plot_sync_cap(no_max, dataclasses.replace(cfg), mark_syncs=False)
    assert len(ax.lines) == 2
    plt.close("all")
