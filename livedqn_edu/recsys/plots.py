"""Figures of the live-room world and its logs (lesson 06).

Every function draws on a matplotlib ``Axes`` (a new figure when ``ax`` is None), titles it,
labels both axes with units, and returns the ``Axes``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from livedqn_edu.envs.rooms import CATEGORIES, Rooms

__all__ = ["plot_live_by_hour", "plot_popularity", "plot_watch_minutes", "plot_viewer_week"]

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 3.6)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_live_by_hour(rooms: Rooms, ax: Axes | None = None) -> Axes:
    """Rooms live at each hour of the day, one line per day of the week.

    Args:
        rooms: the world's rooms (``world.rooms``).
        ax: where to draw; a new figure if None.
    """
    ax = _axes(ax)
    counts = rooms.live_by_hour()  # (7, 24)
    hours = np.arange(24)
    for day in range(7):
        weekend = day >= 5
        label = {0: "weekdays (Mon-Fri)", 5: "weekend (Sat, Sun)"}.get(day)
        ax.plot(
            hours,
            counts[day],
            color="tab:orange" if weekend else "tab:blue",
            alpha=0.9 if weekend else 0.45,
            lw=2 if weekend else 1.2,
            label=label,
        )
    ax.set_xticks(range(0, 25, 3))
    ax.set_xlim(0, 23)
    ax.set(
        title=f"Rooms live by hour of the day ({rooms.n_rooms} rooms in all)",
        xlabel="hour of the day (h)",
        ylabel="rooms live (mean over the hour)",
    )
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_popularity(
    audience: np.ndarray, watch_minutes: pd.Series | None = None, ax: Axes | None = None
) -> Axes:
    """Rank-size plot (log-log): rooms sorted by audience, and optionally by minutes watched.

    A straight line on log-log axes is the signature of a power law: a few rooms draw most of the
    audience, and a long tail of small rooms shares the rest.

    Args:
        audience: ``(n_rooms,)`` typical audience of each room, viewers.
        watch_minutes: optional minutes watched per room in the logs (index room id).
        ax: where to draw; a new figure if None.
    """
    ax = _axes(ax)
    a = np.sort(np.asarray(audience, dtype=float))[::-1]
    ax.loglog(np.arange(1, a.size + 1), a, ".", ms=4, label="typical audience (viewers)")
    if watch_minutes is not None:
        m = np.sort(watch_minutes.to_numpy(dtype=float))[::-1]
        m = m[m > 0]
        ax.loglog(np.arange(1, m.size + 1), m, ".", ms=4, label="minutes watched in the logs")
    ax.set(
        title="Popularity is heavy-tailed: rank-size plot of the rooms",
        xlabel="room rank (1 = most popular, log scale)",
        ylabel="viewers or minutes (log scale)",
    )
    ax.legend(fontsize=8)
    return ax


def plot_watch_minutes(minutes: np.ndarray, ax: Axes | None = None) -> Axes:
    """Histogram of watch minutes per click on log-spaced bins, with the median marked.

    Args:
        minutes: ``(n_clicks,)`` watch minutes of each click (> 0).
        ax: where to draw; a new figure if None.
    """
    ax = _axes(ax)
    m = np.asarray(minutes, dtype=float)
    m = m[m > 0]
    bins = np.logspace(np.log10(max(m.min(), 0.05)), np.log10(m.max()), 40)
    ax.hist(m, bins=bins, color="tab:green", alpha=0.8)
    ax.set_xscale("log")
    med = float(np.median(m))
    ax.axvline(med, color="black", ls="--", lw=1)
    ax.text(med * 1.1, ax.get_ylim()[1] * 0.9, f"median {med:.1f} min", fontsize=8)
    ax.set(
        title=f"Watch time per click ({m.size:,} clicks)",
        xlabel="minutes watched (log scale)",
        ylabel="number of clicks",
    )
    return ax


def plot_viewer_week(
    logs: pd.DataFrame, rooms: pd.DataFrame, viewer_id: int, ax: Axes | None = None
) -> Axes:
    """One viewer's week as a calendar: each day a column, time of day running down.

    Within a day's column, successive recommendations go left to right (one dot each, coloured
    by the room's category); a watch is a vertical bar as long as the minutes watched; a black
    triangle marks a new follow.

    Args:
        logs: the impression logs (``load_logs()``).
        rooms: the rooms table (``load_rooms()``), for each room's category.
        viewer_id: the viewer to show.
        ax: where to draw; a new figure if None.
    """
    ax = _axes(ax, (9.0, 4.2))
    v = logs[logs["viewer_id"] == viewer_id]
    if v.empty:
        raise ValueError(f"viewer_id {viewer_id} has no impression in these logs")
    cat = v["room_id"].map(rooms.set_index("room_id")["category"]).to_numpy()
    day = v["day"].to_numpy()
    per_day = v.groupby("day")["day"].transform("size").to_numpy()
    rank = v.groupby("day").cumcount().to_numpy()
    x = day + 0.1 + 0.8 * rank / np.maximum(per_day - 1, 1)
    hour = v["minute"].to_numpy() / 60.0
    colours = plt.get_cmap("tab10")
    for i, name in enumerate(CATEGORIES):
        sel = cat == name
        if sel.any():
            ax.scatter(x[sel], hour[sel], s=9, color=colours(i), label=name)
    click = v["click"].to_numpy() == 1
    watch_h = v["watch_minutes"].to_numpy() / 60.0
    for xi, h, w, c in zip(x[click], hour[click], watch_h[click], cat[click], strict=True):
        ax.plot([xi, xi], [h, h + w], color=colours(CATEGORIES.index(c)), lw=4, alpha=0.8)
    follows = click & (v["follow"].to_numpy() == 1)
    ax.plot(x[follows], hour[follows], "v", color="black", ms=7, label="new follow")
    days = int(logs["day"].max()) + 1
    ax.set_xticks(np.arange(days) + 0.5, [_DAY_NAMES[d % 7] for d in range(days)])
    for d in range(days + 1):
        ax.axvline(d, color="lightgrey", lw=0.8, zorder=0)
    lo = np.floor(hour.min()) - 0.5
    hi = np.ceil((hour + np.where(click, watch_h, 0)).max()) + 0.5
    ax.set_xlim(0, days)
    ax.set_ylim(hi, lo)  # time runs down, as in a calendar
    ax.set(
        title=f"Viewer {viewer_id}'s week: {len(v)} recommendations (dots), "
        f"{int(click.sum())} watched (bars)",
        xlabel="day of the week (in a day: successive recommendations, left to right)",
        ylabel="time of day (h)",
    )
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax
