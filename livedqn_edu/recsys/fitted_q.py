"""Fitted Q evaluation and fitted Q iteration on logged transitions, with a linear Q-function.

Both learn ``Q(s, a) = theta . phi(s, a)`` by repeated ridge regressions onto bootstrapped
targets computed from logged transitions ``(s, a, r, s', terminated)``:

- **fitted Q evaluation** (FQE; Le, Voloshin & Yue 2019) estimates the value of a *given* target
  policy ``pi``: target ``y = r + d * (1 - terminated) * sum_a' pi(a'|s') Q(s', a')``;
- **fitted Q iteration** (FQI; Ernst, Geurts & Wehenkel 2005) learns a policy from the logs
  alone: target ``y = r + d * (1 - terminated) * max_a' Q(s', a')`` over valid slots. Its
  conservative variant (``threshold > 0``) only takes the max over slots the logging policy
  showed with a probability of at least ``threshold`` times that of its favourite slot (the
  discrete batch-constrained rule of Fujimoto et al. 2019): slots the logs never tried get no
  credit from extrapolation.

``phi(s, a)`` is the slot's row of a ``(n, K, F)`` feature array the caller builds (candidate
features, viewer features repeated on every slot, products of both...); ``d`` is the discount of
each transition (``gamma``, or ``gamma ** days elapsed`` for the live-room world).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from livedqn_edu.recsys.policies import masked_argmax

__all__ = [
    "Transitions",
    "LinearQ",
    "fqe_targets",
    "ridge_iterate",
    "lstdq",
    "expected_next_features",
    "fitted_q_evaluation",
    "fitted_q_iteration",
    "behaviour_support",
]


@dataclass(frozen=True)
class Transitions:
    """Logged transitions, ``n`` rows of ``K`` slots with ``F`` features each."""

    features: np.ndarray
    """(n, K, F) float64, phi(s, a) of every slot of the state (empty slots are zeroed)."""
    mask: np.ndarray
    """(n, K) bool, the valid slots of the state."""
    actions: np.ndarray
    """(n,) int64, the logged slot (valid)."""
    rewards: np.ndarray
    """(n,) float64, the reward received."""
    next_features: np.ndarray
    """(n, K, F) float64, phi(s', a') of every slot of the next state (empty slots zeroed)."""
    next_mask: np.ndarray
    """(n, K) bool, the valid slots of the next state (a row may have none)."""
    terminated: np.ndarray
    """(n,) bool, the episode really ended (no bootstrap); a time limit is not an end."""
    discount: np.ndarray
    """(n,) float64, the discount applied to the next state's value, in [0, 1]."""

    def __post_init__(self) -> None:
        f = np.asarray(self.features, dtype=np.float64)
        if f.ndim != 3 or f.shape[0] < 1:
            raise ValueError(f"features must be (n, K, F) with n >= 1, got {f.shape}")
        n, k, _ = f.shape
        fields = {
            "features": (f, f.shape), "mask": (np.asarray(self.mask, bool), (n, k)),
            "actions": (np.asarray(self.actions), (n,)),
            "rewards": (np.asarray(self.rewards, np.float64), (n,)),
            "next_features": (np.asarray(self.next_features, np.float64), f.shape),
            "next_mask": (np.asarray(self.next_mask, bool), (n, k)),
            "terminated": (np.asarray(self.terminated, bool), (n,)),
            "discount": (np.broadcast_to(np.asarray(self.discount, np.float64), (n,)), (n,)),
        }  # fmt: skip
        for name, (value, shape) in fields.items():
            if value.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {value.shape}")
            object.__setattr__(self, name, value)
        a = self.actions
        if a.dtype.kind not in "iu" or (a < 0).any() or (a >= k).any():
            raise ValueError(f"actions must be int slots in [0, {k}), got {a[:5]!r}...")
        if not self.mask[np.arange(n), a].all():
            raise ValueError("every logged action must be a valid (unmasked) slot of its state")
        for name, valid in (("features", self.mask), ("next_features", self.next_mask)):
            value = np.where(valid[..., None], getattr(self, name), 0.0)  # empty slots: 0
            if not np.isfinite(value).all():
                raise ValueError(f"{name} must be finite on valid slots (found NaN or inf)")
            object.__setattr__(self, name, value)
        for name in ("rewards", "discount"):
            if not np.isfinite(getattr(self, name)).all():
                raise ValueError(f"{name} must be finite (found NaN or inf)")
        if ((self.discount < 0) | (self.discount > 1)).any():
            raise ValueError("discount must lie in [0, 1]")

    @property
    def chosen(self) -> np.ndarray:
        """(n, F) features of the logged slots."""
        return self.features[np.arange(self.features.shape[0]), self.actions]


