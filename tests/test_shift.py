"""Tests for livedqn_edu.recsys.shift (and rollout_logs): one-step values against deployment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.offpolicy import collect_logs, rollout_logs
from livedqn_edu.recsys.policies import FollowedFirst, Random
from livedqn_edu.recsys.shift import (
    PROFILE,
    one_step_values,
    one_step_vs_deployed,
    reweighted_value,
    shift_table,
    state_profile,
    strata,
)

SMALL = WorldConfig(n_rooms=300, days=2)


@pytest.fixture(scope="module")
def logs():
    return collect_logs(200, days=2, seed=0, config=SMALL)


@pytest.fixture(scope="module")
def deployed():
    return {
        "followed_first": rollout_logs(FollowedFirst(), 200, days=2, seed=0, config=SMALL),
        "random": rollout_logs(Random(0), 200, days=2, seed=0, config=SMALL),
    }


def test_rollout_meets_the_logs_viewers_and_records_the_policys_choices(logs, deployed) -> None:
    ff = deployed["followed_first"]
    # the first observation of each viewer is the same before any recommendation
    np.testing.assert_array_equal(ff.obs["user"][:200], logs.obs["user"][:200])
    np.testing.assert_array_equal(ff.obs["room_ids"][:200], logs.obs["room_ids"][:200])
    rows = np.arange(len(ff))
    assert (ff.propensities[rows, ff.actions] == 1.0).all()  # deterministic: one-hot
    assert (ff.actions == FollowedFirst()(ff.obs)).all()
    rnd = deployed["random"]
    np.testing.assert_allclose(rnd.propensities.sum(axis=1), 1.0)  # its own probabilities
    assert len(rnd) > 1_000


def test_state_profile_reads_the_shown_room_and_the_slate(logs) -> None:
    prof = state_profile(logs, World(SMALL).features)  # horizon_elapsed is scaled by 2 days
    assert list(prof.columns) == ["viewer", *PROFILE]
    rows = np.arange(len(logs))
    followed = logs.obs["candidates"][..., 9]  # cat_* (8), log_audience, followed
    np.testing.assert_allclose(prof["shown_followed"], followed[rows, logs.actions])
    np.testing.assert_allclose(prof["followed_live"], (followed * logs.obs["mask"]).sum(axis=1))
    assert prof["hour"].between(0, 24).all() and prof["day"].between(0, 2).all()
    assert (prof.groupby("viewer")["session_step"].first() == 0).all()  # a week starts afresh
    np.testing.assert_allclose(prof["value"], logs.expected[rows, logs.actions])


def test_followed_first_uses_up_followed_rooms_and_is_worth_less_deployed(logs, deployed) -> None:
    # the lesson's finding on a small world: on the logged states followed-first always finds
    # followed rooms the logger left; deployed, it has shown them already
    spec = World(SMALL).features
    profiles = {"logged": state_profile(logs, spec)}
    profiles.update({k: state_profile(v, spec) for k, v in deployed.items()})
    table = shift_table(profiles)
    assert table.loc["followed_live", "followed_first"] < table.loc["followed_live", "logged"]
    assert table.loc["followed_live", "random"] > table.loc["followed_live", "followed_first"]
    out = one_step_vs_deployed({"followed_first": FollowedFirst(), "random": Random(0)}, logs,
                               deployed, n_resamples=100)  # fmt: skip
    ff = out.loc["followed_first"]
    assert ff["one_step_true"] > 1.2 * ff["deployed"]
    assert ff["deployed_low"] <= ff["deployed"] <= ff["deployed_high"]
    assert ff["deployed_high"] < ff["one_step_true"]  # beyond the noise of the deployment
    assert ff["snips_low"] <= ff["snips"] <= ff["snips_high"]
    assert out.loc["random", "ratio"] < ff["ratio"]
    n = np.unique(deployed["random"].viewers).size
    assert out.loc["random", "weekly_return"] == pytest.approx(deployed["random"].rewards.sum() / n)
    assert out.attrs["logged_impressions"] == pytest.approx(len(logs) / 200)
    with pytest.raises(ValueError, match="no deployed log"):
        one_step_vs_deployed({"x": Random(0)}, logs, deployed)


def test_reweighting_by_hand() -> None:
    values = np.array([1.0, 3.0, 10.0, 10.0])
    logged = np.array([0, 0, 1, 1])  # stratum 0 worth 2, stratum 1 worth 10
    value, missing = reweighted_value(values, logged, np.array([0, 0, 0, 1, 2]))
    # deployed mix: 3/5 in stratum 0, 1/5 in 1, 1/5 in 2 (absent from the logs)
    assert value == pytest.approx((0.6 * 2 + 0.2 * 10) / 0.8) and missing == pytest.approx(0.2)
    with pytest.raises(ValueError, match="nothing to re-weight"):
        reweighted_value(values, logged, np.array([5, 6]))
    prof = pd.DataFrame({"followed_live": [0, 5, 1], "session_step": [0, 3, 40]})
    # followed capped at 3; steps binned at (1, 2, 4, 8, 16): 0 -> 0, 3 -> 2, 40 -> 5
    np.testing.assert_array_equal(strata(prof), [0, 3 * 6 + 2, 6 + 5])


def test_one_step_values_are_the_exact_expectation(logs) -> None:
    v = one_step_values(Random(0), logs)
    mask = logs.obs["mask"]
    np.testing.assert_allclose(v, (logs.expected * mask).sum(axis=1) / mask.sum(axis=1))
