"""Plausibility of the live-room world: its statistics beside published figures and assumptions.

Each :class:`Target` names a statistic, the figure it is compared with, where that figure comes
from, and whether the range is *calibrated* (a figure measured on a real platform), an
*assumption* (no published figure: a teaching assumption, with the reasoning behind its range)
or a *rule* (true by construction). :func:`log_statistics` computes the statistics from
impression logs (the shipped logs, or any run of the world under a policy) and the rooms;
:func:`calibration_table` puts them side by side; ``livedqn-edu data --stats`` prints the table
and ``tests/test_calibration.py`` pins every range. The statistics describe the world under the
logging policy of :mod:`livedqn_edu.recsys.logging_policy` (an epsilon-mix of most-viewers and
followed-first), so the table also describes the shipped logs.

Sources (full list in ``data/README.md``): KuaiLive (Kuaishou live streaming, 21 days of 2025,
23,772 heavy users; figures from its paper and a third-party analysis of the full data); Twitch
(Rappaz, McAuley & Aberer, RecSys 2021; Twitch blog 2015; a Kaggle table of the top-1000
channels); Kuaishou's quarterly reports (DAU/MAU); Statista (stream lengths).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.rooms import MINUTES_PER_DAY, Rooms

__all__ = [
    "CALIBRATED",
    "Target",
    "TARGETS",
    "calibration_table",
    "knob_table",
    "log_statistics",
    "room_statistics",
    "table_markdown",
]

CALIBRATED: WorldConfig = WorldConfig()
"""The world the shipped logs come from and the calibration tests measure: the defaults of
:class:`~livedqn_edu.envs.config.WorldConfig`, so that the logs, the gymnasium env and the
training all simulate the same platform."""

KINDS = ("calibrated", "assumption", "rule")


@dataclass(frozen=True)
class Target:
    """A statistic of the simulator and the figure or assumption it is held to."""

    key: str
    """name of the statistic in :func:`log_statistics`' output."""
    label: str
    """what it measures, for the table."""
    figure: str
    """the published figure, or the reasoning of an assumed range, as text."""
    kind: str
    """"calibrated" (a real platform's figure), "assumption" (no published figure) or "rule"."""
    source: str
    """where the figure comes from (short citation), or "teaching assumption"."""
    low: float
    """smallest acceptable simulator value (inclusive)."""
    high: float
    """largest acceptable simulator value (inclusive)."""
    percent: bool = False
    """show the value as a percentage."""
    knobs: tuple[str, ...] = ()
    """the ``WorldConfig`` fields that move it most (what to change if it misses)."""

    def ok(self, value: float) -> bool:
        """True when ``value`` lies within ``[low, high]``."""
        return bool(self.low <= value <= self.high)

    def tolerance(self) -> str:
        """The accepted range as text."""
        scale, unit = (100.0, "%") if self.percent else (1.0, "")
        if self.low == self.high:
            return f"exactly {_number(scale * self.low)}{unit}"
        return f"{_number(scale * self.low)}{unit} – {_number(scale * self.high)}{unit}"


