"""Smoke tests for the lesson-06 figures: each draws, is titled and labelled, and fails clearly."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from livedqn_edu.envs.world import World
from livedqn_edu.recsys.calibration import CALIBRATED
from livedqn_edu.recsys.logs import generate_logs
from livedqn_edu.recsys.plots import (
    plot_live_by_hour,
    plot_popularity,
    plot_viewer_week,
    plot_watch_minutes,
)


@pytest.fixture(scope="module")
def small():
    return generate_logs(2, 60, 2, config=CALIBRATED)


def _labelled(ax) -> bool:
    return all(s.strip() for s in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()))


def test_every_figure_is_titled_and_labelled(small) -> None:
    logs, rooms = small
    world = World(CALIBRATED)
    viewer = int(logs["viewer_id"].iloc[0])
    axes = [
        plot_live_by_hour(world.rooms),
        plot_popularity(rooms["audience"], logs.groupby("room_id")["watch_minutes"].sum()),
        plot_watch_minutes(np.array([0.5, 3.0, 12.0, 80.0])),
        plot_viewer_week(logs, rooms, viewer),
    ]
    assert all(_labelled(ax) for ax in axes)
    # the live-rooms figure draws one line per day of the week, 24 hours each
    lines = axes[0].get_lines()
    assert len(lines) == 7 and all(len(line.get_xdata()) == 24 for line in lines)
    plt.close("all")


def test_viewer_week_unknown_viewer(small) -> None:
    logs, rooms = small
    with pytest.raises(ValueError, match="viewer_id 999"):
        plot_viewer_week(logs, rooms, 999)
    plt.close("all")


def test_popularity_is_sorted_descending() -> None:
    ax = plot_popularity(np.array([5.0, 50.0, 20.0]), pd.Series([0.0, 3.0, 9.0]))
    audience, minutes = (line.get_ydata() for line in ax.get_lines())
    assert list(audience) == [50.0, 20.0, 5.0]
    assert list(minutes) == [9.0, 3.0]  # rooms never watched are left out of the log-log plot
    plt.close("all")
