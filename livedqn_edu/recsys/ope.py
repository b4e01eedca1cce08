"""Off-policy estimators on arrays, with viewer-clustered intervals and weight diagnostics.

Everything here takes numpy arrays of logged impressions (one row each) and knows nothing of the
simulator, so the same code runs on the course's logs and on a learner's own:

- the direct method (:func:`direct_method`, a reward model's value of the target), IPS, SNIPS
  and doubly robust (:func:`ips`, :func:`snips`, :func:`doubly_robust`, defined in
  :mod:`livedqn_edu.recsys.evaluation` and re-exported here under the same names), side by side
  in :func:`ope_estimates` with 95% intervals from a bootstrap that resamples *viewers* (all rows
  of a viewer together: a viewer's impressions are not independent of each other);
- how far the weights can be trusted: :func:`weight_summary` (effective sample size, largest
  weight, share of the total weight held by the top 1% of rows);
- :func:`subsample_estimates`: the estimators on random subsets of viewers (never the first rows
  of a log, which are the first steps of every viewer), to show where IPS breaks.

Off-policy evaluation of whole weeks (per-decision importance sampling, fitted Q evaluation) lives
in :mod:`livedqn_edu.recsys.sequential_ope`; the fitted-Q maths in
:mod:`livedqn_edu.recsys.fitted_q`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from livedqn_edu.recsys.evaluation import (
    doubly_robust,
    effective_sample_size,
    importance_weights,
    ips,
    snips,
)
from livedqn_edu.recsys.policies import masked_argmax
from livedqn_edu.recsys.stats import RngLike, resample_counts

__all__ = [
    "importance_weights",
    "ips",
    "snips",
    "doubly_robust",
    "effective_sample_size",
    "greedy_probabilities",
    "model_value",
    "direct_method",
    "weight_summary",
    "cluster_bootstrap_ratio",
    "ope_estimates",
    "viewer_subsample",
    "subsample_estimates",
]


def greedy_probabilities(scores: Any, mask: Any) -> np.ndarray:
    """One-hot probabilities of the greedy policy over valid slots, ``(n, K)`` float64.

    Masked slots are never chosen (their score is treated as ``-inf``, not 0); a row with no
    valid slot gets all zeros.
    """
    m = np.asarray(mask, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != m.shape or s.ndim != 2:
        raise ValueError(f"scores and mask must both be (n, K), got {s.shape} and {m.shape}")
    probs = np.zeros(s.shape)
    probs[np.arange(s.shape[0]), masked_argmax(s, m)] = 1.0
    return probs * m


def model_value(probs: Any, reward_pred: Any, mask: Any) -> np.ndarray:
    """A reward model's value of a policy in each logged context: ``sum_a pi(a|x) rhat(x, a)``.

    Args:
        probs: ``(n, K)`` the target policy's probability of each slot (0 on empty slots).
        reward_pred: ``(n, K)`` predicted reward of each slot (empty slots may hold anything,
            NaN or -inf included: they are ignored).
        mask: ``(n, K)`` bool, the valid slots.

    Returns:
        ``(n,)`` float64.

    Raises:
        ValueError: mismatched shapes, or a positive probability on an empty slot.
    """
    p, m = np.asarray(probs, dtype=np.float64), np.asarray(mask, dtype=bool)
    r = np.asarray(reward_pred, dtype=np.float64)
    if not (p.shape == r.shape == m.shape) or p.ndim != 2:
        raise ValueError(
            f"probs, reward_pred and mask must all be (n, K), got {p.shape}, {r.shape}, {m.shape}"
        )
    if (p[~m] > 0).any():
        raise ValueError("probs puts probability on an empty (masked) slot: zero it first")
    if not np.isfinite(r[m]).all():
        raise ValueError("reward_pred must be finite on the valid slots")
    return (p * np.where(m, r, 0.0)).sum(axis=1)


def direct_method(target_reward_pred: Any) -> float:
    """Direct method: the mean of a reward model's value of the target, ``mean_i v_i``.

    Low variance, but biased wherever the model is wrong (it never looks at the logged rewards).
    ``target_reward_pred`` is ``(n,)``, e.g. from :func:`model_value`.
    """
    v = np.asarray(target_reward_pred, dtype=np.float64)
    if v.ndim != 1 or v.size == 0 or not np.isfinite(v).all():
        raise ValueError(f"target_reward_pred must be a non-empty finite (n,) array, got {v.shape}")
    return float(v.mean())


def weight_summary(weights: Any) -> dict[str, float]:
    """How far importance weights can be trusted.

    Returns:
        ``n``; ``ess`` (Kish's effective sample size) and ``ess_share`` (ess / n);
        ``mean_weight`` (near 1 when the propensities are right); ``max_weight``;
        ``top1_share`` (share of the total weight in the largest 1% of weights, at least one
        row); ``zero_share`` (rows the target would never show).
    """
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.size == 0 or not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be a non-empty array of finite, non-negative numbers")
    total, top = w.sum(), max(1, int(np.ceil(0.01 * w.size)))
    ess = effective_sample_size(w)
    return {
        "n": float(w.size), "ess": ess, "ess_share": ess / w.size, "mean_weight": float(w.mean()),
        "max_weight": float(w.max()),
        "top1_share": float(np.sort(w)[-top:].sum() / total) if total > 0 else float("nan"),
        "zero_share": float(np.mean(w == 0)),
    }  # fmt: skip


def cluster_bootstrap_ratio(
    numerators: Any, denominators: Any, clusters: Any, n_resamples: int = 1_000, rng: RngLike = 0
) -> np.ndarray:
    """Replicates of ``sum(numerators) / sum(denominators)`` resampling whole clusters.

    Every estimator here is such a ratio (IPS: ``w r`` over ones; SNIPS: ``w r`` over ``w``), so
    per-cluster sums and resample counts give all replicates at once.

    Args:
        numerators: ``(n,)`` per-row numerators.
        denominators: ``(n,)`` per-row denominators.
        clusters: ``(n,)`` cluster label of each row (the viewer).
        n_resamples: replicates, >= 1.
        rng: seed or generator.

    Returns:
        ``(n_resamples,)`` float64 (NaN where a replicate's denominator is 0).
    """
    num, den = np.asarray(numerators, np.float64), np.asarray(denominators, np.float64)
    labels = np.asarray(clusters)
    if not (num.shape == den.shape == labels.shape) or num.ndim != 1:
        raise ValueError(
            f"numerators, denominators and clusters must be (n,) of one length, got {num.shape}, "
            f"{den.shape} and {labels.shape}"
        )
    _, inverse = np.unique(labels, return_inverse=True)
    n_clusters = int(inverse.max()) + 1
    if n_clusters < 2:
        raise ValueError("a clustered bootstrap needs rows from at least 2 viewers")
    counts = resample_counts(n_clusters, n_resamples, rng)
    top = counts @ np.bincount(inverse, weights=num, minlength=n_clusters)
    bottom = counts @ np.bincount(inverse, weights=den, minlength=n_clusters)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bottom != 0, top / bottom, np.nan)


def ope_estimates(
    rewards: Any,
    propensities: Any,
    target_probs: Any,
    viewers: Any,
    reward_pred: Any = None,
    target_reward_pred: Any = None,
    n_resamples: int = 1_000,
    level: float = 0.95,
    rng: RngLike = 0,
) -> pd.DataFrame:
    """Direct method, IPS, SNIPS and doubly robust side by side, with viewer-clustered intervals.

    Args:
        rewards: ``(n,)`` logged rewards.
        propensities: ``(n,)`` logging probability of each logged action, in (0, 1].
        target_probs: ``(n,)`` the target's probability of each logged action.
        viewers: ``(n,)`` the viewer of each row (rows of a viewer are resampled together).
        reward_pred: ``(n,)`` a reward model's prediction for the logged action (for DR).
        target_reward_pred: ``(n,)`` the model's value of the target (:func:`model_value`); with
            ``reward_pred`` it adds the ``dm`` and ``dr`` rows.
        n_resamples: bootstrap replicates.
        level: coverage in (0, 1).
        rng: seed or generator.

    An int ``rng`` gives every estimator the same viewer draws, so their replicates are paired.

    Returns:
        Rows ``dm``, ``ips``, ``snips``, ``dr`` (the first and last only with a reward model),
        columns ``estimate``, ``ci_low``, ``ci_high`` and ``se`` (the replicates' standard
        deviation).
    """
    w = importance_weights(propensities, target_probs)
    r = np.asarray(rewards, dtype=np.float64)
    if r.shape != w.shape:
        raise ValueError(f"rewards must be ({w.size},) like propensities, got {r.shape}")
    ones = np.ones_like(w)
    parts = {"ips": (w * r, ones), "snips": (w * r, w)}
    if (reward_pred is None) != (target_reward_pred is None):
        raise ValueError("pass both reward_pred and target_reward_pred (or neither)")
    if reward_pred is not None:
        direct = np.asarray(target_reward_pred, dtype=np.float64)
        rhat = np.asarray(reward_pred, dtype=np.float64)
        if direct.shape != w.shape or rhat.shape != w.shape:
            raise ValueError(
                f"reward_pred and target_reward_pred must be ({w.size},), one per logged row; got "
                f"{rhat.shape} and {direct.shape}"
            )
        parts = {"dm": (direct, ones), **parts, "dr": (direct + w * (r - rhat), ones)}
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    q = [(1 - level) / 2, (1 + level) / 2]
    rows = {}
    for name, (num, den) in parts.items():
        reps = cluster_bootstrap_ratio(num, den, viewers, n_resamples, np.random.default_rng(rng))
        low, high = np.nanquantile(reps, q)
        est = float(num.sum() / den.sum()) if den.sum() != 0 else float("nan")
        rows[name] = {
            "estimate": est,
            "ci_low": float(low),
            "ci_high": float(high),
            "se": float(np.nanstd(reps, ddof=1)) if reps.size > 1 else float("nan"),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def viewer_subsample(viewers: Any, n_viewers: int, rng: RngLike = 0) -> np.ndarray:
    """Rows of ``n_viewers`` viewers drawn at random without replacement, ``(m,)`` int64, sorted.

    All rows of a chosen viewer are kept. Taking the first rows of a log instead would keep
    only early steps (logs are often step-major) and bias every estimate.
    """
    labels = np.asarray(viewers)
    unique = np.unique(labels)
    if not 1 <= n_viewers <= unique.size:
        raise ValueError(
            f"n_viewers must be in [1, {unique.size}] (the viewers in the log), got {n_viewers}"
        )
    chosen = np.random.default_rng(rng).choice(unique, size=n_viewers, replace=False)
    return np.flatnonzero(np.isin(labels, chosen))


def subsample_estimates(
    rewards: Any,
    propensities: Any,
    target_probs: Any,
    viewers: Any,
    sizes: tuple[int, ...],
    n_draws: int = 20,
    reward_pred: Any = None,
    target_reward_pred: Any = None,
    n_resamples: int = 200,
    level: float = 0.95,
    rng: RngLike = 0,
) -> pd.DataFrame:
    """The estimators with their viewer-clustered intervals on random subsets of viewers.

    For each size, ``n_draws`` subsets of whole viewers drawn at random (:func:`viewer_subsample`,
    never the first rows of a log); on each, :func:`ope_estimates` and :func:`weight_summary`.
    This shows where IPS breaks: how far estimates scatter and how often their intervals miss
    the truth as the log shrinks.

    Args:
        rewards, propensities, target_probs, viewers: as :func:`ope_estimates`, ``(n,)`` each.
        sizes: numbers of viewers per subset.
        n_draws: subsets per size.
        reward_pred, target_reward_pred: a reward model (adds the ``dm`` and ``dr`` rows).
        n_resamples: bootstrap replicates per subset.
        level: coverage of the intervals.
        rng: seed or generator.

    Returns:
        One row per (size, draw, estimator): ``n_viewers``, ``draw``, ``rows``, ``estimator``,
        ``estimate``, ``ci_low``, ``ci_high``, ``ess``, ``max_weight``, ``top1_share``.
    """
    cols = [np.asarray(x, np.float64) for x in (rewards, propensities, target_probs)]
    model = (
        None
        if reward_pred is None
        else (np.asarray(reward_pred, np.float64), np.asarray(target_reward_pred, np.float64))
    )
    labels, gen, out = np.asarray(viewers), np.random.default_rng(rng), []
    for size in sizes:
        for draw in range(n_draws):
            rows = viewer_subsample(labels, int(size), gen)
            r, mu, pi = (c[rows] for c in cols)
            extra = {} if model is None else {"reward_pred": model[0][rows],
                                              "target_reward_pred": model[1][rows]}  # fmt: skip
            table = ope_estimates(r, mu, pi, labels[rows], **extra, n_resamples=n_resamples,
                                  level=level, rng=gen)  # fmt: skip
            w = weight_summary(importance_weights(mu, pi))
            for name, row in table.iterrows():
                out.append({"n_viewers": int(size), "draw": draw, "rows": rows.size,
                            "estimator": name, "estimate": row["estimate"],
                            "ci_low": row["ci_low"], "ci_high": row["ci_high"], "ess": w["ess"],
                            "max_weight": w["max_weight"],
                            "top1_share": w["top1_share"]})  # fmt: skip
    return pd.DataFrame(out)
