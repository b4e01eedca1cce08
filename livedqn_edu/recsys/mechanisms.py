"""How much each mechanism weighs: the terms of the utility of the rooms a policy shows.

The utility of showing a room is a sum of named terms (:data:`~livedqn_edu.envs.response.
UTILITY_TERMS`: base, taste, quality, audience, follow, familiarity, fatigue).
:func:`utility_contributions` runs policies on a population and averages each term over the
rooms they actually show, so the data card can say which mechanism decides what a viewer does,
and no single knob (fatigue, say) silently dominates the world.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import VALIDATION, Population
from livedqn_edu.envs.response import UTILITY_TERMS
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.evaluation import evaluate_policies, paired_table

__all__ = ["MARGIN_TARGET", "followed_first_margins", "utility_contributions"]

MARGIN_TARGET = 0.20
"""Followed-first must beat random and most-viewers by at least this much return per viewer-week
(repeat consumption is the strongest signal on live platforms, Rappaz et al. 2021)."""


class _TermSums:
    """Observer that sums each utility term over the rooms shown to active viewers."""

    def __init__(self) -> None:
        self.sums = dict.fromkeys(UTILITY_TERMS, 0.0)
        self.abs_sums = dict.fromkeys(UTILITY_TERMS, 0.0)
        self.count = 0

    def __call__(self, world: World, actions: np.ndarray) -> None:
        active = ~world.done
        if not active.any():
            return
        rows = np.flatnonzero(active)
        room = world.room_ids[rows, actions[rows]]
        shown = np.full(world.n, -1, dtype=np.int64)
        shown[rows] = room
        terms = world.utility_terms(shown[:, None])
        for name, x in terms.items():
            values = x[rows, 0]
            self.sums[name] += float(values.sum())
            self.abs_sums[name] += float(np.abs(values).sum())
        self.count += rows.size


def utility_contributions(
    policies: Mapping[str, Any],
    n_viewers: int = 500,
    days: int = 7,
    population: Population = VALIDATION,
    n_seeds: int = 1,
    config: WorldConfig | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean of each utility term over the rooms each policy shows, and the per-viewer metrics.

    Args:
        policies: name -> policy (oracles are attached to the world by the evaluation).
        n_viewers: viewers per seed.
        days: horizon in days.
        population: where the viewers come from (design on validation, report on test).
        n_seeds: how many of the population's seeds to run.
        config: the world's knobs (default ``WorldConfig()``), on the population's rooms.

    Returns:
        ``(terms, per_viewer)``: one row per (policy, term) with ``mean`` (average contribution
        to the utility, utility units), ``mean_abs`` (average size), ``share`` (its share of the
        summed sizes of the terms other than ``base``) and ``impressions``; and the per-viewer
        table of :func:`~livedqn_edu.recsys.evaluation.evaluate_policies` of the same runs.
    """
    rows, frames = [], []
    for name, policy in policies.items():
        sums = _TermSums()
        frames.append(evaluate_policies(
            {name: policy}, n_viewers, days, seeds=population.seeds[:n_seeds], config=config,
            population=population, observer=sums, per_viewer=True,
        ))  # fmt: skip
        total = sum(v for k, v in sums.abs_sums.items() if k != "base") or 1.0
        for term in UTILITY_TERMS:
            rows.append({
                "policy": name, "term": term, "mean": sums.sums[term] / sums.count,
                "mean_abs": sums.abs_sums[term] / sums.count,
                "share": np.nan if term == "base" else sums.abs_sums[term] / total,
                "impressions": sums.count,
            })  # fmt: skip
    return pd.DataFrame(rows), pd.concat(frames, ignore_index=True)


def followed_first_margins(per_viewer: pd.DataFrame, metric: str = "return") -> pd.DataFrame:
    """Followed-first against random and most-viewers, paired on the same viewers.

    Args:
        per_viewer: per-viewer table with the policies ``followed_first``, ``random`` and
            ``most_viewers`` (e.g. from :func:`utility_contributions`).
        metric: the per-viewer metric compared.

    Returns:
        One row per baseline: the columns of
        :func:`~livedqn_edu.recsys.evaluation.paired_difference` (``rel`` is followed-first's
        relative gain) and ``meets`` (``rel >= MARGIN_TARGET`` and ``low > 0``).
    """
    rows = {}
    for base in ("random", "most_viewers"):
        pair = per_viewer[per_viewer["policy"].isin(["followed_first", base])]
        row = paired_table(pair, base, metric).loc["followed_first"].to_dict()
        row["meets"] = bool(row["rel"] >= MARGIN_TARGET and row["low"] > 0)
        rows[base] = row
    return pd.DataFrame(rows).T
