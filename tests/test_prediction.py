"""Tests of livedqn_edu.prediction: MC and TD(0) updates by hand, and their bias and spread."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from livedqn_edu.dp import policy_evaluation, tabular_model, value_iteration
from livedqn_edu.prediction import (
    Episode,
    first_visit_mc_update,
    mc_prediction,
    prediction_runs,
    sample_episodes,
    td0_prediction,
    td0_update,
)


def test_updates_by_hand() -> None:
    # G_2 = 4, G_1 = 0 + 0.5 * 4 = 2, G_0 = 1 + 0.5 * 2 = 2 (first visit of state 0)
    v = first_visit_mc_update(np.zeros(2), [0, 1, 0], [1.0, 0.0, 4.0], 0.5, 1.0)
    np.testing.assert_allclose(v, [2.0, 2.0])
    v0 = np.array([1.0, 4.0])
    assert td0_update(v0, 0, 1.0, 1, False, 0.5, 0.5) == 2.0  # 1 + 0.5 * (1 + 2 - 1)
    assert td0_update(v0, 0, 1.0, 1, True, 0.5, 0.5) == 1.0  # 1 + 0.5 * (1 - 1)
    assert v0.tolist() == [1.0, 4.0]


def test_td_bootstraps_on_truncation_only() -> None:
    cut = Episode(np.array([0, 1]), np.array([0.0]), terminated=False)
    ended = Episode(np.array([0, 1]), np.array([0.0]), terminated=True)
    v_cut = td0_prediction([cut], 2, 1.0, 1.0)
    assert v_cut[-1, 0] == 0.0  # V(1) is still 0, so nothing to bootstrap yet
    two = [Episode(np.array([1, 0]), np.array([3.0]), True), cut]
    assert td0_prediction(two, 2, 1.0, 1.0)[-1, 0] == 3.0  # bootstraps V(1) = 3 after a cut
    assert td0_prediction([two[0], ended], 2, 1.0, 1.0)[-1, 0] == 0.0  # no bootstrap at an end
    assert mc_prediction(two, 2, 1.0, 1.0).shape == (2, 2)


def test_sample_episodes_follow_the_policy() -> None:
    env = gym.make("FrozenLake-v1", is_slippery=False)
    # down, down, right, down, right, right from the start: 0 -> 4 -> 8 -> 9 -> 13 -> 14 -> 15
    policy = np.zeros(16, int)
    policy[[0, 4, 9]] = 1
    policy[[8, 13, 14]] = 2
    [ep] = sample_episodes(env, policy, 1)
    assert ep.states.tolist() == [0, 4, 8, 9, 13, 14, 15] and ep.terminated
    assert ep.rewards.tolist() == [0, 0, 0, 0, 0, 1.0]


def test_mc_is_unbiased_and_noisier_td_is_biased_early_and_steadier() -> None:
    env = gym.make("FrozenLake-v1", max_episode_steps=1_000)
    m = tabular_model(env)
    policy = value_iteration(m, 0.99)["policy"]
    truth = policy_evaluation(m, policy, 0.99)[0]
    out = prediction_runs(env, policy, runs=12, episodes=120, gamma=0.99, alpha=0.1, seed=0)
    assert out["mc"].shape == out["td"].shape == (12, 120, 16)
    mc, td = out["mc"][:, -1, 0], out["td"][:, -1, 0]
    assert abs(mc.mean() - truth) < 0.06  # MC: centred on the truth
    assert td.mean() < truth - 0.02  # TD: still pulled towards its initial 0
    assert td.std() < mc.std()  # ... but steadier
    with pytest.raises(ValueError, match="one action per state"):
        sample_episodes(env, np.zeros(3, int), 1)
