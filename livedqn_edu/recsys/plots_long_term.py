"""Figures of the long-term mechanisms and of planning (lesson 06).

- :func:`plot_viewer_timeline`: one viewer's week (watches, engagement, follows, fatigue);
- :func:`plot_week_averages`: the same mechanisms averaged over a population, day by day;
- :func:`plot_planner_gaps`: planners against the myopic oracle (paired gaps with intervals);
- :func:`plot_sensitivity`: the sensitivity sweep, myopic oracle and planner side by side.

Every function titles its axes, labels them with units and returns the figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.response import churn_probability, decayed, return_probability
from livedqn_edu.envs.rooms import MINUTES_PER_DAY

__all__ = [
    "plot_fatigue_decay",
    "plot_planner_gaps",
    "plot_retention",
    "plot_sensitivity",
    "plot_viewer_timeline",
    "plot_week_averages",
]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _day_axis(ax: plt.Axes, days: int) -> None:
    ax.set_xticks(np.arange(days) + 0.5, [_DAYS[d % 7] for d in range(days)])
    ax.set_xlim(0, days)
    for d in range(days + 1):
        ax.axvline(d, color="lightgrey", lw=0.6, zorder=0)


def plot_fatigue_decay(config: WorldConfig, hours: float = 72.0) -> Figure:
    """Utility lost by one ignored impression as time passes (impression fatigue)."""
    t = np.linspace(0.0, hours, 200)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(t, config.fatigue_weight * decayed(1.0, 60 * t, config.fatigue_half_life_minutes))
    ax.set(title="Utility lost by one ignored impression, as time passes",
           xlabel="hours since the room was shown and ignored", ylabel="utility lost")  # fmt: skip
    fig.tight_layout()
    return fig


def plot_retention(config: WorldConfig, follows: int = 10) -> Figure:
    """After a session: the chance of visiting tomorrow and of churning, against engagement.

    One line per activeness (the viewer's own shift of the return log-odds) at -1, 0 and +1
    standard deviation (``config.activeness_sd``), with ``follows`` followed rooms.
    """
    engagement = np.linspace(0.0, 1.0, 50)
    fig, ax = plt.subplots(figsize=(6, 3))
    for k in (-1, 0, 1):
        shift = k * config.activeness_sd
        ax.plot(engagement, return_probability(engagement, shift, follows, config),
                label=f"tomorrow, activeness {shift:+.1f}")  # fmt: skip
    ax.plot(engagement, 10 * churn_probability(engagement, config), "k--", label="churn x 10")
    ax.set(title=f"After a session: tomorrow's visit and churn ({follows} follows)",
           xlabel="engagement (0-1)", ylabel="probability")  # fmt: skip
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_viewer_timeline(timeline: pd.DataFrame, viewer: int, days: int = 7) -> Figure:
    """One viewer's week from :func:`~livedqn_edu.recsys.timeline.week_timeline`.

    Top: minutes watched per recommendation (bars), new follows (triangles), session ends that
    bring the viewer back tomorrow (green) or not (grey). Middle: engagement and follows.
    Bottom: fatigue of each room shown (ignored impressions, decayed), followed rooms in orange.
    """
    v = timeline[timeline["viewer"] == viewer]
    if v.empty:
        raise ValueError(f"viewer {viewer} has no recommendation in this timeline")
    x = v["t"].to_numpy() / MINUTES_PER_DAY
    fig, axes = plt.subplots(3, 1, figsize=(9, 6.4), sharex=True)
    ax = axes[0]
    ax.bar(x, v["watch_minutes"], width=0.02, color="tab:blue")
    new = v["follow"].to_numpy()
    ax.plot(x[new], v["watch_minutes"].to_numpy()[new] + 5, "v", color="black", label="new follow")
    ends = v["session_end"].to_numpy()
    back = ends & v["return_visit"].to_numpy()
    ax.plot(x[back], np.zeros(back.sum()), "o", color="tab:green", ms=5,
            label="session ends, back tomorrow")  # fmt: skip
    ax.plot(x[ends & ~back], np.zeros((ends & ~back).sum()), "o", color="grey", ms=5,
            label="session ends, not back tomorrow")  # fmt: skip
    ax.set(title=f"Viewer {viewer}'s week: {len(v)} recommendations, "
           f"{int((v['watch_minutes'] > 0).sum())} entered", ylabel="minutes watched")  # fmt: skip
    ax.legend(fontsize=7, loc="upper right")
    ax = axes[1]
    ax.step(x, v["engagement"], where="post", color="tab:purple", label="engagement (0-1)")
    ax.set(ylabel="engagement", ylim=(0, 1))
    twin = ax.twinx()
    twin.step(x, v["follows"] + v["follow"], where="post", color="tab:orange", label="follows")
    twin.set_ylabel("rooms followed")
    ax.legend(fontsize=7, loc="upper left")
    twin.legend(fontsize=7, loc="lower right")
    ax = axes[2]
    followed = v["followed"].to_numpy()
    ax.plot(x[~followed], v["fatigue"].to_numpy()[~followed], ".", color="tab:blue",
            label="room not followed")  # fmt: skip
    ax.plot(x[followed], v["fatigue"].to_numpy()[followed], ".", color="tab:orange",
            label="followed room")  # fmt: skip
    ax.set(ylabel="ignored impressions\n(decayed)", xlabel="day of the week")
    ax.legend(fontsize=7, loc="upper right")
    for ax in axes:
        _day_axis(ax, days)
    fig.tight_layout()
    return fig


def plot_week_averages(summary: pd.DataFrame, title: str = "") -> Figure:
    """Population averages per day (:func:`~livedqn_edu.recsys.timeline.daily_summary`)."""
    days = len(summary)
    x = summary["day"].to_numpy() + 0.5
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.0))
    panels = (
        (("active", "active that day"), ("return_next_day", "back next day"), "share of viewers"),
        (("follows", "rooms followed"), None, "rooms followed (mean)"),
        (("engagement", "engagement"), None, "engagement (mean, 0-1)"),
        (("fatigue", "fatigue of the rooms shown"), None, "ignored impressions (mean)"),
    )  # fmt: skip
    for ax, (first, second, ylabel) in zip(axes, panels, strict=True):
        ax.plot(x, summary[first[0]], "o-", label=first[1])
        if second:
            ax.plot(x, summary[second[0]], "s--", label=second[1])
            ax.legend(fontsize=7)
        ax.set(ylabel=ylabel, xlabel="day", title=first[1])
        _day_axis(ax, days)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _interval(ax: plt.Axes, y: np.ndarray, rows: pd.DataFrame, color: str = "tab:blue") -> None:
    mid, low, high = (100 * rows[c].to_numpy() for c in ("rel_gap", "rel_low", "rel_high"))
    ax.errorbar(mid, y, xerr=[mid - low, high - mid], fmt="o", color=color, capsize=3)
    ax.axvline(0, color="black", lw=0.8)


def plot_planner_gaps(study: pd.DataFrame) -> Figure:
    """Each planner's gain over the myopic oracle (paired, 95% interval), one row each.

    Args:
        study: rows with ``variant``, ``population``, ``n``, ``rel_gap``, ``rel_low``,
            ``rel_high`` (:func:`~livedqn_edu.recsys.planning_results.shipped_planner_study`).
    """
    labels = [f"{r.variant} ({r.population}, {int(r.n):,} viewers)" for r in study.itertuples()]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(study) + 1.2))
    y = np.arange(len(study))[::-1]
    colours = np.where(study["population"] == "validation", "tab:blue", "tab:red")
    for yi, (_, row), colour in zip(y, study.iterrows(), colours, strict=True):
        _interval(ax, np.array([yi]), row.to_frame().T, colour)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set(title="Planner minus myopic oracle, expected return per viewer-week",
           xlabel="difference (% of the myopic oracle's return, 95% CI)")  # fmt: skip
    fig.tight_layout()
    return fig


def plot_sensitivity(sweep: pd.DataFrame) -> Figure:
    """The sweep: per knob, the two policies' returns (top) and the paired gap (bottom).

    Args:
        sweep: :func:`~livedqn_edu.recsys.sensitivity.sensitivity_sweep` output (one row per
            knob value; the default world's value marked with a star).
    """
    knobs = list(dict.fromkeys(sweep["knob"]))
    fig, axes = plt.subplots(2, len(knobs), figsize=(3.2 * len(knobs), 5.6), squeeze=False)
    for col, knob in enumerate(knobs):
        rows = sweep[sweep["knob"] == knob].reset_index(drop=True)
        x = np.arange(len(rows))
        names = [
            f"{v:g}" + (" *" if v == d else "")
            for v, d in zip(rows["value"], rows["default"], strict=True)
        ]
        top, bottom = axes[0, col], axes[1, col]
        top.plot(x - 0.08, rows["myopic"], "o", color="grey", label="myopic oracle")
        top.plot(x + 0.08, rows["planner"], "s", color="tab:red", label="planner")
        top.set(title=knob, ylabel="expected return per viewer-week" if col == 0 else "")
        top.set_xticks(x, names)
        mid, low, high = (100 * rows[c].to_numpy() for c in ("rel_gap", "rel_low", "rel_high"))
        bottom.errorbar(x, mid, yerr=[mid - low, high - mid], fmt="o", color="tab:red", capsize=3)
        bottom.axhline(0, color="black", lw=0.8)
        bottom.set_xticks(x, names)
        bottom.set(xlabel=f"{knob} (* default)",
                   ylabel="planner - myopic (%, 95% CI)" if col == 0 else "")  # fmt: skip
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("Where does planning pay? One knob at a time, paired on the same viewers")
    fig.tight_layout()
    return fig
