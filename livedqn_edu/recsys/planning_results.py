"""Lesson 06's planning experiments, stored in ``data/results/`` so the lesson can show them fast.

- :func:`write_planner_study`: the planners tried against the myopic oracle. Stage
  ``"validation"`` compares every variant of :func:`planner_variants` on validation viewers (where
  the planner was chosen); stage ``"report"`` runs the chosen one (:data:`CHOSEN`) once on the
  test viewers and on the new catalogue. Rows go to ``data/results/planner_study.csv``.
- the sensitivity sweep (:func:`~livedqn_edu.recsys.sensitivity.write_sweep`).
- :func:`rollout_spread`: why planning by Monte-Carlo rollouts to the end of the week cannot work
  here: the noise of one paired rollout, per decision.

``python -m livedqn_edu.recsys.planning_results --study validation`` (or ``report``) and
``--sweep`` recompute them; every file written into ``data/`` is recorded in its manifest.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import NEW_CATALOGUE, TEST, VALIDATION, Population
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.evaluation import evaluate_policies
from livedqn_edu.recsys.oracles import MyopicOracle
from livedqn_edu.recsys.planner import ValuePlanner, WorldValues, world_values
from livedqn_edu.recsys.policies import masked_argmax
from livedqn_edu.recsys.sensitivity import (
    planner_study,
    planning_gap,
    read_shipped_result,
    shipped_sweep,
    value_planner_for,
    write_sweep,
)

__all__ = [
    "CHOSEN",
    "long_term_terms",
    "rerun_sweep_rows",
    "STUDY",
    "planner_variants",
    "rollout_spread",
    "shipped_planner_study",
    "write_planner_study",
]

STUDY: dict[str, Any] = {"n_viewers": 5_000, "n_seeds": 2, "value_viewers": 4_000}
"""Protocol of the shipped planner study: viewers per seed and seeds of each population, and the
training viewers on which the planner's values are measured."""

CHOSEN = "value_planner"
"""The variant reported on test and the new catalogue (chosen on validation)."""

_FILE = "results/planner_study.csv"


def planner_variants(values: WorldValues) -> dict[str, ValuePlanner]:
    """The planners compared on validation, all with the world's values ``values``."""
    return {
        "value_planner": ValuePlanner(values),
        "value_planner_x4": ValuePlanner(values, scale=4.0),
        "follow_only": ValuePlanner(values, ("follow",)),
        "engagement_only": ValuePlanner(values, ("engagement",)),
        "fatigue_only": ValuePlanner(values, ("fatigue",)),
        "session_only": ValuePlanner(values, ("session",)),
        "session_and_values": ValuePlanner(values, ("follow", "engagement", "fatigue", "session")),
    }


def _stage(stage: str, protocol: dict[str, Any]) -> pd.DataFrame:
    def run(population: Population, planners: dict[str, Any], values: WorldValues) -> pd.DataFrame:
        table = planner_study(planners, population=population, n_viewers=protocol["n_viewers"],
                              n_seeds=protocol["n_seeds"])  # fmt: skip
        return table.assign(
            value_follow=values.follow, value_engagement=values.engagement,
            value_fatigue=values.fatigue, stage=stage,
        )  # fmt: skip

    if stage == "validation":
        values = world_values(n_viewers=protocol["value_viewers"], session=True)
        return run(VALIDATION, planner_variants(values), values)
    if stage == "report":
        frames = []
        for population in (TEST, NEW_CATALOGUE):
            values = world_values(population.config(), n_viewers=protocol["value_viewers"])
            frames.append(run(population, {CHOSEN: ValuePlanner(values)}, values))
        return pd.concat(frames, ignore_index=True)
    raise ValueError(f"stage must be 'validation' or 'report', got {stage!r}")