def _number(x: float) -> str:
    """Three significant digits, never in exponent notation (1000, 0.0833, 2.5)."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


_T = Target
TARGETS: tuple[Target, ...] = (
    _T("live_share", "recommended rooms that are live", "100%: only live rooms can be shown",
       "rule", "Rappaz et al., RecSys 2021", 1.0, 1.0, True),
    _T("catalogue_live_share", "share of the catalogue live at a moment (weekly mean)",
       "about 1.5% (56k of 3.8M broadcasters live)", "calibrated", "Twitch, Feb 2020",
       0.01, 0.05, True, ("live_days_per_week", "mean_stream_hours")),
    _T("stream_hours", "mean stream length (hours)", "2.7 h small channels; 3.75-4.3 h large",
       "calibrated", "Statista, Twitch 2023-24", 2.5, 4.5, False, ("mean_stream_hours",)),
    _T("evening_starts", "streams starting 18:00-22:00", "starts cluster 18-22 h",
       "calibrated", "KuaiLive (Qu et al. 2025)", 0.4, 0.9, True, ("evening_share",)),
    _T("entry_rate", "entries (clicks) per impression", "0.28 heavy users; 0.10 assumed for "
       "average users", "calibrated", "KuaiLive exposures", 0.10, 0.30, True,
       ("base_click_utility", "close_utility")),
    _T("watch_median", "minutes per entry, median", "4.9 s", "calibrated",
       "KuaiLive (third-party analysis)", 5 / 60, 1.0, False,
       ("stay_logit", "bounce_median_minutes")),
    _T("watch_mean", "minutes per entry, mean", "8.6 min (KuaiLive); 31 min chat presence "
       "(Twitch)", "calibrated", "KuaiLive; Twitch 100k", 5.0, 30.0, False,
       ("stay_median_minutes", "watch_sigma")),
    _T("watch_p90_over_median", "minutes per entry, P90 / median", "17.1 min / 4.9 s = 209",
       "calibrated", "KuaiLive (third-party analysis)", 50.0, 1000.0, False,
       ("stay_logit", "watch_sigma")),
    _T("long_view_share", "watch minutes from views longer than 5 min", "91%", "calibrated",
       "Twitch blog 2015", 0.85, 1.0, True, ("stay_median_minutes",)),
    _T("daily_minutes_median", "watch minutes per active viewer-day, median", "6.4 min",
       "calibrated", "KuaiLive (third-party analysis)", 5.0, 30.0, False,
       ("mean_session_minutes", "close_utility")),
    _T("daily_minutes_mean", "watch minutes per active viewer-day, mean",
       "74 (KuaiLive), 22 (Twitch 100k), 95 (Twitch DAU)", "calibrated",
       "KuaiLive; Twitch 100k; Twitch", 20.0, 95.0, False, ("mean_session_minutes",)),
    _T("entries_per_active_day", "room entries per active viewer-day", "8.6 (heavy users)",
       "calibrated", "KuaiLive", 2.0, 10.0, False, ("base_click_utility", "mean_patience")),
    _T("repeat_share", "entries into rooms watched before", "46.9% familiar targets; Twitch: "
       "the majority", "calibrated", "KuaiLive; Rappaz et al. 2021", 0.45, 0.75, True,
       ("follow_weight", "familiarity_weight", "followed_slots")),
    _T("follow_hazard", "new follows per watch-hour", "0.021 median (deciles 0.005-0.084)",
       "calibrated", "Twitch top-1000 channels (Kaggle)", 0.005, 0.08, False,
       ("follow_hazard", "follow_match_gain")),
    _T("gifts_per_entry", "entries with a gift", "1.48-1.57% (heavy users)", "calibrated",
       "KuaiLive", 0.005, 0.02, True, ("gift_logit",)),
    _T("gift_mean_over_median", "gift value, mean / median", "82.7 / 2 = 41", "calibrated",
       "KuaiLive (third-party analysis)", 10.0, 200.0, False, ("gift_sigma",)),
    _T("daily_active_share", "viewers active on a day (days 1-6)", "DAU/MAU 0.57-0.58",
       "calibrated", "Kuaishou Q3 2022, Q3 2024", 0.50, 0.65, False,
       ("return_logit", "activeness_sd")),
    _T("weekly_churn", "viewers who leave for good within the week", "no figure; a platform "
       "losing 16% a week would halve in a month", "assumption", "teaching assumption",
       0.005, 0.05, True, ("churn_logit",)),
    _T("sessions_with_entry", "sessions with at least one entry", "no figure; follows from "
       "0.1-0.3 entries per impression over several impressions", "assumption",
       "teaching assumption", 0.5, 0.9, True, ("base_click_utility", "close_utility")),
)  # fmt: skip
"""The plausibility targets, in the order of the table."""


def room_statistics(rooms: Rooms) -> dict[str, float]:
    """Availability statistics of a catalogue: live share, stream length, evening starts."""
    live = rooms.live
    starts = live & ~np.roll(live, 1, axis=0)  # a live slot whose previous slot was off
    runs = starts.sum()
    per_day = MINUTES_PER_DAY // rooms.slot_minutes
    hour = (np.nonzero(starts)[0] % per_day) * rooms.slot_minutes / 60.0
    always = live.all(axis=0)
    return {
        "catalogue_live_share": float(live.mean()),
        "stream_hours": float(live[:, ~always].sum() * rooms.slot_minutes / 60.0 / max(runs, 1)),
        "evening_starts": float(np.mean((hour >= 18) & (hour < 22))) if runs else float("nan"),
    }


def _per_viewer_day(logs: pd.DataFrame) -> pd.DataFrame:
    keys = logs[["viewer_id", "day"]]
    return logs.assign(_vd=keys["viewer_id"] * 10_000 + keys["day"]).groupby("_vd")


def log_statistics(
    logs: pd.DataFrame,
    days: int,
    n_viewers: int | None = None,
    live: np.ndarray | None = None,
    rooms: Rooms | None = None,
) -> dict[str, float]:
    """Plausibility and descriptive statistics of impression logs.

    Args:
        logs: a DataFrame with the columns of :data:`~livedqn_edu.recsys.schema.LOG_COLUMNS`.
        days: number of simulated days.
        n_viewers: viewers in the population (default: those in the logs).
        live: optional ``(n,)`` bool, whether each shown room was live at its impression.
        rooms: optional catalogue, for the availability statistics.

    Returns:
        A dict with every key of :data:`TARGETS` (NaN when its input is missing; a missing
        ``gift``, ``follow``, ``churn`` or ``session`` column counts as zeros) plus
        descriptive statistics: ``impressions``, ``entries``, ``viewers``,
        ``sessions_per_active_day``, ``impressions_per_session``, ``watch_p90``,
        ``next_day_return``, ``follows_per_viewer_week``, ``gift_median``, ``gifts``.
    """
    nan = float("nan")
    logs = logs.assign(**{c: 0 for c in ("gift", "follow", "churn", "session") if c not in logs})
    click = logs["click"].to_numpy() == 1
    minutes = logs["watch_minutes"].to_numpy()
    entered = minutes[click]
    n_entries = int(click.sum())
    n_viewers = int(n_viewers or logs["viewer_id"].nunique())
    vd = _per_viewer_day(logs)
    daily = vd["watch_minutes"].sum()
    sessions = logs[["viewer_id", "session"]].drop_duplicates().shape[0]
    per_session = logs.groupby(["viewer_id", "session"])["click"].max()
    later = logs[(logs["day"] >= 1) & (logs["day"] < days)]
    active_days = later[["viewer_id", "day"]].drop_duplicates().shape[0]
    gifts = logs.loc[logs["gift"] > 0, "gift"].to_numpy()
    median = float(np.median(entered)) if n_entries else nan
    stats = {
        "live_share": float(np.mean(live)) if live is not None else nan,
        "entry_rate": float(click.mean()) if len(logs) else nan,
        "watch_median": median,
        "watch_mean": float(entered.mean()) if n_entries else nan,
        "watch_p90_over_median": float(np.quantile(entered, 0.9) / median) if n_entries else nan,
        "long_view_share": float(entered[entered > 5].sum() / max(entered.sum(), 1e-12)),
        "daily_minutes_median": float(daily.median()),
        "daily_minutes_mean": float(daily.mean()),
        "entries_per_active_day": float(vd["click"].sum().mean()),
        "repeat_share": float(np.mean(logs["past_minutes"].to_numpy()[click] > 0)),
        "follow_hazard": float(logs["follow"].sum() / max(minutes.sum() / 60.0, 1e-12)),
        "gifts_per_entry": float(len(gifts) / n_entries) if n_entries else nan,
        "gift_mean_over_median": float(gifts.mean() / np.median(gifts)) if len(gifts) else nan,
        "daily_active_share": active_days / (n_viewers * max(days - 1, 1)),
        "weekly_churn": float(logs["churn"].sum() / n_viewers) * 7.0 / days,
        "sessions_with_entry": float(per_session.mean()),
        # descriptive
        "impressions": float(len(logs)),
        "entries": float(n_entries),
        "viewers": float(n_viewers),
        "sessions_per_active_day": sessions / max(len(daily), 1),
        "impressions_per_session": len(logs) / max(sessions, 1),
        "watch_p90": float(np.quantile(entered, 0.9)) if n_entries else nan,
        "next_day_return": _next_day_return(logs, days),
        "follows_per_viewer_week": float(logs["follow"].sum() / n_viewers) * 7.0 / days,
        "gift_median": float(np.median(gifts)) if len(gifts) else nan,
        "gifts": float(len(gifts)),
    }
    stats.update({k: nan for k in ("catalogue_live_share", "stream_hours", "evening_starts")})
    if rooms is not None:
        stats.update(room_statistics(rooms))
    return stats


def _next_day_return(logs: pd.DataFrame, days: int) -> float:
    """Share of (viewer, day d < days - 1) with an impression that also have one on day d + 1."""
    key = logs["viewer_id"].to_numpy(np.int64) * (days + 1) + logs["day"].to_numpy(np.int64)
    active = np.unique(key[logs["day"].to_numpy() < days - 1])
    if active.size == 0:
        return float("nan")
    return float(np.isin(active + 1, key).mean())


def calibration_table(stats: dict[str, float]) -> pd.DataFrame:
    """The plausibility table: one row per target, the simulator's value and a verdict.

    Returns:
        Columns ``statistic, figure, kind, source, simulator, range, within``.
    """
    rows = []
    for t in TARGETS:
        value = stats[t.key]
        shown = f"{100 * value:.1f}%" if t.percent else f"{value:.3g}"
        rows.append(
            {
                "statistic": t.label,
                "figure": t.figure,
                "kind": t.kind,
                "source": t.source,
                "simulator": shown,
                "range": t.tolerance(),
                "within": "yes" if t.ok(value) else "NO",
            }
        )
    return pd.DataFrame(rows)


def table_markdown(df: pd.DataFrame) -> str:
    """A DataFrame as a GitHub markdown table (no dependency on ``tabulate``)."""
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def knob_table(config: WorldConfig = CALIBRATED) -> pd.DataFrame:
    """Each target's knobs: target, ``WorldConfig`` field, its value and its meaning."""
    docs = WorldConfig.field_docs()
    rows = [
        {"target": t.key, "field": name, "value": getattr(config, name), "meaning": docs[name]}
        for t in TARGETS
        for name in t.knobs
    ]
    return pd.DataFrame(rows)
