"""Tests of livedqn_edu.recsys.diagnose: reward tails and Q against the realised return."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.envs.populations import VALIDATION
from livedqn_edu.envs.vector_eval import run_policy
from livedqn_edu.recsys.diagnose import q_calibration, reward_tails
from livedqn_edu.recsys.policies import FollowedFirst


class _ConstantAgent:
    """Q = value everywhere: greedy picks each viewer's first valid slot."""

    def __init__(self, value: float) -> None:
        self.value = value

    def q_values(self, obs):
        return np.full(obs["mask"].shape, self.value, dtype=np.float32)


def _first_valid(obs):
    return np.asarray(obs["mask"]).argmax(axis=1)


def test_reward_tails_describe_the_policys_steps() -> None:
    tails = reward_tails(FollowedFirst(), n_viewers=80, seed=3)
    week = run_policy(FollowedFirst(), 80, 7, seed=3, config=VALIDATION.config())
    assert tails["steps"] == week["impressions"].sum()
    assert tails["mean"] == pytest.approx(week["return"].sum() / week["impressions"].sum())
    assert 0 < tails["nonzero_share"] < 1
    assert tails["median_nonzero"] <= tails["p90_nonzero"] <= tails["p99_nonzero"] <= tails["max"]
    assert 0.01 <= tails["top1_share"] <= 1.0  # the top 1% of steps hold at least 1%


def test_q_calibration_compares_q_with_the_return_that_followed() -> None:
    week = run_policy(_first_valid, 60, 7, seed=5, config=VALIDATION.config())
    per_step = week["return"].sum() / week["impressions"].sum()
    myopic = q_calibration(_ConstantAgent(2.0), gamma=0.0, n_viewers=60, seed=5)
    assert myopic["mean_q"] == pytest.approx(2.0)
    assert myopic["mean_return"] == pytest.approx(per_step)  # gamma 0: the immediate reward
    assert myopic["ratio"] == pytest.approx(2.0 / per_step)
    assert np.isnan(myopic["correlation"])  # a constant Q predicts nothing
    # gamma 1 per day: from the first step, the whole week's return
    week_long = q_calibration(_ConstantAgent(2.0), gamma=1.0, n_viewers=60, seed=5)
    assert week_long["first_return"] == pytest.approx(week["return"].mean())
    assert week_long["mean_return"] > myopic["mean_return"]


def test_taste_is_mostly_a_taste_for_categories_and_the_oracle_restores_the_world() -> None:
    from livedqn_edu.envs.world import World
    from livedqn_edu.recsys.diagnose import CategoryTasteOracle, taste_by_category
    from livedqn_edu.recsys.oracles import MyopicOracle

    world = World()
    obs = world.reset(200, seed=1)
    taste = taste_by_category(world)
    assert 0.8 < taste["between_share"] <= 1.0 and 0.3 < taste["share_correlation"] < 1.0
    oracle = CategoryTasteOracle()
    with pytest.raises(RuntimeError, match="attach"):
        oracle(obs)
    oracle.attach(world)
    match_before = world.viewers.match.copy()
    choice = oracle(obs)
    assert np.array_equal(world.viewers.match, match_before)  # the hidden world is restored
    assert obs["mask"][np.arange(200), choice].all()
    full = MyopicOracle(world)(obs)
    assert 0.3 < np.mean(choice == full) < 1.0  # knowing less: often, not always, the same room
