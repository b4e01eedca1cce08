"""Off-policy evaluation of whole weeks: the live-room logs as episodes, FQE and per-decision IS.

The logs are one row per impression; a viewer's rows in time order form their week (an
episode: it ends when the week is over or the viewer leaves). :func:`episodes` links each row to
the viewer's next one, so that every logged state is also the *next state* of the row before:
anything a policy says about next states (its probabilities, the features of their slots) is
computed once, on the logged states, and indexed.

- :func:`slate_features`: ``phi(s, a)`` for a linear Q-function: the candidate's features, the
  viewer's features, and a summary of the slate (how many followed and familiar rooms are live),
  which a recommender that uses up followed rooms needs;
- :func:`fqe`: fitted Q evaluation (Le, Voloshin & Yue 2019) of a policy's weekly return (its
  fixed point solved at once, :func:`~livedqn_edu.recsys.fitted_q.lstdq`), with an interval
  from a bootstrap of viewers;
- :func:`per_decision_is` (Precup, Sutton & Singh 2000; weighted as in Thomas & Brunskill 2016),
  its arrays from the logs (:func:`trajectories`) and how fast its effective sample size
  collapses along a week (:func:`ess_by_step`).

Learning from the same episodes (fitted Q iteration) is :mod:`livedqn_edu.recsys.offline_rl`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from livedqn_edu.envs.features import FeatureSpec, feature_spec
from livedqn_edu.recsys.fitted_q import lstdq
from livedqn_edu.recsys.offpolicy import BanditLogs
from livedqn_edu.recsys.ope import effective_sample_size, importance_weights
from livedqn_edu.recsys.stats import RngLike, resample_counts

__all__ = [
    "SUMMARIES",
    "Episodes",
    "episodes",
    "slate_features",
    "chosen_features",
    "fqe",
    "trajectories",
    "ess_by_step",
    "per_decision_is",
]

SUMMARIES = ("followed_live", "any_followed", "best_past_minutes", "familiar_live", "n_valid")
"""Slate summaries :func:`slate_features` appends to every slot (the same for all slots)."""


@dataclass(frozen=True)
class Episodes:
    """Logged impressions ordered by viewer then time, each linked to the viewer's next one."""

    logs: BanditLogs
    """the impressions, reordered (viewer by viewer, in time order)."""
    next_row: np.ndarray
    """(n,) int64, the row of the viewer's next impression (the row itself for the last one)."""
    last: np.ndarray
    """(n,) bool, the viewer's last impression: the week ended or the viewer left (terminal)."""
    first: np.ndarray
    """(n,) bool, the viewer's first impression (where a week's value is read)."""
    starts: np.ndarray
    """(n_viewers + 1,) int64, row boundaries of each viewer's block."""

    def __len__(self) -> int:
        return len(self.logs)


def episodes(logs: BanditLogs) -> Episodes:
    """Group ``logs`` into viewers' weeks (rows of one viewer must be in time order)."""
    order = np.lexsort((np.arange(len(logs)), logs.viewers))  # stable: keeps each viewer's order
    ordered = logs.subset(order)
    v = ordered.viewers
    change = np.flatnonzero(v[1:] != v[:-1]) + 1
    last = np.zeros(len(v), bool)
    last[change - 1], last[-1] = True, True
    first = np.zeros(len(v), bool)
    first[0], first[change] = True, True
    rows = np.arange(len(v))
    return Episodes(ordered, np.where(last, rows, rows + 1), last, first,
                    np.r_[0, change, len(v)].astype(np.int64))  # fmt: skip


def slate_features(
    obs: dict[str, np.ndarray], spec: FeatureSpec | None = None, summaries: bool = True
) -> np.ndarray:
    """``phi(s, a)`` of every slot: ``[1, candidate, viewer, slate summaries]``, ``(n, K, F)``.

    Args:
        obs: a batched observation.
        spec: the world's feature spec (default: the default world's).
        summaries: append :data:`SUMMARIES` (counted over the slate's live candidates).

    Returns:
        float64, zeros in empty slots (``F = 1 + 14 + 17 + 5`` for the default world).
    """
    spec = spec or feature_spec()
    mask = np.asarray(obs["mask"], bool)
    cand = np.nan_to_num(np.asarray(obs["candidates"], np.float64))
    n, k = mask.shape
    state = [np.nan_to_num(np.asarray(obs["user"], np.float64))]
    if summaries:
        followed = spec.column(obs, "followed") * mask
        past = spec.column(obs, "log_past_minutes") * mask
        state.append(np.stack([followed.sum(1), followed.any(1), past.max(1), (past > 0).sum(1),
                               mask.sum(1)], axis=1))  # fmt: skip
    block = np.concatenate(state, axis=1)
    per_slot = np.broadcast_to(block[:, None, :], (n, k, block.shape[1]))
    return np.concatenate([np.ones((n, k, 1)), cand, per_slot], axis=2) * mask[..., None]


