"""The evaluation harness (recsys.evaluation.per_viewer_values): same viewers, common random
numbers, one row per training seed."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.envs.populations import NEW_CATALOGUE, TEST, VALIDATION
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.evaluation import (
    evaluate_policies,
    per_viewer_frame,
    per_viewer_values,
    values_from_frame,
)
from livedqn_edu.recsys.policies import FollowedFirst, MostViewers, Random
from livedqn_edu.recsys.stats import compare_policies


def test_shapes_rows_per_seed_and_columns_per_viewer() -> None:
    values = per_viewer_values(
        {"ff": FollowedFirst(), "rand": [Random(0), Random(1), Random(2)]},
        VALIDATION,
        n_viewers=15,
        seeds=VALIDATION.seeds[:2],
        days=1,
    )
    assert values["ff"].shape == (1, 30) and values["rand"].shape == (3, 30)
    assert values["ff"].dtype == np.float64
    # columns: seed 10,000's 15 viewers, then seed 10,001's, as evaluate_policies lists them
    table = evaluate_policies(
        {"ff": FollowedFirst()}, 15, 1, VALIDATION.seeds[:2], population=VALIDATION, per_viewer=True
    )
    np.testing.assert_array_equal(values["ff"][0], table["return"].to_numpy())


def test_frame_has_one_row_per_seed_and_viewer_and_the_wall_times() -> None:
    frame = per_viewer_frame(
        {"rand": [Random(0), Random(5)], "mv": MostViewers()},
        TEST,
        10,
        seeds=TEST.seeds[:2],
        days=1,
    )
    assert list(frame.columns[:4]) == ["policy", "train_seed", "seed", "viewer"]
    assert len(frame) == (2 + 1) * 2 * 10
    assert (
        frame.groupby(["policy", "train_seed", "seed"])["viewer"]
        .apply(list)
        .map(lambda v: v == list(range(10)))
        .all()
    )
    assert [len(v) for v in frame.attrs["seconds"].values()] == [2, 1]
    values = values_from_frame(frame, "clicks")
    assert values["rand"].shape == (2, 20) and values["mv"].shape == (1, 20)
    # each run resets the policy with the viewer seed: its own random draws are common too
    np.testing.assert_array_equal(values["rand"][0], values["rand"][1])


def test_the_same_policy_twice_gives_identical_rows_and_the_population_sets_the_rooms() -> None:
    values = per_viewer_values(
        {"mv": [MostViewers(), MostViewers()]},
        TEST,
        20,
        "watch_minutes",
        seeds=TEST.seeds[:1],
        days=1,
    )
    np.testing.assert_array_equal(values["mv"][0], values["mv"][1])
    other = per_viewer_values(
        {"mv": MostViewers()}, NEW_CATALOGUE, 20, "watch_minutes", seeds=TEST.seeds[:1], days=1
    )
    assert not np.array_equal(other["mv"][0], values["mv"][0])  # same viewer seed, other rooms


def test_common_random_numbers(monkeypatch) -> None:
    """Every policy meets the same viewers, and the same random stream step by step.

    The world draws one block of random numbers per step whatever the policy shows; the one
    exception is a viewer who finds no live room (``World._end_sessions(..., forced=True)``
    skips them to their next visit with extra draws), which shifts the stream for every later
    step. The stream is checked identical up to the first such event of either policy.
    """
    runs = {}
    original = World._end_sessions
    for name, policy in (("ff", FollowedFirst()), ("rand", Random(0)), ("ff2", FollowedFirst())):
        states, traits, ends, step = [], [], [], [0]

        def spy(self, idx, draws, normals, forced=False, _f=ends, _s=step):
            if forced:
                _f.append(_s[0])
            return original(self, idx, draws, normals, forced)

        def observer(world, actions, _st=states, _tr=traits, _s=step):
            _st.append(str(world.rng.bit_generator.state["state"]))
            if not _tr:
                _tr.append((world.viewers.match.copy(), world.viewers.activeness.copy()))
            _s[0] += 1

        monkeypatch.setattr(World, "_end_sessions", spy)
        evaluate_policies(
            {name: policy}, 100, 2, TEST.seeds[:1], population=TEST, observer=observer
        )
        runs[name] = (states, traits[0], ends)
    a, b = runs["ff"], runs["rand"]
    np.testing.assert_array_equal(a[1][0], b[1][0])  # the same viewers: tastes...
    np.testing.assert_array_equal(a[1][1], b[1][1])  # ... and activeness
    first = min([*a[2], *b[2], len(a[0]), len(b[0])])
    assert first > 10
    assert a[0][:first] == b[0][:first]  # the same random numbers at every step until then
    assert runs["ff2"][0] == a[0]  # and the same policy again: the same stream throughout


def test_pairing_shrinks_the_interval_of_a_difference() -> None:
    values = per_viewer_values(
        {"ff": FollowedFirst(), "rand": Random(0)}, VALIDATION, 300, seeds=VALIDATION.seeds[:1]
    )
    table = compare_policies(values, reference="ff", n_resamples=500).set_index("policy")
    row = table.loc["rand"]
    paired = row["diff_high"] - row["diff_low"]
    unpaired = np.hypot(*(table.loc[n, "ci_high"] - table.loc[n, "ci_low"] for n in ("ff", "rand")))
    assert paired < unpaired


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="metric"):
        per_viewer_values({"ff": FollowedFirst()}, TEST, 5, metric="clicks_per_hour")
    with pytest.raises(TypeError, match="non-empty dict"):
        per_viewer_values({}, TEST, 5)
    with pytest.raises(ValueError, match="empty list"):
        per_viewer_values({"x": []}, TEST, 5)
