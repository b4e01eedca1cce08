"""Tests of the validation search (livedqn_edu/recsys/tuning.py) and of the tuned record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from livedqn_edu.envs.populations import TEST, VALIDATION
from livedqn_edu.recsys.baselines import TUNED, TUNED_LAMBDA, VisibleScorer
from livedqn_edu.recsys.lineup import LINUCB_ALPHA
from livedqn_edu.recsys.tuning import coordinate_search, validation_value, weights_from

RECORD = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "baselines_tuning.json"


def test_coordinate_search_finds_the_peak_of_a_separable_bowl() -> None:
    calls = []

    def objective(p: dict[str, float]) -> float:
        calls.append(dict(p))
        return -((p["a"] - 1.5) ** 2) - (p["b"] + 0.75) ** 2

    best, trace = coordinate_search(
        objective, {"a": 0.0, "b": 0.0, "c": 9.0}, {"a": 1.0, "b": 1.0}, passes=6
    )
    assert best["a"] == pytest.approx(1.5) and best["b"] == pytest.approx(-0.75)
    assert best["c"] == 9.0  # not in steps: fixed
    assert len(trace) == len(calls)  # every evaluation is in the trace, none twice
    assert len({tuple(sorted(c.items())) for c in calls}) == len(calls)
    assert trace[0]["point"] == {"a": 0.0, "b": 0.0, "c": 9.0} and trace[0]["pass"] == 0
    assert max(t["value"] for t in trace) == objective(best)


def test_coordinate_search_is_deterministic_and_can_travel_far() -> None:
    def objective(p: dict[str, float]) -> float:
        return -abs(p["x"] - 7.0)

    first = coordinate_search(objective, {"x": 0.0}, {"x": 0.5}, passes=8)
    second = coordinate_search(objective, {"x": 0.0}, {"x": 0.5}, passes=8)
    assert first == second
    assert first[0]["x"] == pytest.approx(7.0)  # +1 per pass while it progresses


def test_coordinate_search_min_gain_keeps_the_start_on_a_plateau() -> None:
    best, _ = coordinate_search(
        lambda p: 0.001 * p["x"], {"x": 0.0}, {"x": 1.0}, passes=2, min_gain=0.01
    )
    assert best == {"x": 0.0}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"passes": 0}, "passes"), ({"min_gain": -1.0}, "min_gain")],
)
def test_coordinate_search_bad_arguments(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        coordinate_search(lambda p: 0.0, {"x": 0.0}, {"x": 1.0}, **kwargs)
    with pytest.raises(ValueError, match="start does not have"):
        coordinate_search(lambda p: 0.0, {"x": 0.0}, {"y": 1.0})
    with pytest.raises(ValueError, match="> 0"):
        coordinate_search(lambda p: 0.0, {"x": 0.0}, {"x": 0.0})


def test_validation_value_refuses_test_viewers() -> None:
    with pytest.raises(ValueError, match="validation viewers only"):
        validation_value(VisibleScorer(), 10, seeds=TEST.seeds[:1])


def test_the_package_defaults_are_the_recorded_choices() -> None:
    record = json.loads(RECORD.read_text())
    assert record["population"] == VALIDATION.name
    assert weights_from(record["visible_scorer"]["chosen"]) == TUNED
    assert record["mmr_lambda"]["chosen"] == TUNED_LAMBDA
    assert {k: v["chosen"] for k, v in record["linucb_alpha"].items()} == LINUCB_ALPHA
    trace = record["visible_scorer"]["trace"]
    best = max(trace, key=lambda t: t["value"])
    assert weights_from(best["point"]) == TUNED  # the chosen point is the best one tried


def test_the_recorded_value_of_the_tuned_weights_is_reproduced() -> None:
    """Re-derive the search's final number: the tuned weights on the record's viewers."""
    record = json.loads(RECORD.read_text())
    value = validation_value(VisibleScorer(TUNED), record["viewers"], (record["search_seed"],))
    assert value == pytest.approx(record["visible_scorer"]["chosen_value"], abs=1e-9)


def test_weights_from_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown scorer weights"):
        weights_from({"followed": 1.0, "taste": 2.0})
