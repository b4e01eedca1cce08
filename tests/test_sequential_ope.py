"""Tests for livedqn_edu.recsys.sequential_ope: the logs as weeks, FQE, per-decision IS."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.offpolicy import BanditLogs, collect_logs, rollout_logs
from livedqn_edu.recsys.policies import FollowedFirst, Random, policy_probabilities
from livedqn_edu.recsys.sequential_ope import (
    SUMMARIES,
    chosen_features,
    episodes,
    ess_by_step,
    fqe,
    per_decision_is,
    slate_features,
    trajectories,
)
from livedqn_edu.recsys.stats import resample_counts

SMALL = WorldConfig(n_rooms=300, days=2)


@pytest.fixture(scope="module")
def logs():
    return collect_logs(300, days=2, seed=0, config=SMALL)


@pytest.fixture(scope="module")
def ep(logs):
    return episodes(logs)


@pytest.fixture(scope="module")
def features(ep):
    return slate_features(ep.logs.obs, World(SMALL).features)


def _toy_logs() -> BanditLogs:
    """Three viewers logged step-major (as the world logs them): rows 0-2 are step 0."""
    viewers = np.array([0, 1, 2, 0, 2, 0])
    n, k = viewers.size, 2
    obs = {"user": np.arange(n, dtype=np.float32)[:, None], "candidates": np.zeros((n, k, 1)),
           "mask": np.ones((n, k), bool), "room_ids": np.zeros((n, k), np.int64)}  # fmt: skip
    return BanditLogs(obs, np.zeros(n, np.int64), np.full((n, k), 0.5), np.arange(n, dtype=float),
                      np.zeros(n, bool), np.zeros((n, k)), viewers)  # fmt: skip


def test_episodes_order_each_viewer_in_time_and_link_the_next_row() -> None:
    ep = episodes(_toy_logs())
    # viewer 0: rows 0, 3, 5; viewer 1: row 1; viewer 2: rows 2, 4
    np.testing.assert_array_equal(ep.logs.rewards, [0, 3, 5, 1, 2, 4])
    np.testing.assert_array_equal(ep.next_row, [1, 2, 2, 3, 5, 5])
    np.testing.assert_array_equal(ep.last, [0, 0, 1, 1, 0, 1])
    np.testing.assert_array_equal(ep.first, [1, 0, 0, 1, 1, 0])
    np.testing.assert_array_equal(ep.starts, [0, 3, 4, 6])
    assert len(ep) == 6


def test_slate_features_by_hand() -> None:
    spec = World(SMALL).features
    k, f = 3, spec.width("candidates")
    cand = np.zeros((1, k, f), np.float32)
    cand[0, 0, spec.index("candidates", "followed")] = 1.0
    cand[0, 1, spec.index("candidates", "log_past_minutes")] = 0.4
    cand[0, 0, spec.index("candidates", "log_past_minutes")] = 0.2
    obs = {"user": np.ones((1, spec.width("user")), np.float32), "candidates": cand,
           "mask": np.array([[True, True, False]])}  # fmt: skip
    phi = slate_features(obs, spec)
    assert phi.shape == (1, k, 1 + f + spec.width("user") + len(SUMMARIES))
    assert (phi[0, 2] == 0).all()  # an empty slot is all zeros
    np.testing.assert_allclose(phi[0, 0, 1 : 1 + f], cand[0, 0])
    # followed live 1, any followed 1, best past minutes 0.4, familiar live 2, valid slots 2
    np.testing.assert_allclose(phi[0, :2, -5:], [[1, 1, 0.4, 2, 2]] * 2, rtol=1e-6)
    assert slate_features(obs, spec, summaries=False).shape[-1] == 1 + f + spec.width("user")


def test_fqe_of_the_logging_policy_matches_its_weekly_return(logs, ep, features) -> None:
    out = fqe(ep, features, ep.logs.propensities, n_resamples=100)
    week = logs.rewards.sum() / 300
    assert out["estimate"] == pytest.approx(week, rel=0.02)  # on-policy: nothing to extrapolate
    assert out["ci_low"] < out["estimate"] < out["ci_high"]


def test_fqe_of_a_policy_lands_near_its_deployed_value(ep, features) -> None:
    truth = rollout_logs(FollowedFirst(), 300, 2, 0, SMALL).rewards.sum() / 300
    out = fqe(ep, features, policy_probabilities(FollowedFirst(), ep.logs.obs), n_resamples=100)
    assert out["ci_low"] <= truth <= out["ci_high"]
    with pytest.raises(ValueError, match="target_probs must be"):
        fqe(ep, features, np.ones((3, 2)))


def test_fqe_bootstrap_replicate_is_a_refit_on_resampled_viewers(ep, features) -> None:
    probs = policy_probabilities(Random(0), ep.logs.obs)
    out = fqe(ep, features, probs, lam=1.0, n_resamples=1, rng=4)
    # the one replicate by hand: counts of each viewer, then the weighted LSTD system
    counts = resample_counts(ep.starts.size - 1, 1, 4)[0]
    x = chosen_features(features, ep.logs.actions)
    psi = np.einsum("nk,nkf->nf", probs, features)
    w = counts[np.cumsum(ep.first) - 1]  # each row's viewer count
    d = x - (~ep.last)[:, None] * psi[ep.next_row]
    theta = np.linalg.solve((x * w[:, None]).T @ d + np.eye(x.shape[1]),
                            (x * w[:, None]).T @ ep.logs.rewards)  # fmt: skip
    by_hand = (w[ep.first] @ (psi[ep.first] @ theta)) / counts.sum()
    assert out["ci_low"] == pytest.approx(by_hand) and out["ci_high"] == pytest.approx(by_hand)


def test_trajectories_and_per_decision_is_of_the_logger(logs, ep) -> None:
    tr = trajectories(ep, ep.logs.propensities)
    n_viewers = ep.starts.size - 1
    assert tr["rewards"].shape[0] == n_viewers
    np.testing.assert_array_equal(tr["valid"].sum(axis=1), np.diff(ep.starts))
    assert tr["rewards"].sum() == pytest.approx(logs.rewards.sum())
    np.testing.assert_allclose(tr["target_probs"][tr["valid"]], tr["propensities"][tr["valid"]])
    # the target is the logger: every weight is 1 and PDIS is the mean weekly return
    est = per_decision_is(tr["rewards"], tr["propensities"], tr["target_probs"], tr["valid"])
    assert est == pytest.approx(logs.rewards.sum() / n_viewers)
    ess = ess_by_step(tr["propensities"], tr["target_probs"], tr["valid"])
    np.testing.assert_allclose(ess, tr["valid"].sum(axis=0))  # every trajectory counts fully


def test_ess_by_step_collapses_for_a_deterministic_target(ep) -> None:
    tr = trajectories(ep, policy_probabilities(FollowedFirst(), ep.logs.obs))
    ess = ess_by_step(tr["propensities"], tr["target_probs"], tr["valid"])
    assert ess[0] < 0.5 * tr["valid"][:, 0].sum() and ess[10] < 0.1 * ess[0]


def test_ess_by_step_by_hand() -> None:
    mu = np.full((3, 2), 0.5)
    pi = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    valid = np.array([[True, True], [True, True], [True, False]])
    # step 0: weights 2, 2, 0 -> ess 2; step 1 (rows 0, 1): cumulative 4, 0 -> ess 1
    np.testing.assert_allclose(ess_by_step(mu, pi, valid), [2.0, 1.0])
