"""Where planning pays: the myopic oracle against a planner, across the knobs of long-term effects.

A recommendation today can change what the viewer is worth tomorrow through a few mechanisms of
the world: a room shown and ignored tires the viewer for a while (impression fatigue: its
weight and half-life), a long watch may earn a follow that raises the room's appeal for good
(follow propensity), and a satisfying session brings the viewer back sooner (retention
sensitivity). The myopic oracle knows the world exactly but looks one step ahead; a planner
(:class:`~livedqn_edu.recsys.planner.ValuePlanner`, with the world's long-term values, or the
Monte-Carlo :class:`~livedqn_edu.recsys.oracles.LookaheadOracle`) also counts the future.

- :func:`planning_gap` measures a planner against the myopic oracle on the same viewers (paired,
  common random numbers);
- :func:`planner_study` compares several planners at once (the variants lesson 06 reports);
- :func:`sensitivity_sweep` repeats the gap while one knob moves, with the planner's values
  re-measured in each world, and returns a tidy table (one row per knob value);
- :func:`write_sweep` stores the full sweep in ``data/results/sensitivity.csv`` (checksum in
  ``data/MANIFEST.json``), :func:`shipped_sweep` loads it; ``python -m
  livedqn_edu.recsys.planning_results --sweep`` recomputes it (about 20 minutes on 2 cores).

Every row reports the planner's wall time.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import VALIDATION, Population
from livedqn_edu.recsys.evaluation import evaluate_policies, paired_table
from livedqn_edu.recsys.oracles import MyopicOracle
from livedqn_edu.recsys.planner import ValuePlanner, value_of_a_change, world_values

__all__ = [
    "KNOBS",
    "SWEEP",
    "planner_study",
    "planning_gap",
    "read_shipped_result",
    "sensitivity_sweep",
    "shipped_sweep",
    "value_of_a_change",
    "value_planner_for",
    "write_sweep",
]

KNOBS: dict[str, tuple[float, ...]] = {
    "fatigue_weight": (0.0, 0.5, 2.0, 8.0),
    "fatigue_half_life_minutes": (60.0, 1_440.0, 10_080.0),
    "follow_hazard": (0.0, 0.03, 0.3, 3.0),
    "return_sensitivity": (0.0, 1.0, 4.0, 16.0),
}
"""The knobs that create long-term effects, and the values the sweep tries (the default world's
value among them; the last value of three knobs lies far beyond what the sources support, to
show where planning would start to pay)."""

SWEEP: dict[str, Any] = {"n_viewers": 2_500, "n_seeds": 2, "value_viewers": 4_000}
"""The shipped sweep's protocol: validation viewers per seed and seeds (paired evaluation), and
training viewers used to measure the planner's values in each world."""

_EXTRA = ("return", "sessions", "return_visits", "follows", "churned")
_FILE = "results/sensitivity.csv"


def value_planner_for(config: WorldConfig | None, value_viewers: int = 4_000) -> ValuePlanner:
    """A :class:`ValuePlanner` with the values of the world ``config`` (measured on training
    viewers, :func:`~livedqn_edu.recsys.planner.world_values`)."""
    return ValuePlanner(world_values(config, n_viewers=value_viewers))


def _gaps(per_viewer: pd.DataFrame, name: str, metric: str) -> dict[str, float]:
    main = paired_table(per_viewer, "myopic_oracle", metric).loc[name]
    row = {
        "myopic": main["mean_b"], "planner": main["mean_a"], "gap": main["diff"],
        "gap_low": main["low"], "gap_high": main["high"], "rel_gap": main["rel"],
        "rel_low": main["rel_low"], "rel_high": main["rel_high"], "n": main["n"],
    }  # fmt: skip
    for extra in _EXTRA:
        row[f"{extra}_gap"] = paired_table(per_viewer, "myopic_oracle", extra).loc[name, "diff"]
    return {k: float(v) for k, v in row.items()}


