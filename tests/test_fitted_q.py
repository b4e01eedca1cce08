"""Tests for livedqn_edu.recsys.fitted_q: FQE and FQI on small MDPs with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.recsys.fitted_q import (
    Transitions,
    behaviour_support,
    fitted_q_evaluation,
    fitted_q_iteration,
    fqe_targets,
)
from livedqn_edu.recsys.ope import greedy_probabilities

# a 3-state, 2-slot MDP; in state 2 only slot 0 is valid. Slot 1 of state 0 pays less now but
# leads to state 1, where rewards are high: a planner takes it, a myopic policy does not.
N_S, K = 3, 2
R = np.array([[1.0, 0.2], [2.0, 2.5], [0.0, 0.0]])
P = np.zeros((N_S, K, N_S))
P[0, 0] = [0.9, 0.0, 0.1]
P[0, 1] = [0.0, 0.9, 0.1]
P[1, 0] = [0.0, 0.8, 0.2]
P[1, 1] = [0.3, 0.5, 0.2]
P[2, 0] = [1.0, 0.0, 0.0]
P[2, 1] = P[2, 0]  # never taken (masked)
MASK = np.array([[True, True], [True, True], [True, False]])
GAMMA = 0.8


def _features(states: np.ndarray) -> np.ndarray:
    """One-hot phi(s, a) of each slot: a tabular Q-function, (n, K, N_S * K)."""
    f = np.zeros((states.size, K, N_S * K))
    for k in range(K):
        f[np.arange(states.size), k, states * K + k] = 1.0
    f[~MASK[states]] = np.nan  # empty slots carry garbage: the code must ignore it
    return f


def _true_q(policy: np.ndarray) -> np.ndarray:
    """Q^pi from the Bellman equation (I - gamma P Pi) q = r, in (state, slot) space."""
    pi = np.zeros((N_S, N_S * K))
    pi[np.arange(N_S), np.arange(N_S) * K + policy] = 1.0  # V(s) = Q(s, pi(s))
    m = np.eye(N_S * K) - GAMMA * P.reshape(N_S * K, N_S) @ pi
    return np.linalg.solve(m, R.ravel()).reshape(N_S, K)


def _optimal() -> np.ndarray:
    q = np.zeros((N_S, K))
    for _ in range(500):
        v = np.where(MASK, q, -np.inf).max(axis=1)
        q = R + GAMMA * P @ v
    return np.where(MASK, q, -np.inf).argmax(axis=1)


def _logs(n: int, seed: int = 0, noise: float = 0.5) -> tuple[Transitions, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = rng.integers(0, N_S, n)
    a = np.where(MASK[s, 1], rng.integers(0, K, n), 0)  # uniform over valid slots
    nxt = (rng.random(n)[:, None] > P[s, a].cumsum(axis=1)).sum(axis=1)
    r = R[s, a] + rng.normal(0, noise, n)
    data = Transitions(_features(s), MASK[s], a, r, _features(nxt), MASK[nxt],
                       np.zeros(n, bool), np.full(n, GAMMA))  # fmt: skip
    return data, nxt


def test_fqe_targets_arithmetic() -> None:
    r = np.array([1.0, 2.0, 0.5])
    next_q = np.array([[3.0, -np.inf], [2.0, 4.0], [-1.0, -3.0]])
    probs = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    mask = np.array([[True, False], [True, True], [True, True]])
    y = fqe_targets(r, next_q, probs, mask, np.array([0, 1, 0]), 0.9)
    # 1 + 0.9 * 3 = 3.7; terminated -> 2; 0.5 + 0.9 * (-3) = -2.2
    np.testing.assert_allclose(y, [3.7, 2.0, -2.2])
    with pytest.raises(ValueError, match="empty"):
        fqe_targets(r, next_q, np.array([[0.0, 1.0], [1, 0], [1, 0]]), mask, np.zeros(3), 0.9)


def test_fqe_recovers_the_closed_form_value_of_a_target_policy() -> None:
    data, nxt = _logs(40_000)
    policy = np.array([1, 0, 0])  # slot 1 in state 0, slot 0 elsewhere
    scores = np.where(np.arange(K) == policy[nxt][:, None], 1.0, -1.0)
    fit = fitted_q_evaluation(data, greedy_probabilities(scores, data.next_mask))
    q_true = _true_q(policy)
    start = np.zeros(1, dtype=int)
    est = fit.value(_features(start), MASK[start], np.eye(K)[[policy[0]]])
    assert fit.iterations < 200 and fit.changes[-1] < 1e-8
    assert est == pytest.approx(q_true[0, 1], rel=0.02)  # V(s0) = Q(s0, 1)
    q_hat = fit.q_values(_features(np.arange(N_S)), MASK)
    np.testing.assert_allclose(q_hat[MASK], q_true[MASK], rtol=0.03)
    assert np.isneginf(q_hat[2, 1])


def test_fqe_converges_to_the_lstd_fixed_point() -> None:
    # theta = (X^T X + lam I - X^T D Psi)^-1 X^T r, Psi the expected next features under pi
    rng = np.random.default_rng(1)
    n, f = 500, 4
    feats = rng.normal(size=(n, 3, f))
    nfeats = rng.normal(size=(n, 3, f))
    mask = np.ones((n, 3), bool)
    probs = rng.dirichlet(np.ones(3), n)
    data = Transitions(feats, mask, rng.integers(0, 3, n), rng.normal(size=n), nfeats, mask,
                       rng.random(n) < 0.1, 0.5)  # fmt: skip
    fit = fitted_q_evaluation(data, probs, lam=1.0, n_iterations=1000, tol=1e-12)
    x = data.chosen
    psi = np.einsum("nk,nkf->nf", probs, nfeats)
    d = (0.5 * (1 - data.terminated))[:, None]
    theta = np.linalg.solve(x.T @ x + np.eye(f) - x.T @ (d * psi), x.T @ data.rewards)
    np.testing.assert_allclose(fit.theta, theta, atol=1e-8)
    solved = fitted_q_evaluation(data, probs, lam=1.0, method="solve")
    np.testing.assert_allclose(solved.theta, theta, atol=1e-10)
    assert solved.iterations == 0
    with pytest.raises(ValueError, match="method must be"):
        fitted_q_evaluation(data, probs, method="exact")


def test_fqi_learns_the_optimal_policy_that_plans() -> None:
    data, _ = _logs(40_000, seed=2)
    fit = fitted_q_iteration(data)
    greedy = fit.greedy(_features(np.arange(N_S)), MASK)
    best = _optimal()
    np.testing.assert_array_equal(greedy, best)
    assert best[0] == 1 and R[0, 1] < R[0, 0]  # it gives up reward now for state 1 later
    with pytest.raises(ValueError, match="needs next_behaviour_probs"):
        fitted_q_iteration(data, threshold=0.5)


def test_conservative_fqi_does_not_trust_slots_the_logs_never_tried() -> None:
    # one-step problem, 3 slots; slot 2 was never shown and is the worst (-10); every reward is
    # negative, so plain FQI's ridge prior (Q = 0 for an unseen slot) makes slot 2 look best
    rng = np.random.default_rng(0)
    n, k = 2_000, 3
    feats = np.broadcast_to(np.eye(k), (n, k, k)).copy()
    mask = np.ones((n, k), bool)
    behaviour = np.tile([0.5, 0.5, 0.0], (n, 1))
    a = rng.integers(0, 2, n)
    r = np.array([-1.0, -2.0, -10.0])[a] + rng.normal(0, 0.1, n)
    data = Transitions(feats, mask, a, r, feats, mask, np.ones(n, bool), 0.9)
    plain = fitted_q_iteration(data)
    assert plain.greedy(feats[:1], mask[:1])[0] == 2
    support = behaviour_support(behaviour, mask, 0.5)
    safe = fitted_q_iteration(data, next_behaviour_probs=behaviour, threshold=0.5)
    assert safe.greedy(feats[:1], mask[:1], allowed=support[:1])[0] == 0
    np.testing.assert_array_equal(support[0], [True, True, False])


def test_transitions_reject_bad_input() -> None:
    data, _ = _logs(10)
    kw = {k: getattr(data, k) for k in Transitions.__dataclass_fields__}
    with pytest.raises(ValueError, match="valid .unmasked. slot"):
        Transitions(**{**kw, "mask": np.zeros_like(data.mask)})
    with pytest.raises(ValueError, match=r"rewards must have shape \(10,\)"):
        Transitions(**{**kw, "rewards": np.zeros(9)})
    with pytest.raises(ValueError, match="features must be finite on valid slots"):
        Transitions(**{**kw, "next_features": np.full_like(data.next_features, np.nan)})
    with pytest.raises(ValueError, match="discount must lie"):
        Transitions(**{**kw, "discount": 1.5})
    with pytest.raises(ValueError, match="lam must be > 0"):
        fitted_q_iteration(data, lam=0.0)
