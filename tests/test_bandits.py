"""Tests for livedqn_edu.recsys.bandits on a synthetic linear bandit with a known best slot."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.recsys.bandits import (
    EpsilonGreedyBandit,
    LinearBandit,
    LinUCBBandit,
    ThompsonBandit,
    regret_curves,
)

F, K, N = 5, 8, 10
THETA = np.array([1.0, -0.5, 0.3, 0.0, 0.8])


def _run(learner, steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-step rewards (mean over N viewers) of the learner and of the oracle, (steps,) each."""
    rng = np.random.default_rng(seed)
    got, best = np.zeros(steps), np.zeros(steps)
    rows = np.arange(N)
    for t in range(steps):
        x = rng.normal(size=(N, K, F)) / np.sqrt(F)
        mask = rng.random((N, K)) < 0.8
        mask[:, 0] = True
        mean = x @ THETA
        slots = learner.select(x, mask) if learner is not None else None
        if slots is None:  # a fixed random policy
            slots = np.where(mask, rng.random((N, K)), -1.0).argmax(axis=1)
        assert mask[rows, slots].all()
        r = mean[rows, slots] + rng.normal(0, 0.5, N)
        if learner is not None:
            learner.update(x[rows, slots], r)
        got[t] = mean[rows, slots].mean()
        best[t] = np.where(mask, mean, -np.inf).max(axis=1).mean()
    return got, best


@pytest.mark.parametrize(
    "make", [lambda s: LinUCBBandit(F, alpha=1.0, seed=s), lambda s: ThompsonBandit(F, seed=s)]
)
def test_linucb_and_thompson_regret_grows_sublinearly_random_linearly(make) -> None:
    steps, runs = 300, 3
    learn = [_run(make(s), steps, s) for s in range(runs)]
    rand = [_run(None, steps, s) for s in range(runs)]
    curve = regret_curves(np.array([g for g, _ in learn]), np.array([b for _, b in learn]))
    base = regret_curves(np.array([g for g, _ in rand]), np.array([b for _, b in rand]))
    inc = np.diff(np.r_[0.0, curve["regret"].to_numpy()])
    inc_rand = np.diff(np.r_[0.0, base["regret"].to_numpy()])
    # the learner's regret per step falls: last 100 steps << first 100; random's stays flat
    assert inc[-100:].sum() < 0.2 * inc[:100].sum()
    assert 0.8 < inc_rand[-100:].sum() / inc_rand[:100].sum() < 1.25
    assert curve["regret"].iloc[-1] < 0.1 * base["regret"].iloc[-1]
    assert (curve["ci_low"] <= curve["regret"]).all()
    assert (curve["regret"] <= curve["ci_high"]).all()


def test_epsilon_greedy_learns_but_keeps_paying_for_exploration() -> None:
    bandit = EpsilonGreedyBandit(F, epsilon=0.2, seed=0)
    got, best = _run(bandit, 300, 0)
    np.testing.assert_allclose(bandit.theta, THETA, atol=0.15)
    late = (best - got)[-100:].mean()
    # about 20% of choices are random, each losing the random policy's gap
    rand_got, rand_best = _run(None, 300, 0)
    assert 0.08 < late / (rand_best - rand_got)[-100:].mean() < 0.4


def test_linucb_score_by_hand_before_any_data() -> None:
    # A = 2 I, b = 0: score = alpha * sqrt(x . x / 2); x = (3, 4) -> 1.5 * sqrt(25 / 2)
    bandit = LinUCBBandit(2, alpha=1.5, lam=2.0)
    s = bandit.scores(np.array([[[3.0, 4.0], [0.0, 0.0]]]), np.array([[True, False]]))
    assert s[0, 0] == pytest.approx(1.5 * np.sqrt(12.5)) and np.isneginf(s[0, 1])
    bandit.update(np.array([[1.0, 0.0]]), np.array([2.0]))
    # A = diag(3, 2), b = (2, 0): theta = (2/3, 0); x = (1, 0): 2/3 + 1.5 * sqrt(1/3)
    s = bandit.scores(np.array([[[1.0, 0.0]]]), np.array([[True]]))
    assert s[0, 0] == pytest.approx(2 / 3 + 1.5 * np.sqrt(1 / 3))


def test_masked_slots_are_never_chosen_even_when_every_score_is_negative() -> None:
    for bandit in (LinearBandit(2), LinUCBBandit(2, alpha=0.0), ThompsonBandit(2, v=1e-6),
                   EpsilonGreedyBandit(2, epsilon=0.0)):  # fmt: skip
        bandit.update(np.array([[1.0, 0.0]] * 50), np.full(50, -3.0))  # learns theta ~ (-3, 0)
        x = np.array([[[1.0, 0.0], [0.0, 0.0], [2.0, 0.0]]])
        mask = np.array([[True, False, True]])
        assert bandit.scores(x, mask)[0, 0] < 0 and np.isneginf(bandit.scores(x, mask)[0, 1])
        assert bandit.select(x, mask)[0] == 0, type(bandit).__name__


def test_seeded_learners_repeat_and_reset_forgets() -> None:
    x = np.random.default_rng(0).normal(size=(50, 4, 3))
    mask = np.ones((50, 4), bool)
    a, b = ThompsonBandit(3, seed=5), ThompsonBandit(3, seed=5)
    np.testing.assert_array_equal(a.select(x, mask), b.select(x, mask))
    a.update(x[:, 0], np.ones(50))
    a.reset()
    np.testing.assert_array_equal(a.A, np.eye(3))
    np.testing.assert_array_equal(a.select(x, mask), ThompsonBandit(3, seed=5).select(x, mask))


def test_bad_inputs_get_clear_errors() -> None:
    bandit = LinUCBBandit(3)
    with pytest.raises(ValueError, match=r"features must be \(N, K, 3\)"):
        bandit.scores(np.zeros((2, 4, 2)), np.ones((2, 4), bool))
    with pytest.raises(ValueError, match=r"chosen must be \(N, 3\)"):
        bandit.update(np.zeros((2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="epsilon must be"):
        EpsilonGreedyBandit(3, epsilon=1.5)
    with pytest.raises(ValueError, match="at least 2 runs"):
        regret_curves(np.zeros((1, 5)), np.zeros((1, 5)))
    with pytest.raises(ValueError, match="one shape"):
        regret_curves(np.zeros((2, 5)), np.zeros((2, 4)))


def test_regret_curves_by_hand() -> None:
    # two runs, gaps (1, 1) and (3, 1): cumulative (1, 2) and (3, 4) -> means (2, 3)
    out = regret_curves(np.zeros((2, 2)), np.array([[1.0, 1.0], [3.0, 1.0]]))
    np.testing.assert_allclose(out["regret"], [2.0, 3.0])
    # sd of (1, 3) = sqrt(2), sem = 1, t(0.975, 1 df) = 12.706
    assert out["ci_high"].iloc[0] == pytest.approx(2.0 + 12.7062, abs=1e-3)
    viewers = regret_curves(np.zeros((2, 3, 2)), np.ones((2, 3, 2)))
    np.testing.assert_allclose(viewers["regret"], [1.0, 2.0])
