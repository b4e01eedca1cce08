"""Tests for livedqn_edu.recsys.targets: the logging policy as a policy, its support, new rooms."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.offpolicy import collect_logs, rollout_logs
from livedqn_edu.recsys.policies import LinUCB, MostViewers, feature
from livedqn_edu.recsys.targets import LoggerSupport, LoggingPolicy, NewRoomsFirst

SMALL = WorldConfig(n_rooms=300, days=2)


@pytest.fixture(scope="module")
def logs():
    return collect_logs(150, days=2, seed=3, config=SMALL)


def test_deploying_the_logging_policy_replays_the_logs(logs) -> None:
    policy = LoggingPolicy(World(SMALL).rooms.audience)
    np.testing.assert_allclose(policy.probabilities(logs.obs), logs.propensities)
    again = rollout_logs(policy, 150, 2, 3, SMALL)
    np.testing.assert_array_equal(again.actions, logs.actions)
    np.testing.assert_array_equal(again.rewards, logs.rewards)
    np.testing.assert_allclose(again.propensities, logs.propensities)


def test_logging_policy_rows_without_a_room_get_no_probability(logs) -> None:
    obs = {k: v[:3].copy() for k, v in logs.obs.items()}
    obs["mask"][1] = False
    probs = LoggingPolicy(World(SMALL).rooms.audience).probabilities(obs)
    assert probs[1].sum() == 0 and probs[[0, 2]].sum(axis=1) == pytest.approx([1.0, 1.0])


def test_logger_support_keeps_the_two_greedy_rules(logs) -> None:
    support = LoggerSupport(World(SMALL).rooms.audience, 0.1)(logs.obs)
    rows = np.arange(len(logs))
    mv = MostViewers()(logs.obs)
    full = logs.obs["mask"].sum(axis=1) == 10  # 0.3 / 10 < 0.1 x (0.35 + 0.03)
    assert support[rows, mv].all() and (support[full].sum(axis=1) <= 2).all()
    assert (support.sum(axis=1) >= 1).all()
    everything = LoggerSupport(World(SMALL).rooms.audience, 0.0)(logs.obs)
    np.testing.assert_array_equal(everything, logs.obs["mask"])
    with pytest.raises(ValueError, match="threshold"):
        LoggerSupport(World(SMALL).rooms.audience, 1.5)


def test_new_rooms_first_prefers_rooms_new_to_the_viewer(logs) -> None:
    model = LinUCB(alpha=0.0).fit(logs.obs, logs.actions, logs.rewards)
    policy = NewRoomsFirst(model)
    slots = policy(logs.obs)
    rows = np.arange(len(logs))
    seen = (feature(logs.obs, "followed") > 0) | (feature(logs.obs, "log_past_minutes") > 0)
    new_live = (~seen & logs.obs["mask"]).any(axis=1)
    assert not seen[rows, slots][new_live].any()  # a new room whenever one is live
    # among the new rooms, the model's best
    best_new = np.where(~seen & logs.obs["mask"], model.scores(logs.obs), -np.inf).argmax(axis=1)
    np.testing.assert_array_equal(slots[new_live], best_new[new_live])
    # with none live, the model's best room
    np.testing.assert_array_equal(slots[~new_live], model(logs.obs)[~new_live])
    assert np.isneginf(policy.scores(logs.obs)[~logs.obs["mask"]]).all()
