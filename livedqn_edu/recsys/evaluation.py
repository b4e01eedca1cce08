"""Evaluating recommenders: online in the simulator, by ranking on logs, and off-policy.

- :func:`evaluate_policies` runs each policy over ``n_viewers`` viewers x ``days`` days for several
  viewer populations (seeds) and reports every metric of
  :data:`~livedqn_edu.envs.vector_eval.METRICS` with a 95% confidence interval
  (:func:`mean_ci`, viewers pooled over seeds: each viewer-week is one independent draw).
- :func:`hit_rate_at_k` and :func:`ndcg_at_k` rank the rooms live at the moment of a logged click,
  as LiveRec does (Rappaz, McAuley & Aberer, RecSys 2021): a recommender on a live platform can
  only show what is live now.
- :func:`ips`, :func:`snips` and :func:`doubly_robust` estimate a target policy's value per
  impression from logs with propensities (Horvitz & Thompson 1952; Swaminathan & Joachims 2015;
  Dudik, Langford & Li 2011), as pure functions on arrays. :mod:`livedqn_edu.recsys.offpolicy`
  applies them to the simulator's logs and sets them beside the truth.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import VALIDATION, Population
from livedqn_edu.envs.vector_eval import METRICS, run_policy
from livedqn_edu.envs.world import World
from livedqn_edu.intervals import paired_difference as _t_interval
from livedqn_edu.intervals import t_quantile

__all__ = [
    "mean_ci",
    "paired_difference",
    "paired_table",
    "t_quantile",
    "evaluate_policies",
    "per_viewer_frame",
    "per_viewer_values",
    "values_from_frame",
    "comparison_table",
    "target_rank",
    "hit_rate_at_k",
    "ndcg_at_k",
    "importance_weights",
    "ips",
    "snips",
    "doubly_robust",
    "effective_sample_size",
]


# --- confidence intervals ---------------------------------------------------------------------
def mean_ci(values: Any, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and normal-approximation confidence interval ``mean +- z * sd / sqrt(n)``.

    Args:
        values: ``(n,)`` numbers, n >= 2 (independent draws, e.g. one per viewer-week).
        level: coverage in (0, 1); 0.95 uses ``z = 1.95996``.

    Returns:
        ``(mean, low, high)`` floats (sd with ``ddof=1``).

    Raises:
        ValueError: fewer than 2 values, non-finite values, or ``level`` outside (0, 1).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95; got {level!r}")
    if x.size < 2:
        raise ValueError(f"values needs at least 2 numbers for a confidence interval, got {x.size}")
    if not np.isfinite(x).all():
        raise ValueError("values must all be finite (found NaN or inf)")
    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    mean, half = float(x.mean()), float(z * x.std(ddof=1) / np.sqrt(x.size))
    return mean, mean - half, mean + half


# --- paired comparisons ---------------------------------------------------------------------------
def paired_difference(a: Any, b: Any, level: float = 0.95) -> dict[str, float]:
    """Mean of ``a - b`` over paired units (the same viewers) with a t-interval of the difference.

    ``a`` and ``b`` are per-unit values of two policies on the *same* units (same viewers, same
    random stream: common random numbers), so the difference's spread is far smaller than either
    value's; the interval is ``mean(d) +- t_{n-1} * sd(d) / sqrt(n)`` with ``d = a - b``.

    Args:
        a: ``(n,)`` values of policy A, n >= 2.
        b: ``(n,)`` values of policy B on the same units, in the same order.
        level: coverage of the interval, in (0, 1).

    Returns:
        ``mean_a``, ``mean_b``, ``diff``, ``low``, ``high`` (interval of the difference),
        ``rel``, ``rel_low``, ``rel_high`` (the same divided by ``mean_b``) and ``n``.

    Raises:
        ValueError: unequal lengths, fewer than 2 units, non-finite values or a bad level.
    """
    x, y = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(
            f"a and b must hold one value per unit, the same units in the same order; got "
            f"lengths {x.size} and {y.size}"
        )
    if x.size < 2:
        raise ValueError(f"a paired interval needs at least 2 units, got {x.size}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("a and b must be finite (found NaN or inf)")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95; got {level!r}")
    t = _t_interval(x, y, level)
    diff, low, high, base = t["mean"], t["low"], t["high"], float(y.mean())
    rel = base if base != 0 else float("nan")
    return {
        "mean_a": float(x.mean()), "mean_b": base, "diff": diff, "low": low, "high": high,
        "rel": diff / rel, "rel_low": low / rel, "rel_high": high / rel, "n": float(t["n"]),
    }  # fmt: skip


def paired_table(
    per_viewer: pd.DataFrame, baseline: str, metric: str = "return", level: float = 0.95
) -> pd.DataFrame:
    """Every policy against ``baseline`` on the same viewers: paired differences with intervals.

    Args:
        per_viewer: :func:`evaluate_policies` output with ``per_viewer=True`` (columns
            ``policy``, ``seed`` and the metrics; one row per viewer and policy).
        baseline: the policy every other is compared with.
        metric: the column compared.
        level: coverage of the intervals.

    Returns:
        One row per other policy: the columns of :func:`paired_difference`.
    """
    key = per_viewer.assign(_viewer=per_viewer.groupby(["policy", "seed"]).cumcount())
    wide = key.pivot_table(index=["seed", "_viewer"], columns="policy", values=metric)
    if baseline not in wide:
        raise ValueError(f"baseline {baseline!r} is not a policy of the table: {list(wide)}")
    rows = {
        name: paired_difference(wide[name], wide[baseline], level)
        for name in dict.fromkeys(per_viewer["policy"])
        if name != baseline
    }
    return pd.DataFrame(rows).T


# --- online evaluation in the simulator -------------------------------------------------------
class _FeedbackWorld(World):
    """A world that hands each step's rewards to an online learner (``learner.learn(rewards)``)."""

    learner: Any = None

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:  # noqa: D102
        rewards, parts = super().step(actions)
        if self.learner is not None:
            self.learner.learn(rewards)
        return rewards, parts