@dataclass(frozen=True)
class LinearQ:
    """A fitted linear Q-function ``Q(s, a) = theta . phi(s, a)``."""

    theta: np.ndarray
    """(F,) float64, the weights."""
    iterations: int
    """regressions run before the weights settled (or the cap); 0 when solved directly."""
    changes: np.ndarray
    """(iterations,) float64, the largest change of a weight at each iteration."""

    def q_values(self, features: Any, mask: Any) -> np.ndarray:
        """``(N, K)`` Q-values, ``-inf`` in masked slots."""
        return np.where(np.asarray(mask, bool), np.asarray(features, np.float64) @ self.theta,
                        -np.inf)  # fmt: skip

    def greedy(self, features: Any, mask: Any, allowed: Any = None) -> np.ndarray:
        """``(N,)`` best valid slots (within ``allowed`` when given, e.g. the logs' support)."""
        m = np.asarray(mask, bool) if allowed is None else np.asarray(mask, bool) & allowed
        return masked_argmax(self.q_values(features, m), m)

    def value(self, features: Any, mask: Any, probs: Any) -> float:
        """Mean of ``sum_a pi(a|s) Q(s, a)`` over the given states (e.g. first states)."""
        q = np.where(np.asarray(mask, bool), np.asarray(features, np.float64) @ self.theta, 0.0)
        return float(np.mean((np.asarray(probs, np.float64) * q).sum(axis=1)))


def fqe_targets(
    rewards: Any, next_q: Any, next_probs: Any, next_mask: Any, terminated: Any, discount: Any
) -> np.ndarray:
    """FQE targets ``y = r + d * (1 - terminated) * sum_a' pi(a'|s') Q(s', a')``, ``(n,)``.

    Masked next slots are ignored (their Q may be ``-inf``); ``next_probs`` must be 0 there.
    """
    m = np.asarray(next_mask, dtype=bool)
    p = np.asarray(next_probs, dtype=np.float64)
    if (p[~m] > 0).any():
        raise ValueError("next_probs puts probability on an empty (masked) slot")
    q = np.where(m, np.asarray(next_q, dtype=np.float64), 0.0)
    boot = (p * q).sum(axis=1)
    live = 1.0 - np.asarray(terminated, dtype=np.float64)
    return np.asarray(rewards, np.float64) + np.asarray(discount, np.float64) * live * boot


def behaviour_support(next_behaviour_probs: Any, next_mask: Any, threshold: float) -> np.ndarray:
    """Slots the logging policy shows with at least ``threshold`` x its top probability, (n, K)."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold!r}")
    m = np.asarray(next_mask, bool)
    p = np.where(m, np.asarray(next_behaviour_probs, np.float64), 0.0)
    support = m & (p >= threshold * p.max(axis=1, keepdims=True))
    return support & (p > 0) if threshold > 0 else support


def ridge_iterate(
    x: np.ndarray,
    rewards: np.ndarray,
    live: np.ndarray,
    next_value: Any,
    lam: float = 1e-3,
    n_iterations: int = 200,
    tol: float = 1e-8,
) -> LinearQ:
    """Repeated ridge regressions ``theta <- (X^T X + lam I)^-1 X^T (r + live next_value(theta))``.

    The loop of FQE and FQI, on arrays: the regression is solved once for every target.

    Args:
        x: ``(n, F)`` features of the logged (state, action) pairs.
        rewards: ``(n,)`` rewards.
        live: ``(n,)`` discount times (1 - terminated) of each transition.
        next_value: ``theta -> (n,)`` the bootstrapped value of each next state.
        lam: ridge regularisation, > 0.
        n_iterations: cap on the regressions.
        tol: stop when no weight moves more than this.
    """
    if not lam > 0:
        raise ValueError(f"lam must be > 0 (ridge regularisation), got {lam!r}")
    solve = np.linalg.solve(x.T @ x + lam * np.eye(x.shape[1]), x.T)
    theta = solve @ rewards
    changes = []
    for _ in range(n_iterations):
        new = solve @ (rewards + live * next_value(theta))
        changes.append(float(np.max(np.abs(new - theta))))
        theta = new
        if changes[-1] < tol:
            break
    return LinearQ(theta, len(changes), np.array(changes))


def lstdq(x: Any, next_x: Any, rewards: Any, live: Any, lam: float = 1e-3) -> np.ndarray:
    """The fixed point of FQE solved at once (LSTD-Q, Lagoudakis & Parr 2003), ``(F,)``.

    ``theta`` solves ``(X^T (X - live * Psi) + lam I) theta = X^T r``, where ``Psi`` ``(n, F)``
    holds the expected next features under the target policy.
    """
    x, psi = np.asarray(x, np.float64), np.asarray(next_x, np.float64)
    if not lam > 0:
        raise ValueError(f"lam must be > 0 (ridge regularisation), got {lam!r}")
    d = x - np.asarray(live, np.float64)[:, None] * psi
    return np.linalg.solve(x.T @ d + lam * np.eye(x.shape[1]), x.T @ np.asarray(rewards, float))


def _live(data: Transitions) -> np.ndarray:
    return data.discount * (1.0 - data.terminated)


def expected_next_features(data: Transitions, next_probs: Any) -> np.ndarray:
    """``sum_a' pi(a'|s') phi(s', a')`` of every transition, ``(n, F)`` (checks ``next_probs``)."""
    p = np.asarray(next_probs, dtype=np.float64)
    if p.shape != data.next_mask.shape:
        raise ValueError(f"next_probs must be {data.next_mask.shape}, got {p.shape}")
    if (p[~data.next_mask] > 0).any():
        raise ValueError("next_probs puts probability on an empty (masked) slot")
    return np.einsum("nk,nkf->nf", p, data.next_features)


