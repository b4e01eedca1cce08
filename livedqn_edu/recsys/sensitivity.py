"""Where planning pays: the myopic oracle against a planner, across the knobs of long-term effects.

A recommendation today can change what the viewer is worth tomorrow through a few mechanisms of
the world: a room shown and ignored tires the viewer for a while (impression fatigue: its
weight and half-life), a long watch may earn a follow that raises the room's appeal for good
(follow propensity), and a satisfying session brings the viewer back sooner (retention
sensitivity). The myopic oracle knows the world exactly but looks one step ahead; the planner
(:class:`~livedqn_edu.recsys.oracles.LookaheadOracle`) simulates futures on forks of the same
world. :func:`planning_gap` measures their difference on the same viewers (paired, common random
numbers); :func:`sensitivity_sweep` repeats it while one knob moves, and returns a tidy table
(one row per knob value) that lesson 06 plots.

Both are costly (the planner steps the world ``top * n_rollouts * depth`` times per real step);
every row reports the planner's wall time.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import VALIDATION, Population
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.evaluation import evaluate_policies, paired_table
from livedqn_edu.recsys.oracles import LookaheadOracle, MyopicOracle

__all__ = ["KNOBS", "planning_gap", "sensitivity_sweep", "value_of_a_change"]

KNOBS: dict[str, tuple[float, ...]] = {
    "fatigue_weight": (0.0, 0.5, 2.0),
    "fatigue_half_life_minutes": (60.0, 1_440.0, 10_080.0),
    "follow_hazard": (0.0, 0.03, 0.3),
    "return_sensitivity": (0.0, 1.0, 4.0),
}
"""The knobs that create long-term effects, and the values the sweep tries (the default world's
value in the middle)."""

_EXTRA = ("return", "sessions", "return_visits", "follows", "churned")


def planning_gap(
    config: WorldConfig | None = None,
    population: Population = VALIDATION,
    n_viewers: int = 300,
    n_seeds: int = 1,
    days: int = 7,
    planner: Callable[[], Any] | None = None,
    metric: str = "expected_return",
) -> dict[str, float]:
    """The planner's gain over the myopic oracle on the same viewers.

    Args:
        config: the world (default ``WorldConfig()``), on the population's rooms.
        population: whose viewers (validation while choosing anything; test to report).
        n_viewers: viewers per seed.
        n_seeds: seeds of the population.
        days: horizon in days.
        planner: builds the planner (default ``LookaheadOracle(depth=16, n_rollouts=4, top=3)``).
        metric: the per-viewer value compared: ``"expected_return"`` (the same mean as the
            return, less noise) or ``"return"``.

    Returns:
        ``myopic``, ``planner``, ``gap``, ``gap_low``, ``gap_high`` (95% interval),
        ``rel_gap``, ``rel_low``, ``rel_high``, the gaps of ``return``, ``sessions``,
        ``return_visits``, ``follows`` and ``churned`` (``<name>_gap``), ``planner_seconds``,
        ``planner_world_steps`` and ``n`` (viewer-weeks).
    """
    plan = (planner or (lambda: LookaheadOracle(depth=16, n_rollouts=4, top=3, seed=0)))()
    per_viewer = evaluate_policies(
        {"myopic_oracle": MyopicOracle(), "planner": plan}, n_viewers, days,
        seeds=population.seeds[:n_seeds], config=config, population=population, per_viewer=True,
    )  # fmt: skip
    main = paired_table(per_viewer, "myopic_oracle", metric).loc["planner"]
    row = {
        "myopic": main["mean_b"], "planner": main["mean_a"], "gap": main["diff"],
        "gap_low": main["low"], "gap_high": main["high"], "rel_gap": main["rel"],
        "rel_low": main["rel_low"], "rel_high": main["rel_high"], "n": main["n"],
    }  # fmt: skip
    for name in _EXTRA:
        row[f"{name}_gap"] = paired_table(per_viewer, "myopic_oracle", name).loc["planner", "diff"]
    row["planner_seconds"] = getattr(plan, "seconds", float("nan"))
    row["planner_world_steps"] = getattr(plan, "world_steps", float("nan"))
    return {k: float(v) for k, v in row.items()}


def sensitivity_sweep(
    knobs: Mapping[str, Sequence[float]] | None = None,
    base: WorldConfig | None = None,
    progress: bool = False,
    **kwargs: Any,
) -> pd.DataFrame:
    """:func:`planning_gap` for each value of each knob, the others at ``base``.

    Args:
        knobs: ``WorldConfig`` field -> values (default :data:`KNOBS`).
        base: the world the knobs move away from (default ``WorldConfig()``).
        progress: print each row as it is measured.
        **kwargs: passed to :func:`planning_gap` (population, n_viewers, n_seeds, planner...).

    Returns:
        A tidy table: one row per (knob, value) with the columns of :func:`planning_gap`,
        ``knob``, ``value``, ``default`` (the base world's value) and ``seconds`` (wall time of
        the row).
    """
    base = base or WorldConfig()
    rows = []
    for knob, values in (knobs or KNOBS).items():
        for value in values:
            start = time.perf_counter()
            gap = planning_gap(dataclasses.replace(base, **{knob: value}), **kwargs)
            row = {"knob": knob, "value": float(value), "default": float(getattr(base, knob)),
                   **gap, "seconds": time.perf_counter() - start}  # fmt: skip
            rows.append(row)
            if progress:
                print(
                    f"{knob} = {value:g}: gap {gap['rel_gap']:+.1%} "
                    f"[{gap['rel_low']:+.1%}, {gap['rel_high']:+.1%}], {row['seconds']:.0f} s"
                )
    return pd.DataFrame(rows)


def _give_follow(world: World) -> None:
    """Each viewer follows one more room: the unfollowed room that fits them best among the
    rooms that stream the most (as a long watch tonight might have earned)."""
    v, rooms = world.viewers, world.rooms
    eligible = rooms.live_hours >= np.quantile(rooms.live_hours, 0.8)
    score = np.where(v.followed[:, :-1] | ~eligible, -np.inf, v.match[:, :-1])
    best = score.argmax(axis=1)
    for i in np.flatnonzero(v.n_follows < v.follow_list.shape[1]):
        v.followed[i, best[i]] = True
        v.follow_list[i, v.n_follows[i]] = best[i]
        v.n_follows[i] += 1
    v.sort_follows(np.arange(v.n))


def _raise_engagement(world: World) -> None:
    """Each viewer's engagement as after a very satisfying session (+0.2, capped at 1)."""
    v = world.viewers
    v.engagement[:] = np.minimum(v.engagement + 0.2, 1.0)


