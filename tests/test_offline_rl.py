"""Tests for livedqn_edu.recsys.offline_rl: fitted Q iteration on the logged weeks."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.offline_rl import LinearQPolicy, fqi
from livedqn_edu.recsys.offpolicy import collect_logs, rollout_logs
from livedqn_edu.recsys.policies import Random
from livedqn_edu.recsys.sequential_ope import chosen_features, episodes, slate_features
from livedqn_edu.recsys.targets import LoggerSupport

SMALL = WorldConfig(n_rooms=300, days=2)


@pytest.fixture(scope="module")
def ep():
    return episodes(collect_logs(300, days=2, seed=0, config=SMALL))


@pytest.fixture(scope="module")
def features(ep):
    return slate_features(ep.logs.obs, World(SMALL).features)


def test_fqi_with_gamma_zero_is_the_ridge_regression_of_the_reward(ep, features) -> None:
    q = fqi(ep, features, gamma=0.0, lam=2.0)
    x = chosen_features(features, ep.logs.actions)
    theta = np.linalg.solve(x.T @ x + 2.0 * np.eye(x.shape[1]), x.T @ ep.logs.rewards)
    np.testing.assert_allclose(q.theta, theta, rtol=1e-8, atol=1e-10)
    assert q.iterations == 1  # nothing to bootstrap: the first regression is the answer


def test_fqi_policy_beats_random_when_deployed(ep, features) -> None:
    q = fqi(ep, features, gamma=0.9)
    assert q.changes[-1] < 1e-6  # it settled
    policy = LinearQPolicy(q)
    fqi_week = rollout_logs(policy, 300, 2, 5, SMALL).rewards.sum() / 300
    random_week = rollout_logs(Random(0), 300, 2, 5, SMALL).rewards.sum() / 300
    assert fqi_week > 1.3 * random_week


def test_conservative_fqi_acts_only_within_the_loggers_favourites(ep, features) -> None:
    support = LoggerSupport(World(SMALL).rooms.audience, 0.1)
    q = fqi(ep, features, gamma=0.9, threshold=0.1)
    obs = {k: v[:500] for k, v in ep.logs.obs.items()}
    slots = LinearQPolicy(q, support)(obs)
    allowed = support(obs)
    assert allowed[np.arange(500), slots].all()
    full = obs["mask"].sum(axis=1) == 10
    assert (allowed[full].sum(axis=1) <= 2).all()  # most viewers and followed first only
    plain = LinearQPolicy(fqi(ep, features, gamma=0.9))(obs)
    assert (plain != slots).any()


def test_linear_q_policy_never_picks_an_empty_slot(ep, features) -> None:
    q = fqi(ep, features, gamma=0.0)
    q_neg = type(q)(-np.abs(q.theta) - 1.0, q.iterations, q.changes)  # every value negative
    rows = np.flatnonzero(ep.logs.obs["mask"][:, 1:].any(axis=1))[:300]
    obs = {k: v[rows] for k, v in ep.logs.obs.items()}
    obs["mask"] = obs["mask"].copy()
    obs["mask"][:, 0] = False  # slot 0 empty: its features are 0, its value would be 0 > Q
    slots = LinearQPolicy(q_neg)(obs)
    assert (slots != 0).all() and obs["mask"][np.arange(rows.size), slots].all()