def evaluate_policies(
    policies: Mapping[str, Any],
    n_viewers: int = 1_000,
    days: int = 7,
    seeds: tuple[int, ...] | None = None,
    config: WorldConfig | None = None,
    per_viewer: bool = False,
    population: Population | None = None,
    observer: Any = None,
) -> pd.DataFrame:
    """Run each policy over ``n_viewers`` x ``days`` for every seed; means with 95% CIs.

    Before each seed the policy is ``reset(seed)`` (if it can), attached to the world (if it is an
    oracle with ``attach``), and fed each step's rewards if it learns online (``learn``).

    Args:
        policies: name -> policy (a :class:`~livedqn_edu.recsys.policies.Policy` or any function
            from the batched observation to ``(N,)`` slots).
        n_viewers: viewers per seed, >= 2.
        days: horizon in days, >= 1.
        seeds: viewer seeds (the rooms are the same in every seed); default the first three
            seeds of ``population``.
        config: the world's configuration (default ``WorldConfig()``); ``days`` replaces its own.
        population: a named population (:mod:`livedqn_edu.envs.populations`): its rooms and,
            unless ``seeds`` is given, its viewer seeds. Without one, the rooms of ``config``
            and the validation seeds (tune on validation viewers; report on ``TEST``).
        observer: passed to :func:`~livedqn_edu.envs.vector_eval.run_policy` (called before
            each step with the world and the actions).
        per_viewer: return the per-viewer table instead (columns of ``METRICS`` plus ``policy``
            and ``seed``).

    Returns:
        A long table, one row per (policy, metric): ``policy``, ``metric``, ``mean``,
        ``ci_low``, ``ci_high``, ``n`` (viewer-weeks) and ``seconds`` (wall time of the policy
        over all seeds).
    """
    if not isinstance(policies, Mapping) or not policies:
        raise TypeError("policies must be a non-empty dict of name -> policy")
    if population is not None:
        config = population.config(config)
    seeds = tuple((population or VALIDATION).seeds[:3] if seeds is None else seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed, e.g. (0, 1, 2)")
    config = dataclasses.replace(config or WorldConfig(), days=int(days))
    world = _FeedbackWorld(config)
    frames, seconds = [], {}
    for name, policy in policies.items():
        start = time.perf_counter()
        for seed in seeds:
            if hasattr(policy, "reset"):
                policy.reset(seed)
            if hasattr(policy, "attach"):
                policy.attach(world)
            world.learner = policy if hasattr(policy, "learn") else None
            df = run_policy(policy, n_viewers, days, seed=seed, config=config, world=world,
                            observer=observer)  # fmt: skip
            frames.append(df.assign(policy=name, seed=seed))
        world.learner = None
        seconds[name] = time.perf_counter() - start
    table = pd.concat(frames, ignore_index=True)
    if per_viewer:
        return table
    rows = []
    for name in policies:
        sub = table[table["policy"] == name]
        for metric in METRICS:
            mean, low, high = mean_ci(sub[metric].to_numpy())
            rows.append({"policy": name, "metric": metric, "mean": mean, "ci_low": low,
                         "ci_high": high, "n": len(sub), "seconds": seconds[name]})  # fmt: skip
    return pd.DataFrame(rows)


def per_viewer_frame(
    policies: Mapping[str, Any],
    population: Population,
    n_viewers: int,
    seeds: tuple[int, ...] | None = None,
    days: int = 7,
    config: WorldConfig | None = None,
) -> pd.DataFrame:
    """Every metric of every policy per viewer, on the SAME viewers with common random numbers.

    Every policy (and every training seed of a policy) meets the same viewers with the same
    random numbers (the world draws one block of random numbers per step and viewer, whatever
    the policy shows; see ``tests/test_per_viewer_values.py`` for what exactly is shared), so
    rows of different policies with the same ``seed`` and ``viewer`` can be paired.

    Args:
        policies: name -> a policy, or a list of policies (one per training seed).
        population: the viewers' population (its rooms; its viewer seeds unless ``seeds``).
        n_viewers: viewers per viewer seed, >= 2.
        seeds: viewer seeds (default all of ``population.seeds``).
        days: horizon in days.
        config: the world's knobs (default ``WorldConfig()``; the population sets the rooms).

    Returns:
        One row per (policy, training seed, viewer seed, viewer): columns ``policy``,
        ``train_seed`` (0.. in list order), ``seed``, ``viewer`` and the metrics of
        :data:`~livedqn_edu.envs.vector_eval.METRICS`. ``frame.attrs["seconds"]`` holds each
        policy's wall time per training seed, ``{name: [seconds, ...]}``.
    """
    if not isinstance(policies, Mapping) or not policies:
        raise TypeError("policies must be a non-empty dict of name -> policy (or list of them)")
    seeds = tuple(population.seeds if seeds is None else seeds)
    frames, seconds = [], {}
    for name, entry in policies.items():
        members = list(entry) if isinstance(entry, list | tuple) else [entry]
        if not members:
            raise ValueError(f"policies[{name!r}] is an empty list: give at least one policy")
        seconds[name] = []
        for i, policy in enumerate(members):
            start = time.perf_counter()
            table = evaluate_policies({name: policy}, n_viewers, days, seeds, config,
                                      per_viewer=True, population=population)  # fmt: skip
            seconds[name].append(time.perf_counter() - start)
            table = table.assign(train_seed=i, viewer=table.groupby("seed").cumcount())
            frames.append(table[["policy", "train_seed", "seed", "viewer", *METRICS]])
    out = pd.concat(frames, ignore_index=True)
    out.attrs["seconds"] = seconds
    return out


def values_from_frame(frame: pd.DataFrame, metric: str = "return") -> dict[str, np.ndarray]:
    """``{policy: (training seeds, viewers)}`` of one metric of :func:`per_viewer_frame`."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    out = {}
    for name in dict.fromkeys(frame["policy"]):
        sub = frame[frame["policy"] == name].sort_values(["train_seed", "seed", "viewer"])
        n_seeds = sub["train_seed"].nunique()
        out[name] = sub[metric].to_numpy(dtype=np.float64).reshape(n_seeds, -1)
    return out


def per_viewer_values(
    policies: Mapping[str, Any],
    population: Population,
    n_viewers: int,
    metric: str = "return",
    seeds: tuple[int, ...] | None = None,
    days: int = 7,
    config: WorldConfig | None = None,
) -> dict[str, np.ndarray]:
    """Each policy's ``metric`` per viewer on the SAME viewers: ``{name: (seeds, viewers)}``.

    The input of :func:`livedqn_edu.recsys.stats.compare_policies`. Arguments as
    :func:`per_viewer_frame`; a list of policies (one per training seed) gives one row each.

    Returns:
        ``{name: (S, len(seeds) * n_viewers)}`` float64 arrays, columns ordered by viewer seed
        then viewer; ``S`` is 1 for a single policy.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    frame = per_viewer_frame(policies, population, n_viewers, seeds, days, config)
    return values_from_frame(frame, metric)


def comparison_table(results: pd.DataFrame, metrics: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Pivot :func:`evaluate_policies`' output: one row per policy, ``"mean [low, high]"`` cells."""
    metrics = metrics or tuple(dict.fromkeys(results["metric"]))
    sub = results[results["metric"].isin(metrics)]
    cell = sub.apply(lambda r: f"{r['mean']:.3g} [{r['ci_low']:.3g}, {r['ci_high']:.3g}]", axis=1)
    out = sub.assign(cell=cell).pivot(index="policy", columns="metric", values="cell")
    return out.loc[list(dict.fromkeys(sub["policy"])), list(metrics)]


# --- ranking metrics on logged clicks -----------------------------------------------------------
def _rank_inputs(scores: Any, target: Any, mask: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64)
    t = np.asarray(target)
    m = np.ones(s.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if s.ndim != 2 or m.shape != s.shape:
        raise ValueError(f"scores and mask must both be (n, K), got {s.shape} and {m.shape}")
    if t.shape != (s.shape[0],) or t.dtype.kind not in "iu":
        raise ValueError(f"target must be ({s.shape[0]},) int slots, got {t.shape} {t.dtype}")
    if ((t < 0) | (t >= s.shape[1])).any() or not m[np.arange(t.size), t].all():
        raise ValueError("target must hold valid slots: in [0, K) and unmasked (a live room)")
    return s, t.astype(np.int64), m


def target_rank(scores: Any, target: Any, mask: Any = None) -> np.ndarray:
    """0-based rank of the target among the valid (live) candidates, ``(n,)`` int64.

    Rank = number of *other* valid candidates scoring at least as high as the target (ties count
    against the target, so a constant scorer is not rewarded).

    Args:
        scores: ``(n, K)`` scores, higher is better.
        target: ``(n,)`` int, the slot of the room actually clicked.
        mask: ``(n, K)`` bool, the candidates live at that moment (default: all).
    """
    s, t, m = _rank_inputs(scores, target, mask)
    mine = s[np.arange(t.size), t][:, None]
    better = m & (s >= mine)
    return better.sum(axis=1).astype(np.int64) - 1


def hit_rate_at_k(scores: Any, target: Any, mask: Any = None, k: int = 1) -> float:
    """Share of rows whose target ranks among the top ``k`` valid candidates (HR@k)."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be an int >= 1, got {k!r}")
    return float(np.mean(target_rank(scores, target, mask) < k))


def ndcg_at_k(scores: Any, target: Any, mask: Any = None, k: int = 5) -> float:
    """Mean NDCG@k with one relevant item: ``1 / log2(rank + 2)`` if ``rank < k``, else 0."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be an int >= 1, got {k!r}")
    rank = target_rank(scores, target, mask)
    return float(np.mean(np.where(rank < k, 1.0 / np.log2(rank + 2.0), 0.0)))


# --- off-policy estimators ----------------------------------------------------------------------
def _vector(name: str, value: Any, n: int | None) -> np.ndarray:
    x = np.asarray(value, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array (one entry per logged impression), got {x.shape}"
        )
    if n is not None and x.size != n:
        raise ValueError(f"{name} has length {x.size} but rewards has {n}: pass one per impression")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite (found NaN or inf)")
    return x


def importance_weights(propensities: Any, target_probs: Any) -> np.ndarray:
    """``w_i = pi(a_i | x_i) / mu(a_i | x_i)``, ``(n,)`` float64.

    Args:
        propensities: ``(n,)`` logging probabilities of the logged actions, in (0, 1].
        target_probs: ``(n,)`` target policy's probabilities of the same actions, in [0, 1].

    Raises:
        ValueError: naming the argument, for a propensity outside (0, 1], a probability outside
            [0, 1] or mismatched lengths.
    """
    mu = _vector("propensities", propensities, None)
    pi = _vector("target_probs", target_probs, mu.size)
    if mu.size == 0:
        raise ValueError("propensities is empty: at least one logged impression is needed")
    if ((mu <= 0) | (mu > 1)).any():
        bad = mu[(mu <= 0) | (mu > 1)][0]
        raise ValueError(
            f"propensities must lie in (0, 1] (a logged action had a positive probability), "
            f"got {bad!r}; check that you passed the logging policy's probabilities"
        )
    if ((pi < 0) | (pi > 1)).any():
        raise ValueError(f"target_probs must lie in [0, 1], got {pi[(pi < 0) | (pi > 1)][0]!r}")
    return pi / mu


def ips(rewards: Any, propensities: Any, target_probs: Any) -> float:
    """Inverse propensity scoring: ``mean_i w_i r_i`` (unbiased, high variance)."""
    r = _vector("rewards", rewards, None)
    w = importance_weights(_vector("propensities", propensities, r.size), target_probs)
    return float(np.mean(w * r))


def snips(rewards: Any, propensities: Any, target_probs: Any) -> float:
    """Self-normalised IPS: ``sum_i w_i r_i / sum_i w_i`` (slightly biased, far less variance).

    Returns NaN when every weight is 0 (the target never agrees with the log).
    """
    r = _vector("rewards", rewards, None)
    w = importance_weights(_vector("propensities", propensities, r.size), target_probs)
    total = w.sum()
    return float(np.sum(w * r) / total) if total > 0 else float("nan")


def doubly_robust(
    rewards: Any, propensities: Any, target_probs: Any, reward_pred: Any, target_reward_pred: Any
) -> float:
    """Doubly robust: ``mean_i [ sum_a pi(a|x_i) rhat(x_i, a) + w_i (r_i - rhat(x_i, a_i)) ]``.

    A reward model's estimate of the target's value, corrected by IPS on its errors: unbiased
    if either the propensities or the reward model are right.

    Args:
        rewards: ``(n,)`` logged rewards.
        propensities: ``(n,)`` logging probabilities of the logged actions, in (0, 1].
        target_probs: ``(n,)`` target probabilities of the logged actions.
        reward_pred: ``(n,)`` model's predicted reward of the logged action, ``rhat(x_i, a_i)``.
        target_reward_pred: ``(n,)`` model's value of the target, ``sum_a pi(a|x_i) rhat(x_i, a)``.
    """
    r = _vector("rewards", rewards, None)
    w = importance_weights(_vector("propensities", propensities, r.size), target_probs)
    rhat = _vector("reward_pred", reward_pred, r.size)
    direct = _vector("target_reward_pred", target_reward_pred, r.size)
    return float(np.mean(direct + w * (r - rhat)))


def effective_sample_size(weights: Any) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``: how many logs really count."""
    w = np.asarray(weights, dtype=np.float64)
    sq = float(np.sum(w**2))
    return float(np.sum(w) ** 2 / sq) if sq > 0 else 0.0