def fitted_q_evaluation(
    data: Transitions,
    next_probs: Any,
    lam: float = 1e-3,
    n_iterations: int = 200,
    tol: float = 1e-8,
    method: str = "iterate",
) -> LinearQ:
    """Fitted Q evaluation of a target policy with a linear Q-function.

    Args:
        data: the logged transitions.
        next_probs: ``(n, K)`` the target policy's probabilities in each next state (0 on
            empty slots; :func:`~livedqn_edu.recsys.ope.greedy_probabilities` for a greedy one).
        lam: ridge regularisation, > 0.
        n_iterations: cap on the regressions.
        tol: stop when no weight moves more than this.
        method: ``"iterate"`` (repeated regressions onto bootstrapped targets, as FQE is
            taught) or ``"solve"``: the fixed point those iterations converge to, solved at once
            (:func:`lstdq`; exact even where the iterations are slow, e.g. undiscounted weeks of
            50+ steps).

    Returns:
        :class:`LinearQ`; ``.value(first_features, first_mask, first_probs)`` estimates the
        target's value from its first states.
    """
    # the expected next feature under pi, once: each iteration is then O(n F)
    expected = expected_next_features(data, next_probs)
    if method == "solve":
        return LinearQ(lstdq(data.chosen, expected, data.rewards, _live(data), lam), 0, np.zeros(0))
    if method != "iterate":
        raise ValueError(f"method must be 'iterate' or 'solve', got {method!r}")
    return ridge_iterate(data.chosen, data.rewards, _live(data), lambda theta: expected @ theta,
                         lam, n_iterations, tol)  # fmt: skip


def fitted_q_iteration(
    data: Transitions,
    lam: float = 1e-3,
    n_iterations: int = 200,
    tol: float = 1e-8,
    next_behaviour_probs: Any = None,
    threshold: float = 0.0,
) -> LinearQ:
    """Fitted Q iteration: learn a Q-function (and its greedy policy) from the logs alone.

    Args:
        data: the logged transitions.
        lam: ridge regularisation, > 0.
        n_iterations: cap on the regressions.
        tol: stop when no weight moves more than this.
        next_behaviour_probs: ``(n, K)`` the logging policy's probabilities in each next state;
            needed when ``threshold > 0``.
        threshold: 0 for plain FQI; in (0, 1] the max runs over :func:`behaviour_support` only
            (act with ``LinearQ.greedy(..., allowed=support)`` the same way).

    Returns:
        :class:`LinearQ`.
    """
    allowed = data.next_mask
    if threshold > 0:
        if next_behaviour_probs is None:
            raise ValueError("threshold > 0 needs next_behaviour_probs, the logging policy's")
        allowed = behaviour_support(next_behaviour_probs, data.next_mask, threshold)

    def best(theta: np.ndarray) -> np.ndarray:
        q = np.where(allowed, data.next_features @ theta, -np.inf).max(axis=1)
        return np.where(np.isfinite(q), q, 0.0)  # a next state with no valid slot is worth 0

    return ridge_iterate(data.chosen, data.rewards, _live(data), best, lam, n_iterations, tol)
