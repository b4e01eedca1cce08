"""The world's mechanisms: what each does, what it is calibrated to, and how much it weighs.

- :func:`mechanism_table` lists every mechanism of the world with its knobs, side by side: what
  is *calibrated* to a published figure (source, figure, tolerance) and what is a *teaching
  assumption*; the numbers in it are read from the world's configuration, and ``data/README.md``
  holds the same table (``tests/test_mechanisms.py`` checks they agree).
- :func:`utility_contributions` runs policies on a population and averages each term of the
  utility (:data:`~livedqn_edu.envs.response.UTILITY_TERMS`: base, taste, quality, audience,
  follow, familiarity, fatigue) over the rooms they actually show, so the data card can say which
  mechanism decides what a viewer does, and no single knob (fatigue, say) silently dominates.
- :func:`followed_first_margins`: repeat consumption pays (followed-first against random and
  most-viewers, paired).
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

__all__ = [
    "MARGIN_TARGET",
    "followed_first_margins",
    "mechanism_markdown",
    "mechanism_table",
    "utility_contributions",
]


def mechanism_table(config: WorldConfig | None = None) -> pd.DataFrame:
    """Every mechanism of the world: what it does, its knobs, what is calibrated, what is assumed.

    Args:
        config: the world whose numbers are shown (default ``WorldConfig()``, the calibrated one).

    Returns:
        Columns ``mechanism``, ``what the world does``, ``knobs``, ``calibrated to`` (source,
        figure and tolerance; empty when nothing is) and ``teaching assumption``.
    """
    c = config or WorldConfig()
    rows = [
        ("live availability and schedules",
         f"a room streams on about {c.live_days_per_week:g} days a week, "
         f"{c.mean_stream_hours:g}-hour streams, {c.evening_share:.0%} of them starting in the "
         f"evening, x{c.weekend_uplift:g} at weekends; {c.always_live_share:.1%} of rooms live "
         "around the clock; only live rooms can be shown",
         "live_days_per_week, mean_stream_hours, evening_share, weekend_uplift, always_live_share",
         "1-5% of the catalogue live at once (Twitch, Feb 2020: 1.5%); streams 2.5-4.5 h "
         "(Statista, Twitch 2023-24); 40-90% of starts at 18-22 h (KuaiLive)",
         "how often each room streams (spread across rooms)"),
        ("candidates",
         f"up to {c.followed_slots} followed live rooms (most watched first), the "
         f"{c.popular_slots} most-watched live rooms, then other live rooms in a random order; "
         f"{c.k} slots; no room twice in a session",
         "k, followed_slots, popular_slots", "",
         "a platform's design (like Twitch's followed-channels and recommended rows)"),
        ("choice (multinomial logit)",
         f"enter the shown room, keep browsing (utility {c.browse_utility:g}) or close the app "
         f"({c.close_utility:g}); the room's utility is {c.base_click_utility:g} plus the terms "
         "below",
         "base_click_utility, browse_utility, close_utility",
         "0.10-0.30 entries per impression (KuaiLive: 0.28 for heavy users)", ""),
        ("taste, quality, audience",
         f"+ {c.taste_weight:g} x taste-content match + {c.quality_weight:g} x quality "
         f"+ {c.audience_weight:g} x log audience (power-law audiences, tail index "
         f"{c.popularity_exponent:g})",
         "taste_weight, quality_weight, audience_weight, popularity_exponent", "",
         "the weights and the exponent (power-law audiences: Douyu/Huya, no published exponent)"),
        ("repeat consumption: follows and familiarity",
         f"+ {c.follow_weight:g} for a followed room, + {c.familiarity_weight:g} x "
         "log(1 + minutes watched before)",
         "follow_weight, familiarity_weight",
         "45-75% of entries into rooms watched before (KuaiLive 46.9%; Twitch: the majority, "
         "Rappaz et al. 2021)", "the split between the two terms"),
        ("watching: real watch or bounce",
         f"a real watch with probability sigmoid({c.stay_logit:g} + {c.stay_match_gain:g} x "
         f"match + ...), log-normal minutes (median {c.stay_median_minutes:g} min), else a "
         f"bounce of about {60 * c.bounce_median_minutes:.0f} s; cut where the stream ends",
         "stay_*, watch_*, bounce_*",
         "per entry: median 5 s-1 min, mean 5-30 min, P90/median 50-1,000 (KuaiLive: 4.9 s, "
         "8.6 min, 209); 85-100% of minutes from views over 5 min (Twitch blog: 91%)", ""),
        ("earned follows",
         f"a real watch earns a follow at {c.follow_hazard:g} per watch-hour x "
         f"exp({c.follow_match_gain:g} x match); the room then gets the follow bonus for good",
         "follow_hazard, follow_match_gain",
         "0.005-0.08 new follows per watch-hour (Twitch top-1000 channels, deciles)", ""),
        ("impression fatigue",
         f"a room shown and ignored loses {c.fatigue_weight:g} utility, recovering with a "
         f"half-life of {c.fatigue_half_life_minutes / 60:g} h (the exponential form of Lee et "
         "al., KDD 2014)",
         "fatigue_weight, fatigue_half_life_minutes", "",
         "both constants (no fitted values are published); a small term (the mechanism table)"),
        ("sessions",
         f"end when the viewer closes the app, runs out of patience (mean {c.mean_patience:g} "
         f"skips) or of time ({c.min_session_minutes:g} min + exponential, mean "
         f"{c.mean_session_minutes:g} min)",
         "mean_patience, mean_session_minutes, min_session_minutes, skip_minutes",
         "watch minutes per active viewer-day: median 5-30, mean 20-95 (KuaiLive, Twitch); "
         "2-10 entries per active day (KuaiLive)", "the session structure"),
        ("gifts",
         f"a gift with probability sigmoid({c.gift_logit:g} + propensity + ...); propensities "
         f"spread (sd {c.gift_propensity_sd:g}); value log-normal, median "
         f"{c.gift_median_coins:g} coins, sigma {c.gift_sigma:g}",
         "gift_*",
         "0.5-2% of entries with a gift (KuaiLive 1.48-1.57%); mean/median value 10-200 "
         "(KuaiLive 41)", "the spread of propensities"),
        ("retention",
         f"a session's satisfaction 1 - exp(-minutes / {c.satisfaction_minutes:g}) moves "
         f"engagement (weight {c.engagement_memory:g}); tomorrow's visit has log-odds "
         f"{c.return_logit:g} + activeness + {c.return_sensitivity:g} x (engagement - 0.5) + "
         f"{c.follow_return_gain:g} x log(1 + follows)",
         "return_*, engagement_memory, satisfaction_minutes, activeness_sd, follow_return_gain",
         "50-65% of viewers active on a day (Kuaishou DAU/MAU 0.57-0.58)",
         "that satisfaction brings viewers back (the mechanism Cai et al., WWW 2023, optimise) "
         "and its strength"),
        ("churn",
         f"after a session the viewer leaves for good with probability sigmoid("
         f"{c.churn_logit:g} - {c.churn_engagement_gain:g} x (engagement - 0.5))",
         "churn_logit, churn_engagement_gain", "",
         "0.5-5% of viewers a week (no published figure)"),
    ]  # fmt: skip
    columns = ["mechanism", "what the world does", "knobs", "calibrated to", "teaching assumption"]
    return pd.DataFrame(rows, columns=columns)


def mechanism_markdown(config: WorldConfig | None = None) -> str:
    """:func:`mechanism_table` as a markdown table (knobs in code font, "-" for nothing)."""
    table = mechanism_table(config)
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        knobs = ", ".join(f"`{k.strip()}`" for k in row.knobs.split(","))
        cells = [row.mechanism, row[1], knobs, row[3] or "-", row[4] or "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
