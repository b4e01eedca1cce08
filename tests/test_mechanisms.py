"""Tests of livedqn_edu.recsys.mechanisms and .sensitivity: utility terms, margins, planning."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import VALIDATION
from livedqn_edu.envs.response import UTILITY_TERMS
from livedqn_edu.recsys.mechanisms import followed_first_margins, utility_contributions
from livedqn_edu.recsys.oracles import LookaheadOracle
from livedqn_edu.recsys.policies import FollowedFirst, MostViewers, Random
from livedqn_edu.recsys.sensitivity import planning_gap, sensitivity_sweep

SHORT = WorldConfig(days=2)


def test_utility_contributions_name_every_term() -> None:
    terms, per_viewer = utility_contributions(
        {"random": Random(0), "followed_first": FollowedFirst()}, n_viewers=60, days=2,
        config=SHORT,
    )  # fmt: skip
    assert set(terms["term"]) == set(UTILITY_TERMS) and len(terms) == 2 * len(UTILITY_TERMS)
    shares = terms.dropna(subset=["share"]).groupby("policy")["share"].sum()
    np.testing.assert_allclose(shares, 1.0)
    by = terms.pivot(index="term", columns="policy", values="mean")
    assert by.loc["base"].nunique() == 1  # the same constant for every policy
    assert by.loc["follow", "followed_first"] > by.loc["follow", "random"]  # it shows follows
    assert (terms["impressions"] > 0).all() and len(per_viewer) == 2 * 60


def test_followed_first_margins_are_paired() -> None:
    _, per_viewer = utility_contributions(
        {"random": Random(0), "most_viewers": MostViewers(), "followed_first": FollowedFirst()},
        n_viewers=80, days=2, config=SHORT,
    )  # fmt: skip
    margins = followed_first_margins(per_viewer)
    assert list(margins.index) == ["random", "most_viewers"]
    ff = per_viewer[per_viewer["policy"] == "followed_first"]["return"].mean()
    assert margins.loc["random", "mean_a"] == pytest.approx(ff)
    assert margins["meets"].dtype == bool or set(margins["meets"]) <= {True, False}


def test_a_one_step_planner_is_the_myopic_oracle() -> None:
    """With one step of lookahead and one candidate, the planner scores as the myopic oracle:
    same choices, same viewers, same random numbers, so the gap is exactly zero."""
    gap = planning_gap(
        SHORT, VALIDATION, n_viewers=20, days=2,
        planner=lambda: LookaheadOracle(depth=1, n_rollouts=1, top=1),
    )  # fmt: skip
    assert gap["gap"] == 0.0 and gap["return_gap"] == 0.0 and gap["n"] == 20
    assert gap["planner_world_steps"] > 0 and gap["planner_seconds"] > 0


def test_sweep_is_tidy() -> None:
    table = sensitivity_sweep(
        {"fatigue_weight": (0.0, 1.0)}, base=SHORT, n_viewers=15, days=2,
        planner=lambda: LookaheadOracle(depth=2, n_rollouts=1, top=2),
    )  # fmt: skip
    assert list(table["value"]) == [0.0, 1.0] and (table["knob"] == "fatigue_weight").all()
    assert (table["default"] == SHORT.fatigue_weight).all()
    assert {"myopic", "planner", "gap", "gap_low", "gap_high", "seconds"} <= set(table.columns)
    assert (table["gap_low"] <= table["gap"]).all() and (table["gap"] <= table["gap_high"]).all()


def test_value_of_a_change_is_zero_when_the_mechanism_is_off() -> None:
    from livedqn_edu.recsys.sensitivity import value_of_a_change

    # engagement moves only the return and churn chances: switched off, the change is worth 0
    off = WorldConfig(days=2, return_sensitivity=0.0, churn_engagement_gain=0.0)
    out = value_of_a_change("engagement", off, n_viewers=30, days=2)
    assert out["diff"] == 0.0 and out["n"] == 30
    # one more follow does change the week (its room joins the followed slots)
    follow = value_of_a_change("follow", SHORT, n_viewers=30, days=2, metric="impressions")
    assert np.isfinite(follow["diff"])
    with pytest.raises(ValueError, match="change must be one of"):
        value_of_a_change("gift", SHORT)


def test_the_mechanism_table_names_real_knobs_and_says_what_is_assumed() -> None:
    import dataclasses
    import fnmatch

    from livedqn_edu.recsys.mechanisms import mechanism_table

    table = mechanism_table()
    fields = [f.name for f in dataclasses.fields(WorldConfig)]
    for row in table.itertuples(index=False):
        for knob in (k.strip() for k in row.knobs.split(",")):
            assert fnmatch.filter(fields, knob), f"{row.mechanism}: no WorldConfig field {knob}"
        assert row[3] or row[4], f"{row.mechanism} says neither what is calibrated nor assumed"
    # the numbers come from the configuration, not from the text
    moved = mechanism_table(WorldConfig(follow_hazard=0.3, fatigue_weight=2.0))
    assert "0.3 per watch-hour" in moved.set_index("mechanism").loc["earned follows"].iloc[0]
    assert "loses 2 utility" in " ".join(moved["what the world does"])


def test_the_data_card_shows_the_generated_mechanism_table() -> None:
    from livedqn_edu.manifest import data_dir
    from livedqn_edu.recsys.datacard import MECHANISMS_BEGIN, MECHANISMS_END
    from livedqn_edu.recsys.mechanisms import mechanism_markdown

    text = (data_dir() / "README.md").read_text(encoding="utf-8")
    block = text.split(MECHANISMS_BEGIN)[1].split(MECHANISMS_END)[0]
    assert block.strip() == mechanism_markdown().strip()
