"""Tests of livedqn_edu.recsys.timeline and the long-term figures (lesson 06)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.oracles import MyopicOracle
from livedqn_edu.recsys.plots_long_term import (
    plot_fatigue_decay,
    plot_planner_gaps,
    plot_retention,
    plot_sensitivity,
    plot_viewer_timeline,
    plot_week_averages,
)
from livedqn_edu.recsys.timeline import candidate_table, daily_summary, week_timeline

SHORT = WorldConfig(days=3)
N = 40


@pytest.fixture(scope="module")
def timeline() -> pd.DataFrame:
    return week_timeline(MyopicOracle(), n_viewers=N, config=SHORT)


def test_the_timeline_records_every_recommendation(timeline) -> None:
    from livedqn_edu.envs.populations import VALIDATION
    from livedqn_edu.recsys.evaluation import evaluate_policies

    same = evaluate_policies({"m": MyopicOracle()}, N, 3, seeds=VALIDATION.seeds[:1],
                             config=SHORT, per_viewer=True)  # fmt: skip
    # the same viewers and random numbers as the evaluation: the same impressions and minutes
    assert len(timeline) == same["impressions"].sum()
    np.testing.assert_allclose(timeline["watch_minutes"].sum(), same["watch_minutes"].sum())
    assert timeline["follow"].sum() == same["follows"].sum()
    for _, v in timeline.groupby("viewer"):
        assert (np.diff(v["t"]) >= 0).all() and (np.diff(v["follows"]) >= 0).all()
    assert timeline["engagement"].between(0, 1).all() and (timeline["fatigue"] >= 0).all()
    assert set(timeline["day"]) <= {0, 1, 2}


def test_the_daily_summary_averages_over_the_population(timeline) -> None:
    days = daily_summary(timeline, n_viewers=N, days=3)
    assert list(days["day"]) == [0, 1, 2]
    assert days["active"].iloc[0] > 0.9  # everyone opens the app on day 0
    np.testing.assert_allclose(days["watch_minutes"].sum() * N, timeline["watch_minutes"].sum())
    assert np.isnan(days["return_next_day"].iloc[-1])  # no day after the horizon
    assert days["return_next_day"].iloc[:-1].between(0, 1).all()


def test_the_candidate_table_explains_the_choice() -> None:
    world = World(WorldConfig())
    world.reset(4, seed=0)
    table = candidate_table(world, viewer=1)
    assert list(table["slot"]) == list(np.flatnonzero(world.mask[1]))
    probs = world.choice_probabilities()[1, world.mask[1], 0]
    np.testing.assert_allclose(table["p_enter"], probs)
    np.testing.assert_allclose(table["utility"], world.utilities(world.room_ids)[1, world.mask[1]])
    assert ((table["source"] == "followed") == (table["follow"] > 0)).all()
    with pytest.raises(ValueError, match="viewer must be in"):
        candidate_table(world, viewer=9)


def test_every_long_term_figure_is_titled_and_labelled(timeline) -> None:
    study = pd.DataFrame({
        "variant": ["a", "b"], "population": ["validation", "test"], "n": [100, 100],
        "rel_gap": [0.01, -0.01], "rel_low": [-0.01, -0.03], "rel_high": [0.03, 0.01],
    })  # fmt: skip
    sweep = study.assign(knob=["k", "k"], value=[0.0, 1.0], default=[1.0, 1.0], myopic=[2, 2],
                         planner=[2.1, 1.9])  # fmt: skip
    busy = int(timeline["viewer"].iloc[0])
    figures = [
        plot_viewer_timeline(timeline, busy, days=3),
        plot_week_averages(daily_summary(timeline, N, days=3), "title"),
        plot_planner_gaps(study),
        plot_sensitivity(sweep),
        plot_fatigue_decay(SHORT),
        plot_retention(SHORT),
    ]
    for fig in figures:
        for ax in fig.axes:
            if ax.get_ylabel() or ax.get_xlabel():
                assert ax.get_xlabel().strip() or ax.get_ylabel().strip()
        assert any(ax.get_title() for ax in fig.axes) or fig._suptitle is not None
        plt.close(fig)
    with pytest.raises(ValueError, match="no recommendation"):
        plot_viewer_timeline(timeline, viewer=10_000)


def test_the_mechanism_curves_follow_the_config() -> None:
    config = WorldConfig(fatigue_weight=2.0, fatigue_half_life_minutes=600.0)
    fig = plot_fatigue_decay(config, hours=30.0)
    x, y = fig.axes[0].lines[0].get_data()
    assert y[0] == pytest.approx(2.0)  # the full weight at once
    assert np.interp(10.0, x, y) == pytest.approx(1.0, rel=1e-3)  # half after one half-life
    plt.close(fig)
    fig = plot_retention(WorldConfig())
    tomorrow = [line.get_ydata() for line in fig.axes[0].lines[:3]]
    for low, high in zip(tomorrow[:-1], tomorrow[1:], strict=True):
        assert (high > low).all()  # more active viewers come back more often
    assert all((np.diff(y) > 0).all() for y in tomorrow)  # and more engaged ones
    assert (np.diff(fig.axes[0].lines[3].get_ydata()) < 0).all()  # churn falls with engagement
    plt.close(fig)
