"""Tests of livedqn_edu.experiments: discounted returns, over-estimation, multi-seed runs."""

from __future__ import annotations

import gymnasium as gym
import keras
import numpy as np
import pytest

from livedqn_edu.dqn import DQNAgent, DQNConfig
from livedqn_edu.experiments import discounted_returns, q_overestimation, run_seeds, summarise
from livedqn_edu.training import evaluate


def test_discounted_returns_hand_computed() -> None:
    # G_2 = 3; G_1 = 2 + 0.5 * 3 = 3.5; G_0 = 1 + 0.5 * 3.5 = 2.75
    np.testing.assert_allclose(discounted_returns([1.0, 2.0, 3.0], 0.5), [2.75, 3.5, 3.0])
    assert discounted_returns([], 0.9).shape == (0,)


def test_q_overestimation_against_a_constant_network() -> None:
    inp = keras.Input((4,))
    dense = keras.layers.Dense(2, kernel_initializer="zeros")
    net = keras.Model(inp, dense(inp))
    dense.bias.assign(np.array([50.0, 10.0], np.float32))  # Q = 50 for action 0, always chosen
    agent = DQNAgent(net, DQNConfig(gamma=0.9))
    got = q_overestimation(gym.make("CartPole-v1"), agent, episodes=3, first_steps=40)
    assert got["q_estimate"] == pytest.approx(50.0)
    # always pushing left, each episode falls within a few steps (< 40: every state compared)
    lengths = evaluate(gym.make("CartPole-v1"), lambda obs: 0, episodes=3).astype(int)
    mc = np.concatenate([discounted_returns([1.0] * n, 0.9) for n in lengths])
    assert got["mc_return"] == pytest.approx(mc.mean())
    assert got["overestimation"] == pytest.approx(50.0 - mc.mean())


def test_run_seeds_records_bias_at_each_evaluation() -> None:
    cfg = DQNConfig(learning_starts=100, train_freq=50, gradient_steps=5, exploration_steps=200)
    hists = run_seeds([0, 1], 400, cfg, hidden=(8,), eval_every=200, double_dqn=True)
    assert len(hists) == 2
    for h in hists:
        assert h["eval/step"] == [200, 400]
        assert len(h["eval/overestimation"]) == 2
    assert hists[0]["eval/mean_return"] != hists[1]["eval/mean_return"] or (
        hists[0]["charts/episodic_return"] != hists[1]["charts/episodic_return"]
    )


def test_summarise_hand_computed() -> None:
    a = {"eval/mean_return": [100.0, 500.0, 300.0]}  # mean 300, solved, final 300
    b = {"eval/mean_return": [50.0, 150.0, 100.0]}  # mean 100, not solved, final 100
    got = summarise([a, b])
    assert got == {
        "auc_median": 200.0,
        "auc_min": 100.0,
        "auc_max": 300.0,
        "solved": 0.5,
        "final_median": 200.0,
    }