_CHANGES: dict[str, Callable[[World], None]] = {
    "follow": _give_follow,
    "engagement": _raise_engagement,
}


def value_of_a_change(
    change: str,
    config: WorldConfig | None = None,
    population: Population = VALIDATION,
    n_viewers: int = 500,
    n_seeds: int = 1,
    days: int = 7,
    metric: str = "expected_return",
) -> dict[str, float]:
    """What a change to the viewer today is worth over the week, paired on the same viewers.

    ``"follow"``: one more followed room (a room that fits the viewer and streams often, as a
    long watch might earn); ``"engagement"``: engagement +0.2 (as after a very satisfying
    session). Both arms are run by the myopic oracle from the viewer's first visit, on the same
    viewers and random numbers: the difference is what the world carries from today into the
    rest of the week through that mechanism.

    Returns:
        The columns of :func:`~livedqn_edu.recsys.evaluation.paired_difference` (changed minus
        unchanged), for ``metric``.
    """
    if change not in _CHANGES:
        raise ValueError(f"change must be one of {sorted(_CHANGES)}, got {change!r}")
    apply = _CHANGES[change]

    def observer(world: World, actions: np.ndarray) -> None:
        if (world.viewers.session_steps == 0).all() and (world.viewers.sessions == 1).all():
            apply(world)  # before the very first recommendation

    seeds = population.seeds[:n_seeds]
    arms = {
        name: evaluate_policies(
            {name: MyopicOracle()},
            n_viewers,
            days,
            seeds=seeds,
            config=config,
            population=population,
            per_viewer=True,
            observer=obs,
        )  # fmt: skip
        for name, obs in (("unchanged", None), ("changed", observer))
    }
    both = pd.concat(arms.values(), ignore_index=True)
    return {k: float(v) for k, v in paired_table(both, "unchanged", metric).loc["changed"].items()}