def chosen_features(f: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """The features of the chosen slots, ``(n, K, F) -> (n, F)``."""
    return f[np.arange(f.shape[0]), actions]


def fqe(
    ep: Episodes,
    features: np.ndarray,
    target_probs: np.ndarray,
    gamma: float = 1.0,
    lam: float = 1.0,
    n_resamples: int = 200,
    level: float = 0.95,
    rng: RngLike = 0,
) -> dict[str, float]:
    """Fitted Q evaluation of a policy's (weekly) return, with a viewer-bootstrap interval.

    ``Q(s, a) = theta . phi(s, a)`` solves the FQE fixed point on all logged transitions; the
    estimate is the mean over viewers of ``sum_a pi(a | s_0) Q(s_0, a)`` at their first state.
    Each bootstrap replicate resamples viewers (their whole weeks) and solves again.

    Args:
        ep: the logged weeks (:func:`episodes`).
        features: ``(n, K, F)`` :func:`slate_features` of ``ep.logs.obs``.
        target_probs: ``(n, K)`` the target's probabilities in every logged state (they are
            also its probabilities in the next states).
        gamma: discount per recommendation (1: the plain weekly return).
        lam: ridge regularisation, > 0.
        n_resamples: bootstrap replicates (0: no interval).
        level: coverage of the interval.
        rng: seed or generator of the bootstrap.

    Returns:
        ``estimate``, ``ci_low``, ``ci_high`` (NaN without replicates).
    """
    logs, p = ep.logs, np.asarray(target_probs, np.float64)
    if p.shape != logs.obs["mask"].shape:
        raise ValueError(f"target_probs must be {logs.obs['mask'].shape}, got {p.shape}")
    x = chosen_features(features, logs.actions)
    psi = np.einsum("nk,nkf->nf", p, features)  # expected features under pi in each state
    live = gamma * ~ep.last
    start = psi[ep.first]
    theta = lstdq(x, psi[ep.next_row], logs.rewards, live, lam)
    out = {"estimate": float((start @ theta).mean()), "ci_low": np.nan, "ci_high": np.nan}
    if n_resamples <= 0:
        return out
    d = x - live[:, None] * psi[ep.next_row]
    a_v = np.stack([x[s:e].T @ d[s:e] for s, e in zip(ep.starts[:-1], ep.starts[1:], strict=True)])
    b_v = np.add.reduceat(x * logs.rewards[:, None], ep.starts[:-1], axis=0)
    counts = resample_counts(a_v.shape[0], n_resamples, rng)
    a_b = np.einsum("bv,vfg->bfg", counts, a_v) + lam * np.eye(x.shape[1])
    theta_b = np.linalg.solve(a_b, (counts @ b_v)[..., None])[..., 0]
    reps = np.einsum("bv,vf,bf->b", counts, start, theta_b) / a_v.shape[0]
    out["ci_low"], out["ci_high"] = (
        float(q) for q in np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    )
    return out


def trajectories(ep: Episodes, target_probs: Any) -> dict[str, np.ndarray]:
    """Per-viewer arrays for :func:`~livedqn_edu.recsys.ope.per_decision_is`, ``(N, T)`` each.

    Args:
        ep: the logged weeks.
        target_probs: ``(n, K)`` the target's probabilities in every logged state.

    Returns:
        ``rewards``, ``propensities`` (logging probability of each logged slot),
        ``target_probs`` (the target's probability of it) and ``valid`` (the step happened),
        padded after each viewer's last impression.
    """
    logs, rows = ep.logs, np.arange(len(ep))
    viewer = np.cumsum(ep.first) - 1
    step = rows - ep.starts[viewer]
    shape = (int(viewer[-1]) + 1, int(step.max()) + 1)
    out = {"rewards": np.zeros(shape), "propensities": np.ones(shape),
           "target_probs": np.ones(shape), "valid": np.zeros(shape, bool)}  # fmt: skip
    out["rewards"][viewer, step] = logs.rewards
    out["propensities"][viewer, step] = logs.logged_propensity
    out["target_probs"][viewer, step] = np.asarray(target_probs, np.float64)[rows, logs.actions]
    out["valid"][viewer, step] = True
    return out


def ess_by_step(propensities: Any, target_probs: Any, valid: Any) -> np.ndarray:
    """Kish's effective number of trajectories behind each step of per-decision IS, ``(T,)``.

    At step ``t`` the weight of trajectory ``i`` is ``prod_{u <= t} pi / mu``; only trajectories
    still going count.
    """
    ok = np.asarray(valid, bool)
    w = np.cumprod(np.where(ok, np.asarray(target_probs, float) / np.asarray(propensities, float),
                            1.0), axis=1)  # fmt: skip
    return np.array([effective_sample_size(w[ok[:, t], t]) for t in range(w.shape[1])])


def per_decision_is(
    rewards: Any,
    propensities: Any,
    target_probs: Any,
    valid: Any = None,
    gamma: float = 1.0,
    discounts: Any = None,
    weighted: bool = True,
    n_resamples: int = 0,
    level: float = 0.95,
    rng: RngLike = 0,
) -> float | tuple[float, float, float]:
    """Per-decision importance sampling of a policy's discounted return over trajectories.

    With ``rho[i, t] = prod_{u <= t} pi(a_iu | s_iu) / mu(a_iu | s_iu)``, the estimate is
    ``sum_t sum_i rho[i, t] d[i, t] r[i, t] / N`` (``weighted=False``, unbiased) or
    ``sum_t sum_i rho[i, t] d[i, t] r[i, t] / sum_i rho[i, t]`` (``weighted=True``, biased but far
    less variable), where ``d[i, t]`` is the discount of step ``t`` (``gamma ** t`` by default).
    After a trajectory ends (``valid`` False) its reward is 0 and its weight stays frozen.

    Args:
        rewards: ``(N, T)`` rewards per trajectory (viewer) and step.
        propensities: ``(N, T)`` logging probabilities of the logged actions (ignored where
            not valid).
        target_probs: ``(N, T)`` target probabilities of the same actions.
        valid: ``(N, T)`` bool, the steps that happened (default: all).
        gamma: discount per step, used when ``discounts`` is None.
        discounts: ``(N, T)`` discount of each step's reward (e.g. ``gamma ** days elapsed``).
        weighted: normalise by the summed weights at each step.
        n_resamples: if > 0, also a bootstrap interval over trajectories.
        level: coverage of that interval.
        rng: seed or generator of the bootstrap.

    Returns:
        The estimate, or ``(estimate, low, high)`` when ``n_resamples > 0``.
    """
    r = np.asarray(rewards, dtype=np.float64)
    if r.ndim != 2 or r.shape[0] < 1:
        raise ValueError(f"rewards must be (N, T) with N >= 1 trajectories, got {r.shape}")
    ok = np.ones(r.shape, bool) if valid is None else np.asarray(valid, dtype=bool)
    d = gamma ** np.arange(r.shape[1]) * np.ones_like(r) if discounts is None else discounts
    d = np.asarray(d, dtype=np.float64)
    mu = np.where(ok, np.asarray(propensities, np.float64), 1.0)
    pi = np.where(ok, np.asarray(target_probs, np.float64), 1.0)
    if not (ok.shape == d.shape == mu.shape == pi.shape == r.shape):
        raise ValueError(f"every (N, T) argument must have shape {r.shape}")
    rho = np.cumprod(importance_weights(mu.ravel(), pi.ravel()).reshape(r.shape), axis=1)
    num = rho * d * np.where(ok, r, 0.0)
    den = rho if weighted else np.ones_like(rho)

    def value(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(bottom > 0, top / bottom, 0.0).sum(axis=-1)

    est = float(value(num.sum(axis=0), den.sum(axis=0)))
    if n_resamples <= 0:
        return est
    counts = resample_counts(r.shape[0], n_resamples, rng)
    reps = value(counts @ num, counts @ den)
    low, high = np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    return est, float(low), float(high)
