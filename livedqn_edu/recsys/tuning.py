"""Choosing the baselines' few settings on validation viewers, by a simple reproducible search.

A heuristic with free coefficients is only a fair baseline once its coefficients are tuned as
carefully as the learned model's hyperparameters, and on the same footing: on VALIDATION viewers
(:data:`~livedqn_edu.envs.populations.VALIDATION`), never on the test viewers that report the
result. The objective is the mean *expected* return per viewer-week
(:data:`~livedqn_edu.envs.vector_eval.METRICS`: the same mean as the return, without the noise of
watch lengths and gifts), every candidate setting run on the same viewers with the same random
numbers, so that the differences between settings are not drowned by the viewers' spread.

- :func:`coordinate_search`: a deterministic pattern search, one coordinate at a time (try
  ``+- step`` and ``+- 2 step``; keep the best move; halve the steps after a pass without
  progress). Every point evaluated is kept in the trace.
- :func:`tune_visible_scorer`, :func:`tune_mmr_lambda` and :func:`tune_linucb_alpha` apply it (or
  a grid) to the baselines of :mod:`livedqn_edu.recsys.baselines` and
  :mod:`livedqn_edu.recsys.policies`.
- :func:`validation_value` is the objective.

``benchmarks/tune_baselines.py`` runs them all and writes the record
(``benchmarks/results/baselines_tuning.json``) from which
:data:`~livedqn_edu.recsys.baselines.TUNED` was copied.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from livedqn_edu.envs.populations import VALIDATION, Population
from livedqn_edu.recsys.baselines import START_WEIGHTS, MMRReranker, ScorerWeights, VisibleScorer
from livedqn_edu.recsys.evaluation import evaluate_policies

__all__ = [
    "coordinate_search",
    "validation_value",
    "tune_visible_scorer",
    "tune_mmr_lambda",
    "tune_linucb_alpha",
    "SCORER_STEPS",
]

SCORER_STEPS: dict[str, float] = {
    "log_past_minutes": 0.5,
    "log_audience": 0.25,
    "hours_live": 0.5,
    "recent_impressions": 0.5,
    "category_share": 0.5,
    "session_repeats": 0.1,
}
"""First step of each free coefficient (``followed`` stays 1: a score's scale does not matter)."""


def coordinate_search(
    objective: Callable[[dict[str, float]], float],
    start: Mapping[str, float],
    steps: Mapping[str, float],
    passes: int = 4,
    min_gain: float = 0.0,
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Maximise ``objective`` one coordinate at a time, deterministically.

    In each pass, for every coordinate of ``steps`` in turn, the points ``x_j +- step_j`` and
    ``x_j +- 2 step_j`` (the others fixed) are evaluated; the best replaces the current point if
    it gains more than ``min_gain``. A pass without any move halves every step. A point is
    never evaluated twice.

    Args:
        objective: value of a point (higher is better).
        start: the first point, ``{name: value}``; names not in ``steps`` stay fixed.
        steps: first step of each free coordinate, > 0.
        passes: number of passes over the coordinates, >= 1.
        min_gain: smallest gain that counts as progress, >= 0.

    Returns:
        The best point found and the trace: one dict per evaluated point, in order, with
        ``point``, ``value`` and ``pass``.

    Raises:
        ValueError: a step that is not positive, a step for an unknown coordinate, or bad
            ``passes`` / ``min_gain``.
    """
    if isinstance(passes, bool) or not isinstance(passes, int) or passes < 1:
        raise ValueError(f"passes must be an int >= 1, got {passes!r}")
    if not min_gain >= 0:
        raise ValueError(f"min_gain must be >= 0, got {min_gain!r}")
    unknown = sorted(set(steps) - set(start))
    if unknown:
        raise ValueError(f"steps names coordinates that start does not have: {unknown}")
    if not all(s > 0 for s in steps.values()):
        raise ValueError(f"every step must be > 0, got {dict(steps)}")
    step = {k: float(v) for k, v in steps.items()}
    seen: dict[tuple[float, ...], float] = {}
    trace: list[dict[str, Any]] = []
    names = list(start)

    def value(point: dict[str, float], pass_no: int) -> float:
        key = tuple(round(point[k], 10) for k in names)
        if key not in seen:
            seen[key] = float(objective(dict(point)))
            trace.append({"point": dict(point), "value": seen[key], "pass": pass_no})
        return seen[key]

    best = {k: float(v) for k, v in start.items()}
    best_value = value(best, 0)
    for pass_no in range(1, passes + 1):
        moved = False
        for name in step:
            trials = [best[name] + m * step[name] for m in (-2, -1, 1, 2)]
            scored = [(value({**best, name: round(x, 10)}, pass_no), x) for x in trials]
            top_value, top_x = max(scored, key=lambda s: s[0])
            if top_value > best_value + min_gain:
                best, best_value, moved = {**best, name: round(top_x, 10)}, top_value, True
        if not moved:
            step = {k: v / 2 for k, v in step.items()}
    return best, trace


def validation_value(
    policy: Any,
    n_viewers: int = 1_000,
    seeds: Sequence[int] = VALIDATION.seeds[:1],
    population: Population = VALIDATION,
    metric: str = "expected_return",
) -> float:
    """Mean ``metric`` per viewer-week of ``policy`` on ``n_viewers`` viewers of each seed.

    Args:
        policy: a policy (reset before each seed; an online learner learns during the run).
        n_viewers: viewers per seed, >= 2.
        seeds: viewer seeds of ``population`` (default the first validation seed).
        population: where the viewers come from; tuning uses :data:`VALIDATION` only.
        metric: a column of :data:`~livedqn_edu.envs.vector_eval.METRICS`.
    """
    if not set(seeds) <= set(population.seeds):
        raise ValueError(
            f"seeds {list(seeds)} are not viewer seeds of the {population.name!r} population "
            f"{list(population.seeds)}: tune on validation viewers only"
        )
    table = evaluate_policies({"p": policy}, n_viewers, 7, tuple(seeds), population=population)
    return float(table.set_index("metric").loc[metric, "mean"])


def tune_visible_scorer(
    n_viewers: int = 1_000,
    seeds: Sequence[int] = VALIDATION.seeds[:1],
    start: ScorerWeights = START_WEIGHTS,
    steps: Mapping[str, float] | None = None,
    passes: int = 8,
) -> tuple[ScorerWeights, list[dict[str, Any]]]:
    """Coordinate search of :class:`~livedqn_edu.recsys.baselines.VisibleScorer`'s weights.

    Returns:
        The chosen :class:`~livedqn_edu.recsys.baselines.ScorerWeights` and the search trace.
    """

    def objective(point: dict[str, float]) -> float:
        return validation_value(VisibleScorer(ScorerWeights(**point)), n_viewers, seeds)

    best, trace = coordinate_search(objective, start.as_dict(), steps or SCORER_STEPS, passes)
    return ScorerWeights(**best), trace


def tune_mmr_lambda(
    weights: ScorerWeights,
    lams: Sequence[float] = (0.98, 0.95, 0.9, 0.8, 0.7, 0.5),
    n_viewers: int = 1_000,
    seeds: Sequence[int] = VALIDATION.seeds[:1],
) -> tuple[float, dict[float, float]]:
    """The re-ranker's ``lam`` of largest validation value over a grid (ties: the first).

    The grid holds only values below 1 (``lam = 1`` is the scorer itself, not a re-ranker);
    compare the result with the scorer's own value on the same viewers.

    Returns:
        The chosen ``lam`` and ``{lam: validation value}``.
    """
    if not all(0.0 <= lam < 1.0 for lam in lams):
        raise ValueError(f"lams must lie in [0, 1): lam = 1 is the scorer itself; got {lams}")
    values = {
        float(lam): validation_value(MMRReranker(lam, weights), n_viewers, seeds) for lam in lams
    }
    return max(values, key=values.__getitem__), values


def tune_linucb_alpha(
    make: Callable[[float], Any],
    alphas: Sequence[float] = (0.0, 0.1, 0.3, 1.0),
    n_viewers: int = 1_000,
    seeds: Sequence[int] = VALIDATION.seeds[:1],
) -> tuple[float, dict[float, float]]:
    """LinUCB's exploration width ``alpha`` of largest validation value over a grid.

    Args:
        make: ``alpha -> policy`` (e.g. a fitted or a fresh :class:`LinUCB`).

    Returns:
        The chosen ``alpha`` and ``{alpha: validation value}``.
    """
    values = {float(a): validation_value(make(float(a)), n_viewers, seeds) for a in alphas}
    return max(values, key=values.__getitem__), values


def weights_from(record: Mapping[str, Any]) -> ScorerWeights:
    """The :class:`ScorerWeights` of a record's ``{name: value}`` (unknown names are an error)."""
    known = {f.name for f in dataclasses.fields(ScorerWeights)}
    bad = sorted(set(record) - known)
    if bad:
        raise ValueError(f"unknown scorer weights {bad}; known: {sorted(known)}")
    return ScorerWeights(**{k: float(v) for k, v in record.items()})
