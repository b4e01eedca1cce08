"""Bandit learners on candidate features: epsilon-greedy, LinUCB, linear Thompson sampling.

Each learner keeps ONE linear model of the reward shared by every candidate and every viewer
(``r ~ theta . x`` with ``x`` a candidate's ``F`` features) and works on batches: ``N`` viewers
each see ``K`` candidate slots at once::

    bandit = LinUCBBandit(n_features=F, alpha=1.0)
    slots = bandit.select(features, mask)       # (N,) one valid slot per viewer
    bandit.update(features[np.arange(N), slots], rewards)   # (N, F), (N,)

The statistics are those of ridge regression: ``A = lam I + sum x x^T``, ``b = sum r x``,
``theta = A^-1 b``. They differ only in how they explore:

- :class:`EpsilonGreedyBandit`: the best predicted slot, or with probability ``epsilon`` a
  uniformly random valid slot;
- :class:`LinUCBBandit` (Li, Chu, Langford & Schapire 2010): the slot with the highest
  ``theta . x + alpha sqrt(x^T A^-1 x)``, an optimistic upper bound;
- :class:`ThompsonBandit` (Agrawal & Goyal 2013): each viewer's slots scored with its own draw
  ``theta ~ N(theta_hat, v^2 A^-1)`` from the posterior.

:func:`regret_curves` turns per-step rewards of a learner and of an oracle on the same viewers
into cumulative regret with an interval over runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from livedqn_edu.recsys.policies import masked_argmax

__all__ = ["LinearBandit", "EpsilonGreedyBandit", "LinUCBBandit", "ThompsonBandit", "regret_curves"]


class LinearBandit:
    """Shared ridge-regression statistics and the batched interface of every learner.

    Args:
        n_features: ``F``, features per candidate.
        lam: ridge regularisation (prior precision), > 0.
        seed: seed of the learner's own random generator.

    Attributes:
        A: ``(F, F)`` float64; b: ``(F,)`` float64; steps: updates so far.
    """

    name = "greedy"

    def __init__(self, n_features: int, lam: float = 1.0, seed: int = 0) -> None:
        if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features < 1:
            raise ValueError(f"n_features must be an int >= 1, got {n_features!r}")
        if not lam > 0:
            raise ValueError(f"lam must be > 0 (ridge regularisation), got {lam!r}")
        self.n_features, self.lam, self.seed = n_features, float(lam), seed
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        """Forget everything learned; reseed (with ``seed``, or the constructor's)."""
        self.A = self.lam * np.eye(self.n_features)
        self.b = np.zeros(self.n_features)
        self.steps = 0
        self.rng = np.random.default_rng(self.seed if seed is None else seed)

    @property
    def theta(self) -> np.ndarray:
        """Ridge estimate ``A^-1 b``, ``(F,)``."""
        return np.linalg.solve(self.A, self.b)

    def _check(self, features: Any, mask: Any) -> tuple[np.ndarray, np.ndarray]:
        x, m = np.asarray(features, dtype=np.float64), np.asarray(mask, dtype=bool)
        if x.ndim != 3 or x.shape[2] != self.n_features or m.shape != x.shape[:2]:
            raise ValueError(
                f"features must be (N, K, {self.n_features}) and mask (N, K), got {x.shape} and "
                f"{m.shape}"
            )
        if not np.isfinite(x[m]).all():
            raise ValueError("features must be finite on valid slots (found NaN or inf)")
        return np.where(m[..., None], x, 0.0), m

    def _raw_scores(self, x: np.ndarray) -> np.ndarray:
        return x @ self.theta

    def scores(self, features: Any, mask: Any) -> np.ndarray:
        """Score of each slot, ``(N, K)`` float64, ``-inf`` in masked slots.

        Args:
            features: ``(N, K, F)`` candidate features (anything in masked slots).
            mask: ``(N, K)`` bool, True where a candidate is live.
        """
        x, m = self._check(features, mask)
        return np.where(m, self._raw_scores(x), -np.inf)

    def select(self, features: Any, mask: Any) -> np.ndarray:
        """The slot to show each viewer, ``(N,)`` int64 (slot 0 for a row with no valid slot)."""
        _, m = self._check(features, mask)
        return masked_argmax(self.scores(features, mask), m)

    def update(self, chosen: Any, rewards: Any) -> None:
        """Learn from the shown candidates: ``A += X^T X``, ``b += X^T r``.

        Args:
            chosen: ``(N, F)`` features of the slots shown.
            rewards: ``(N,)`` rewards received.
        """
        x, r = np.asarray(chosen, dtype=np.float64), np.asarray(rewards, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.n_features or r.shape != (x.shape[0],):
            raise ValueError(
                f"chosen must be (N, {self.n_features}) and rewards (N,), got {x.shape} and "
                f"{r.shape}"
            )
        if not (np.isfinite(x).all() and np.isfinite(r).all()):
            raise ValueError("chosen and rewards must be finite (found NaN or inf)")
        self.A += x.T @ x
        self.b += x.T @ r
        self.steps += 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_features={self.n_features}, lam={self.lam})"


class EpsilonGreedyBandit(LinearBandit):
    """Best predicted slot, or with probability ``epsilon`` a uniformly random valid one."""

    name = "epsilon_greedy"

    def __init__(self, n_features: int, epsilon: float = 0.1, lam: float = 1.0, seed: int = 0):
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError(f"epsilon must be a probability in [0, 1], got {epsilon!r}")
        self.epsilon = float(epsilon)
        super().__init__(n_features, lam, seed)

    def select(self, features: Any, mask: Any) -> np.ndarray:  # noqa: D102
        _, m = self._check(features, mask)
        greedy = masked_argmax(self.scores(features, mask), m)
        random = masked_argmax(self.rng.random(m.shape), m)
        return np.where(self.rng.random(m.shape[0]) < self.epsilon, random, greedy)


class LinUCBBandit(LinearBandit):
    """Optimism: score ``theta . x + alpha sqrt(x^T A^-1 x)`` (``alpha`` >= 0, 0 = greedy)."""

    name = "linucb"

    def __init__(self, n_features: int, alpha: float = 1.0, lam: float = 1.0, seed: int = 0):
        if not alpha >= 0:
            raise ValueError(f"alpha must be >= 0 (width of the exploration bonus), got {alpha!r}")
        self.alpha = float(alpha)
        super().__init__(n_features, lam, seed)

    def _raw_scores(self, x: np.ndarray) -> np.ndarray:
        a_inv = np.linalg.inv(self.A)
        bonus = np.sqrt(np.maximum(np.einsum("nkf,fg,nkg->nk", x, a_inv, x), 0.0))
        return x @ (a_inv @ self.b) + self.alpha * bonus


class ThompsonBandit(LinearBandit):
    """Posterior sampling: each viewer scores its slots with ``theta ~ N(A^-1 b, v^2 A^-1)``."""

    name = "thompson"

    def __init__(self, n_features: int, v: float = 1.0, lam: float = 1.0, seed: int = 0):
        if not v > 0:
            raise ValueError(f"v must be > 0 (scale of the posterior), got {v!r}")
        self.v = float(v)
        super().__init__(n_features, lam, seed)

    def _raw_scores(self, x: np.ndarray) -> np.ndarray:
        chol = np.linalg.cholesky(np.linalg.inv(self.A))
        z = self.rng.standard_normal((x.shape[0], self.n_features))
        thetas = self.theta + self.v * z @ chol.T  # (N, F): one posterior draw per viewer
        return np.einsum("nkf,nf->nk", x, thetas)


def regret_curves(learner_rewards: Any, oracle_rewards: Any, level: float = 0.95) -> pd.DataFrame:
    """Cumulative regret of a learner against an oracle on the same viewers, over runs.

    Args:
        learner_rewards: ``(runs, steps)`` or ``(runs, viewers, steps)`` per-step rewards (the
            viewers' mean is taken first).
        oracle_rewards: the oracle's rewards, same shape, same viewers and steps.
        level: coverage of the interval over runs (Student's t, ``runs - 1`` degrees of
            freedom; :func:`scipy.stats.t`).

    Returns:
        One row per step: ``step`` (1-based), ``regret`` (mean over runs of the cumulative
        regret per viewer), ``ci_low``, ``ci_high``.
    """
    from scipy import stats

    lr, orc = np.asarray(learner_rewards, np.float64), np.asarray(oracle_rewards, np.float64)
    if lr.shape != orc.shape or lr.ndim not in (2, 3):
        raise ValueError(
            "learner_rewards and oracle_rewards must have one shape, (runs, steps) or (runs, "
            f"viewers, steps); got {lr.shape} and {orc.shape}"
        )
    if lr.shape[0] < 2:
        raise ValueError(f"an interval over runs needs at least 2 runs, got {lr.shape[0]}")
    if not (np.isfinite(lr).all() and np.isfinite(orc).all()):
        raise ValueError("rewards must be finite (found NaN or inf)")
    gap = orc - lr if lr.ndim == 2 else (orc - lr).mean(axis=1)
    cum = np.cumsum(gap, axis=1)  # (runs, steps)
    runs = cum.shape[0]
    mean, sem = cum.mean(axis=0), cum.std(axis=0, ddof=1) / np.sqrt(runs)
    half = stats.t.ppf(0.5 + level / 2.0, runs - 1) * sem
    return pd.DataFrame({"step": np.arange(1, cum.shape[1] + 1), "regret": mean,
                         "ci_low": mean - half, "ci_high": mean + half})  # fmt: skip