def planner_study(
    planners: Mapping[str, Any],
    config: WorldConfig | None = None,
    population: Population = VALIDATION,
    n_viewers: int = 5_000,
    n_seeds: int = 2,
    days: int = 7,
    metric: str = "expected_return",
) -> pd.DataFrame:
    """Several planners against the myopic oracle, all on the same viewers.

    Args:
        planners: name -> planner (oracles are attached to the world by the evaluation).
        config: the world (default ``WorldConfig()``), on the population's rooms.
        population: validation while choosing; test and the new catalogue to report.
        n_viewers: viewers per seed; n_seeds: seeds of the population.
        days: horizon in days.
        metric: ``"expected_return"`` (the same mean as the return, less noise) or ``"return"``.

    Returns:
        One row per planner: ``variant`` (its name), ``population``, the columns of
        :func:`planning_gap` (without the cost columns) and ``seconds`` (the planner's wall time
        spent choosing, when it reports one).
    """
    policies = {"myopic_oracle": MyopicOracle(), **planners}
    per_viewer = evaluate_policies(
        policies, n_viewers, days, seeds=population.seeds[:n_seeds], config=config,
        population=population, per_viewer=True,
    )  # fmt: skip
    rows = []
    for name, plan in planners.items():
        rows.append({"variant": name, "population": population.name,
                     **_gaps(per_viewer, name, metric),
                     "seconds": getattr(plan, "seconds", float("nan"))})  # fmt: skip
    return pd.DataFrame(rows)


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
        planner: builds the planner (default a :class:`ValuePlanner` with the values of
            ``config``, measured on training viewers).
        metric: the per-viewer value compared: ``"expected_return"`` (the same mean as the
            return, less noise) or ``"return"``.

    Returns:
        ``myopic``, ``planner``, ``gap``, ``gap_low``, ``gap_high`` (95% interval),
        ``rel_gap``, ``rel_low``, ``rel_high``, the gaps of ``return``, ``sessions``,
        ``return_visits``, ``follows`` and ``churned`` (``<name>_gap``), ``planner_seconds``,
        ``planner_world_steps`` and ``n`` (viewer-weeks).
    """
    start = time.perf_counter()
    plan = planner() if planner is not None else value_planner_for(config)
    setup = time.perf_counter() - start
    policies = {"myopic_oracle": MyopicOracle(), "planner": plan}
    start = time.perf_counter()
    per_viewer = evaluate_policies(
        policies, n_viewers, days, seeds=population.seeds[:n_seeds], config=config,
        population=population, per_viewer=True,
    )  # fmt: skip
    row = _gaps(per_viewer, "planner", metric)
    row["planner_seconds"] = float(getattr(plan, "seconds", time.perf_counter() - start) + setup)
    row["planner_world_steps"] = float(getattr(plan, "world_steps", float("nan")))
    return row


def sensitivity_sweep(
    knobs: Mapping[str, Sequence[float]] | None = None,
    base: WorldConfig | None = None,
    progress: bool = False,
    planner_for: Callable[[WorldConfig], Callable[[], Any]] | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """:func:`planning_gap` for each value of each knob, the others at ``base``.

    Each distinct world is measured once (the default world's row is repeated for every knob).

    Args:
        knobs: ``WorldConfig`` field -> values (default :data:`KNOBS`).
        base: the world the knobs move away from (default ``WorldConfig()``).
        progress: print each row as it is measured.
        planner_for: world -> planner factory (default: a :class:`ValuePlanner` with that
            world's values, :func:`value_planner_for`); a ``planner`` in ``kwargs`` is used for
            every world instead.
        **kwargs: passed to :func:`planning_gap` (population, n_viewers, n_seeds, days...).

    Returns:
        A tidy table: one row per (knob, value) with the columns of :func:`planning_gap`,
        ``knob``, ``value``, ``default`` (the base world's value) and ``seconds`` (wall time of
        the row's measurement).
    """
    base = base or WorldConfig()
    rows, done = [], {}
    for knob, values in (knobs or KNOBS).items():
        for value in values:
            config = dataclasses.replace(base, **{knob: value})
            if config not in done:
                start = time.perf_counter()
                extra = {"planner": planner_for(config)} if planner_for is not None else {}
                done[config] = {**planning_gap(config, **kwargs, **extra),
                                "seconds": time.perf_counter() - start}  # fmt: skip
            gap = done[config]
            rows.append({"knob": knob, "value": float(value),
                         "default": float(getattr(base, knob)), **gap})  # fmt: skip
            if progress:
                print(
                    f"{knob} = {value:g}: gap {gap['rel_gap']:+.2%} "
                    f"[{gap['rel_low']:+.2%}, {gap['rel_high']:+.2%}], {gap['seconds']:.0f} s",
                    flush=True,
                )
    return pd.DataFrame(rows)


def write_sweep(out_dir: Path | str | None = None, quick: bool = False) -> pd.DataFrame:
    """Run the full sweep with the shipped protocol (:data:`SWEEP`) and store it.

    Writes ``results/sensitivity.csv`` under ``out_dir`` (default ``data/``) and records it in
    that folder's ``MANIFEST.json``. ``quick`` runs a tiny version (for tests) and never writes
    into ``data/``.
    """
    from livedqn_edu.manifest import data_dir, record

    if quick and out_dir is None:
        raise ValueError("a quick sweep is not the shipped protocol: give out_dir")
    out = Path(out_dir) if out_dir is not None else data_dir()
    protocol = {"n_viewers": 40, "n_seeds": 1, "value_viewers": 60} if quick else SWEEP
    knobs = {"follow_hazard": (0.03, 0.3)} if quick else KNOBS
    base = WorldConfig(days=2) if quick else WorldConfig()
    table = sensitivity_sweep(
        knobs, base, progress=not quick,
        planner_for=lambda c: lambda: value_planner_for(c, protocol["value_viewers"]),
        population=VALIDATION, n_viewers=protocol["n_viewers"], n_seeds=protocol["n_seeds"],
        days=base.days,
    )  # fmt: skip
    path = out / _FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, float_format="%.6g")
    record(path, root=out, command="python -m livedqn_edu.recsys.planning_results --sweep",
           population=VALIDATION.name, **protocol)  # fmt: skip
    return table


def read_shipped_result(file: str, command: str) -> pd.DataFrame:
    """A result table shipped in ``data/`` (``file`` relative to it), checked against the manifest.

    Raises:
        FileNotFoundError: the file is missing; the message gives ``command`` to compute it.
    """
    from livedqn_edu.manifest import data_dir, verify_file

    path = data_dir() / file
    if not path.is_file():
        raise FileNotFoundError(f"no shipped {file} at {path}; compute it: {command}")
    verify_file(path)
    return pd.read_csv(path)


def shipped_sweep() -> pd.DataFrame:
    """The shipped sweep (``data/results/sensitivity.csv``), checked against the manifest."""
    return read_shipped_result(_FILE, "python -m livedqn_edu.recsys.planning_results --sweep")
