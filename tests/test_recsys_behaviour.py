"""Tests of livedqn_edu.recsys.behaviour: choices on real states, disagreements, restrictions."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.envs.features import feature_spec
from livedqn_edu.envs.populations import VALIDATION
from livedqn_edu.envs.vector_eval import run_policy
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.behaviour import (
    Restricted,
    decisions,
    disagreements,
    diversity,
    slot_kinds,
)
from livedqn_edu.recsys.policies import FollowedFirst, MostViewers, feature


@pytest.fixture(scope="module")
def frame():
    return decisions(FollowedFirst(), MostViewers(), n_viewers=60, seed=7)


def test_decisions_record_the_acting_policys_week_and_the_references_answers(frame) -> None:
    # the acting policy's week is the one run_policy measures (same viewers, same choices)
    week = run_policy(FollowedFirst(), 60, 7, seed=7, config=VALIDATION.config())
    assert len(frame) == week["impressions"].sum()
    np.testing.assert_allclose(frame.groupby("viewer")["reward"].sum(), week["return"])
    # followed first picks a followed room whenever one is offered: never less often than
    # most-viewers does on the same states; where they disagree, most-viewers' room is larger
    assert frame["followed"].mean() >= frame["reference_followed"].mean()
    diff = frame[~frame["agree"]]
    assert (diff["reference_log_audience"] >= diff["log_audience"]).all()
    assert frame["agree"].any() and not frame["agree"].all()
    assert set(frame["kind"]) <= {0, 1, 2} and frame["hour"].between(0, 24).all()


def test_disagreement_tables_are_shares_that_add_up(frame) -> None:
    kinds = disagreements(frame, "kind")
    np.testing.assert_allclose(kinds[["policy", "reference"]].sum(), [1.0, 1.0])
    assert kinds.loc[0, "policy"] > kinds.loc[0, "reference"]  # followed rooms: FollowedFirst
    hours = disagreements(frame, "hour", bins=[0, 6, 12, 18, 24])
    np.testing.assert_allclose(hours[["disagreeing", "all_steps"]].sum(), [1.0, 1.0])
    with pytest.raises(ValueError, match="feature must be a column"):
        disagreements(frame, "taste")


def test_diversity_counts_distinct_categories(frame) -> None:
    d = diversity(frame)
    assert 1.0 <= d["categories_per_session"] <= d["categories_per_week"] <= 8.0
    assert 0.0 < d["top_category_share"] <= 1.0
    # by hand: distinct categories of each viewer's week, averaged
    by_hand = np.mean([len(set(g["reference_category"])) for _, g in frame.groupby("viewer")])
    assert diversity(frame, reference=True)["categories_per_week"] == pytest.approx(by_hand)


def test_slot_kinds_follow_the_candidate_generators_blocks() -> None:
    world = World()
    obs = world.reset(50, seed=1)
    kinds = slot_kinds(obs, world.features, world.config.popular_slots)
    followed = feature(obs, "followed") > 0.5
    assert np.array_equal(kinds == 0, followed & obs["mask"])
    assert np.all(kinds[~obs["mask"]] == -1)
    assert np.all((kinds == 1).sum(axis=1) <= world.config.popular_slots)
    # blocks come in order: followed, popular, discovery
    valid = np.where(obs["mask"], kinds, 9)
    assert np.all(np.diff(np.where(valid == 9, 3, valid), axis=1)[obs["mask"][:, 1:]] >= 0)


def test_restricted_never_chooses_a_forbidden_candidate_unless_nothing_else_is_left() -> None:
    spec = feature_spec()
    world = World()
    obs = world.reset(200, seed=2)
    no_followed = Restricted(FollowedFirst(), lambda o: feature(o, "followed", spec) > 0.5)
    picks = no_followed(obs)
    followed = feature(obs, "followed") > 0.5
    rows = np.arange(200)
    only_followed = ~(obs["mask"] & ~followed).any(axis=1)
    assert not followed[rows, picks][~only_followed].any()
    assert obs["mask"][rows, picks].all()
    # nothing forbidden: the base policy's choice
    same = Restricted(FollowedFirst(), lambda o: np.zeros(o["mask"].shape, bool))
    np.testing.assert_array_equal(same(obs), FollowedFirst()(obs))
