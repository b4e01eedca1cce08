"""Tests of livedqn_edu.recsys.planning_results and the stored planning experiments."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.recsys.planner import DEFAULT_VALUES
from livedqn_edu.recsys.planning_results import (
    CHOSEN,
    long_term_terms,
    planner_variants,
    rollout_spread,
    shipped_planner_study,
    write_planner_study,
)
from livedqn_edu.recsys.sensitivity import KNOBS, shipped_sweep, write_sweep

TINY = {"n_viewers": 30, "n_seeds": 1, "value_viewers": 30}


def test_a_stage_replaces_only_its_own_rows(tmp_path) -> None:
    first = write_planner_study("report", tmp_path, TINY)
    assert set(first["population"]) == {"test", "new_catalogue"}
    assert (first["variant"] == CHOSEN).all() and (first["n"] == 30).all()
    again = write_planner_study("report", tmp_path, TINY)
    assert len(again) == len(first)  # replaced, not appended
    entry = json.loads((tmp_path / "MANIFEST.json").read_text())["results/planner_study.csv"]
    assert entry["n_viewers"] == 30 and "--study" in entry["command"]
    stored = pd.read_csv(tmp_path / "results" / "planner_study.csv")
    assert (stored["gap_low"] <= stored["gap"]).all() and (
        stored["gap"] <= stored["gap_high"]
    ).all()


def test_bad_stages_and_protocols_are_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="never overwrites the shipped study"):
        write_planner_study("report", protocol=TINY)
    with pytest.raises(ValueError, match="stage must be"):
        write_planner_study("testing", tmp_path, TINY)
    with pytest.raises(ValueError, match="not the shipped protocol"):
        write_sweep(quick=True)


def test_a_quick_sweep_is_tidy(tmp_path) -> None:
    table = write_sweep(tmp_path, quick=True)
    assert list(table["value"]) == [0.03, 0.3] and (table["knob"] == "follow_hazard").all()
    assert {"myopic", "planner", "rel_gap", "rel_low", "rel_high", "seconds"} <= set(table)


def test_long_term_terms_are_zero_without_values_and_small_with_them() -> None:
    from livedqn_edu.recsys.planner import ValuePlanner, WorldValues

    zero = long_term_terms(ValuePlanner(WorldValues(0.0, 0.0, 0.0)), n_viewers=20)
    assert zero["mean"] == 0.0 and zero["share_flips"] == 0.0
    assert zero["immediate_median"] > 0
    real = long_term_terms(n_viewers=20)
    assert 0 < real["median"] <= real["p90"] and 0 <= real["share_flips"] < 0.5


def test_rollout_spread_reports_the_noise_of_one_rollout() -> None:
    out = rollout_spread(WorldConfig(days=2), n_viewers=8, n_rollouts=4, at_steps=(2,))
    assert out["sd"] > 0 and out["decisions"] >= 1 and out["world_steps"] > 0
    assert out["rollouts_needed"] == pytest.approx((2 * out["sd"] / 0.05) ** 2)


def test_the_shipped_planner_study_has_every_variant_and_the_report() -> None:
    table = shipped_planner_study()
    val = table[table["stage"] == "validation"]
    with_session = dataclasses.replace(DEFAULT_VALUES, session=((0.0,) * 5,) * 12)
    assert list(val["variant"]) == list(planner_variants(with_session))
    assert (val["population"] == "validation").all() and (val["n"] >= 10_000).all()
    # the planner's default values are the ones this study measured
    assert val["value_follow"].iloc[0] == pytest.approx(DEFAULT_VALUES.follow, abs=1e-3)
    assert val["value_engagement"].iloc[0] == pytest.approx(DEFAULT_VALUES.engagement, abs=1e-3)
    assert val["value_fatigue"].iloc[0] == pytest.approx(DEFAULT_VALUES.fatigue, abs=1e-3)
    report = table[table["stage"] == "report"]
    assert set(report["population"]) == {"test", "new_catalogue"}
    assert (report["variant"] == CHOSEN).all() and (report["n"] >= 10_000).all()
    assert np.isfinite(table[["rel_gap", "rel_low", "rel_high"]].to_numpy()).all()


def test_the_shipped_sweep_covers_every_knob_value() -> None:
    table = shipped_sweep()
    for knob, values in KNOBS.items():
        assert list(table.loc[table["knob"] == knob, "value"]) == list(values)
    assert (table["n"] >= 5_000).all()
    default = table[table["value"] == table["default"]]
    assert default["rel_gap"].nunique() == 1  # the default world, measured once


@pytest.mark.parametrize("loader", ["planner_study", "sweep"])
def test_missing_shipped_result_says_how_to_compute_it(tmp_path, monkeypatch, loader):
    from livedqn_edu.recsys.sensitivity import shipped_sweep

    monkeypatch.setenv("LIVEDQN_DATA", str(tmp_path))
    load = shipped_planner_study if loader == "planner_study" else shipped_sweep
    with pytest.raises(FileNotFoundError, match="compute it: python -m livedqn_edu.recsys"):
        load()