def write_planner_study(
    stage: str, out_dir: Path | str | None = None, protocol: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Run one stage of the planner study and store its rows (replacing that stage's rows).

    Args:
        stage: ``"validation"`` (every variant) or ``"report"`` (:data:`CHOSEN` on test and the
            new catalogue).
        out_dir: folder to write to (default ``data/``; its ``MANIFEST.json`` is updated).
        protocol: sizes (default :data:`STUDY`); a non-default protocol needs ``out_dir``.
    """
    from livedqn_edu.manifest import data_dir, record

    if protocol is not None and protocol != STUDY and out_dir is None:
        raise ValueError("a non-default protocol never overwrites the shipped study: give out_dir")
    protocol = protocol or STUDY
    out = Path(out_dir) if out_dir is not None else data_dir()
    rows = _stage(stage, protocol)
    path = out / _FILE
    if path.is_file():
        old = pd.read_csv(path)
        rows = pd.concat([old[old["stage"] != stage], rows], ignore_index=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(path, index=False, float_format="%.6g")
    record(path, root=out, command="python -m livedqn_edu.recsys.planning_results --study "
           "validation, then --study report", **protocol)  # fmt: skip
    return rows


def shipped_planner_study() -> pd.DataFrame:
    """The shipped planner study (``data/results/planner_study.csv``), checked first."""
    return read_shipped_result(
        _FILE,
        "python -m livedqn_edu.recsys.planning_results --study validation (then --study report)",
    )


def rerun_sweep_rows(
    rows: Sequence[tuple[str, float]],
    n_viewers: int = 1_000,
    n_seeds: int = 2,
    value_viewers: int = 2_000,
    population: Population = VALIDATION,
) -> pd.DataFrame:
    """Measure some rows of the shipped sweep again and compare.

    By default with a smaller protocol (fewer validation viewers, fewer training viewers for the
    planner's values: a wider interval); ``population`` may hold other validation seeds (e.g.
    ``dataclasses.replace(VALIDATION, seeds=VALIDATION.seeds[2:])``) to check a row on fresh
    viewers. ``z`` is the difference of the two gaps in units of its standard error (both
    intervals' half-widths / 1.96, combined as if independent).

    Returns:
        One row per ``(knob, value)``: ``stored`` and ``rerun`` relative gaps with the rerun's
        interval (``rerun_low``, ``rerun_high``), ``z`` and ``agrees`` (``|z| < 3``).
    """
    stored = shipped_sweep()
    out = []
    for knob, value in rows:
        hit = stored[(stored["knob"] == knob) & np.isclose(stored["value"], value)]
        if hit.empty:
            raise ValueError(f"the shipped sweep has no row {knob} = {value}")
        old = hit.iloc[0]
        config = dataclasses.replace(WorldConfig(), **{knob: value})
        plan = lambda c=config: value_planner_for(c, value_viewers)  # noqa: E731
        new = planning_gap(config, population, n_viewers, n_seeds, planner=plan)
        se = np.hypot(old["gap_high"] - old["gap_low"], new["gap_high"] - new["gap_low"]) / 3.92
        z = float((new["gap"] - old["gap"]) / se)
        out.append({"knob": knob, "value": value, "stored": old["rel_gap"],
                    "rerun": new["rel_gap"], "rerun_low": new["rel_low"],
                    "rerun_high": new["rel_high"], "z": z, "agrees": abs(z) < 3})  # fmt: skip
    return pd.DataFrame(out)


def long_term_terms(
    planner: ValuePlanner | None = None,
    population: Population = VALIDATION,
    n_viewers: int = 500,
) -> dict[str, float]:
    """How much can the future change a decision? The planner's long-term terms, measured.

    The myopic oracle runs a week of ``n_viewers`` viewers; at every decision, the long-term
    part of the planner's score (its score minus the expected immediate reward) is compared
    between the myopic oracle's two best candidates.

    Returns:
        ``mean``, ``median`` and ``p90`` of the absolute difference of the two candidates'
        long-term terms (return units), ``immediate_median`` (median gap between their
        immediate rewards) and ``share_flips`` (share of decisions where the long-term
        difference exceeds the immediate gap: where the planner could choose differently).
    """
    plan = planner or ValuePlanner()
    world = World(population.config())
    obs = world.reset(n_viewers, seed=population.seeds[0])
    plan.attach(world)
    rows = np.arange(world.n)
    long_diff, immediate = [], []
    while not world.done.all():
        mask = obs["mask"]
        now = np.where(mask, world.expected_immediate_reward(), -np.inf)
        extra = np.where(mask, plan.scores(obs) - np.where(mask, now, 0.0), 0.0)
        best = np.argsort(-now, axis=1, kind="stable")[:, :2]
        ok = ~world.done & (mask.sum(axis=1) >= 2)
        first, second = best[ok, 0], best[ok, 1]
        long_diff.append(np.abs(extra[rows[ok], first] - extra[rows[ok], second]))
        immediate.append(now[rows[ok], first] - now[rows[ok], second])
        world.step(masked_argmax(now, mask))
        obs = world.observe()
    d, g = np.concatenate(long_diff), np.concatenate(immediate)
    return {
        "mean": float(d.mean()), "median": float(np.median(d)), "p90": float(np.quantile(d, 0.9)),
        "immediate_median": float(np.median(g)), "share_flips": float(np.mean(d > g)),
    }  # fmt: skip


def rollout_spread(
    config: WorldConfig | None = None,
    population: Population = VALIDATION,
    n_viewers: int = 50,
    n_rollouts: int = 40,
    at_steps: tuple[int, ...] = (3, 15, 30),
    resolution: float = 0.05,
    seed: int = 0,
) -> dict[str, float]:
    """How noisy is a rollout to the end of the week? Paired futures of two candidates.

    ``n_viewers`` viewers (the population's first seed) are run by the myopic oracle; at each of
    ``at_steps``, ``n_rollouts`` pairs of futures are simulated on forks of the world: one shows
    the myopic choice, the other the next-best candidate, then the myopic oracle runs both to
    the end of the week on the same random numbers (common random numbers). The value of a
    future is its expected return (the sum of the expected rewards of the rooms shown).

    Args:
        resolution: a difference between two candidates' futures worth telling apart, in
            return units per viewer-week.

    Returns:
        ``sd``: median over decisions of the standard deviation of one paired difference;
        ``rollouts_needed``: paired rollouts per candidate for a standard error of half of
        ``resolution`` (``(2 sd / resolution)^2``); ``week_return``: mean expected return of
        these viewers' week under the myopic oracle; ``decisions``; ``world_steps``.
    """
    cfg = population.config(config)
    world = World(cfg)
    world.reset(n_viewers, seed=population.seeds[0])
    rng = np.random.default_rng(seed)
    rows = np.arange(n_viewers)
    diffs, steps = [], 0
    for step in range(max(at_steps) + 1):
        r = world.expected_immediate_reward()
        if step in at_steps:
            order = np.argsort(-np.where(world.mask, r, -np.inf), axis=1, kind="stable")[:, :2]
            ok = ~world.done & (world.mask.sum(axis=1) >= 2)
            d = np.zeros((n_rollouts, n_viewers))
            for i in range(n_rollouts):
                s = int(rng.integers(2**62))
                values = []
                for j in (0, 1):
                    sim = world.fork(np.random.default_rng(s))
                    first, value = order[:, j], np.zeros(n_viewers)
                    while not sim.done.all():
                        now = sim.expected_immediate_reward()[rows, first]
                        value += np.where(~sim.done, now, 0.0)
                        sim.step(first)
                        steps += 1
                        first = masked_argmax(sim.expected_immediate_reward(), sim.mask)
                    values.append(value)
                d[i] = values[1] - values[0]
            diffs.append(d[:, ok])
        world.step(masked_argmax(r, world.mask))
    d = np.concatenate(diffs, axis=1)  # (rollouts, decisions)
    sd = float(np.median(d.std(axis=0, ddof=1)))
    week = evaluate_policies({"myopic": MyopicOracle()}, n_viewers, cfg.days,
                             seeds=population.seeds[:1], config=cfg, per_viewer=True)  # fmt: skip
    return {
        "sd": sd, "rollouts_needed": float((2.0 * sd / resolution) ** 2),
        "week_return": float(week["expected_return"].mean()), "decisions": float(d.shape[1]),
        "world_steps": float(steps),
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m livedqn_edu.recsys.planning_results (--study STAGE | --sweep) [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", choices=("validation", "report"), help="planner study stage")
    parser.add_argument("--sweep", action="store_true", help="the sensitivity sweep")
    parser.add_argument("--out", default=None, help="folder to write to (default data/)")
    args = parser.parse_args(argv)
    if bool(args.study) == args.sweep:
        parser.error("choose one of --study STAGE and --sweep")
    if args.study:
        table = write_planner_study(args.study, args.out)
        cols = ["population", "variant", "myopic", "planner", "rel_gap", "rel_low", "rel_high"]
        print(table[[*cols, "seconds"]].to_string(index=False))
    else:
        table = write_sweep(args.out)
        print(table[["knob", "value", "myopic", "planner", "rel_gap", "rel_low", "rel_high"]])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
