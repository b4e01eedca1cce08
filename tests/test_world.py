"""Tests of the vectorised live-room world: maths, rooms, dynamics, properties, evaluation."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livedqn_edu.envs.choice import (
    choice_probabilities,
    expected_truncated_lognormal,
    normal_cdf,
    sigmoid,
)
from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.rooms import MINUTES_PER_DAY, make_rooms
from livedqn_edu.envs.vector_eval import (
    METRICS,
    random_policy,
    run_policy,
)
from livedqn_edu.envs.world import COMPONENTS, World, most_viewers, random_valid_slot

SMALL = WorldConfig(n_rooms=120, days=2)


@pytest.fixture(scope="module")
def world() -> World:
    return World(SMALL)


# --- pure maths --------------------------------------------------------------------------------
def test_choice_probabilities_by_hand() -> None:
    # all utilities equal: 1/3 each
    np.testing.assert_allclose(choice_probabilities(0.0, 0.0, 0.0), [1 / 3, 1 / 3, 1 / 3])
    # u = (ln 2, 0, 0): exp = (2, 1, 1), sum 4 -> (0.5, 0.25, 0.25)
    np.testing.assert_allclose(choice_probabilities(math.log(2), 0.0, 0.0), [0.5, 0.25, 0.25])
    # u = (0, 0, ln 2): closing twice as likely as each other option
    np.testing.assert_allclose(choice_probabilities(0.0, 0.0, math.log(2)), [0.25, 0.25, 0.5])


def test_choice_probabilities_is_stable_for_huge_utilities() -> None:
    p = choice_probabilities(np.array([1000.0, -1000.0]), 0.0, 0.0)
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(p[1], [0.0, 0.5, 0.5], atol=1e-12)


@given(
    u=st.lists(st.floats(-50, 50), min_size=1, max_size=20),
    b=st.floats(-50, 50),
    c=st.floats(-50, 50),
)
def test_choice_probabilities_sum_to_one(u: list[float], b: float, c: float) -> None:
    p = choice_probabilities(np.array(u), b, c)
    assert p.shape == (len(u), 3)
    assert (p >= 0).all() and (p <= 1).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)


def test_sigmoid_and_normal_cdf_by_hand() -> None:
    assert sigmoid(0.0) == 0.5
    # sigmoid(ln 3) = 1 / (1 + 1/3) = 0.75
    assert sigmoid(math.log(3)) == pytest.approx(0.75)
    assert normal_cdf(0.0) == pytest.approx(0.5, abs=1e-7)
    assert normal_cdf(1.959964) == pytest.approx(0.975, abs=1e-6)
    assert normal_cdf(-1.0) == pytest.approx(0.158655254, abs=1e-7)


def test_expected_truncated_lognormal_limits_and_monte_carlo() -> None:
    mu, sigma = math.log(6.0), 1.2
    # no cut: the log-normal mean exp(mu + s^2/2) = 6 * exp(0.72) = 12.326...
    no_cut = expected_truncated_lognormal(mu, sigma, 1e12)
    assert no_cut == pytest.approx(6.0 * math.exp(0.72), rel=1e-6)
    # a tiny cut: almost every draw is cut, so the mean is the cut itself
    assert expected_truncated_lognormal(mu, sigma, 1e-3) == pytest.approx(1e-3, rel=1e-3)
    # a cut at 10 minutes, against a Monte Carlo estimate
    x = np.random.default_rng(0).lognormal(mu, sigma, 400_000)
    mc = np.minimum(x, 10.0).mean()
    assert expected_truncated_lognormal(mu, sigma, 10.0) == pytest.approx(mc, rel=5e-3)


# --- rooms -----------------------------------------------------------------------------------
def test_room_schedules_are_consistent(world: World) -> None:
    r = world.rooms
    slot_start = np.arange(r.n_slots)[:, None] * r.slot_minutes
    # every live slot lies inside its stream: start <= slot start, slot end <= stream end
    assert (r.start[r.live] <= np.broadcast_to(slot_start, r.live.shape)[r.live]).all()
    assert (
        r.end[r.live] >= np.broadcast_to(slot_start + r.slot_minutes, r.live.shape)[r.live]
    ).all()  # noqa: E501
    assert (r.n_live == r.live.sum(axis=1)).all()
    for s in (0, 500, r.n_slots - 1):
        ids = r.live_ids[s, : r.n_live[s]]
        assert set(ids) == set(np.flatnonzero(r.live[s]))
        assert (np.diff(r.audience[ids]) <= 0).all()  # sorted by audience
        pool = np.concatenate([r.popular_ids[s], r.discovery_ids[s]])
        assert set(pool[pool >= 0]) == set(ids)
        assert r.discovery_ids[s, -1] == -1


def test_rooms_live_mostly_in_the_evening_and_more_on_weekends() -> None:
    r = make_rooms(WorldConfig(n_rooms=600), np.random.default_rng(0))
    by_hour = r.live_by_hour()  # (7, 24)
    assert by_hour[:, 20].mean() > 2 * by_hour[:, 5].mean()
    assert by_hour[5:].mean() > 1.1 * by_hour[:5].mean()


def test_audience_is_heavy_tailed() -> None:
    r = make_rooms(WorldConfig(n_rooms=2_000, popularity_exponent=1.2), np.random.default_rng(1))
    a = np.sort(r.audience)[::-1]
    # the top 10% of rooms hold far more than 10% of the audience (here well over 40%)
    assert a[:200].sum() / a.sum() > 0.4
    assert a.max() > 50 * np.median(a)


def test_slot_minutes_must_divide_an_hour() -> None:
    with pytest.raises(ValueError, match="slot_minutes"):
        make_rooms(WorldConfig(n_rooms=10, slot_minutes=7), np.random.default_rng(0))


# --- configuration errors ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [("k", 0), ("days", 0), ("reward_watch", -0.1), ("reward_gift", -1.0), ("n_rooms", 0),
     ("engagement_memory", 1.5), ("slot_minutes", 7), ("watch_sigma", 0.0)],
)  # fmt: skip
def test_invalid_config_raises(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        WorldConfig(**{field: value})


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(WorldConfig)])
def test_every_field_rejects_nan_inf_and_wrong_types(field: str) -> None:
    for bad in (float("nan"), float("inf"), -float("inf"), "3", None, True):
        with pytest.raises(ValueError, match=rf"WorldConfig\.{field} must"):
            WorldConfig(**{field: bad})


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(WorldConfig)])
def test_every_field_rejects_values_out_of_its_range(field: str) -> None:
    from livedqn_edu.envs.config import RULES

    kind, low, high = RULES[field]
    for bad in (low - 1, high + 1) if kind == "int" else (low - abs(low) - 1.0, 2 * high + 1.0):
        if kind == "int" and bad > 2**63 - 1:
            continue
        with pytest.raises(ValueError, match=rf"WorldConfig\.{field} must be in"):
            WorldConfig(**{field: bad})


def test_nan_in_a_choice_weight_names_the_field() -> None:
    # NaN once made every viewer close the app, silently
    with pytest.raises(ValueError, match=r"WorldConfig\.taste_weight must be finite, got nan"):
        WorldConfig(taste_weight=float("nan"))


def test_every_field_has_a_rule_and_a_doc() -> None:
    from livedqn_edu.envs.config import RULES

    names = {f.name for f in dataclasses.fields(WorldConfig)}
    assert set(RULES) == names
    docs = WorldConfig.field_docs()
    assert set(docs) == names and all(docs.values()), [k for k, v in docs.items() if not v]
    WorldConfig()  # the defaults obey the rules


# --- observations and steps ------------------------------------------------------------------
def test_observation_shapes_and_dtypes(world: World) -> None:
    obs = world.reset(7, seed=0)
    k, spec = SMALL.k, world.features
    assert obs["user"].shape == (7, spec.width("user")) and obs["user"].dtype == np.float32
    assert obs["candidates"].shape == (7, k, spec.width("candidates"))
    assert obs["candidates"].dtype == np.float32
    assert obs["mask"].shape == (7, k) and obs["mask"].dtype == bool
    assert (obs["room_ids"][~obs["mask"]] == -1).all()
    assert (obs["candidates"][~obs["mask"]] == 0).all()
    assert np.isfinite(obs["candidates"]).all() and np.isfinite(obs["user"]).all()


def test_candidates_are_distinct_live_and_new_to_the_session(world: World) -> None:
    obs = world.reset(50, seed=3)
    rng = np.random.default_rng(0)
    v = world.viewers
    for _ in range(15):
        for row, m in zip(obs["room_ids"], obs["mask"], strict=True):
            assert len(set(row[m])) == m.sum()
        assert world.rooms.is_live(obs["room_ids"], world.t[:, None])[obs["mask"]].all()
        # no room comes back within a session; followed rooms lead the slate
        ids = np.where(obs["mask"], obs["room_ids"], 0)
        shown = v.last_shown[np.arange(50)[:, None], ids] == v.sessions[:, None]
        assert not (shown & obs["mask"]).any()
        followed = v.followed[np.arange(50)[:, None], ids] & obs["mask"]
        assert (np.diff(followed.astype(int), axis=1) <= 0).all()
        world.step(random_valid_slot(obs, rng))
        obs = world.observe()


def test_step_before_reset_raises() -> None:
    with pytest.raises(RuntimeError, match="reset"):
        World(SMALL).step(np.zeros(1, dtype=np.int64))


def test_step_rejects_bad_actions_and_can_go_on(world: World) -> None:
    obs = world.reset(3, seed=1)
    t0 = world.t.copy()
    with pytest.raises(ValueError, match="shape"):
        world.step(np.zeros(2, dtype=np.int64))
    with pytest.raises(TypeError, match="integer slots"):
        world.step(np.zeros(3))
    with pytest.raises(ValueError, match=r"actions\[1\] = 10 is out of range"):
        world.step(np.array([0, 10, 0]))
    ids = obs["room_ids"].copy()
    world.mask[2, 4] = False  # pretend slot 4 of viewer 2 is empty
    with pytest.raises(ValueError, match=r"actions\[2\] = 4 is an empty \(masked\) slot"):
        world.step(np.array([0, 0, 4]))
    np.testing.assert_array_equal(world.t, t0)  # nothing moved
    np.testing.assert_array_equal(world.room_ids, ids)
    _, parts = world.step(np.array([0, 1, 2]))
    assert set(parts) == set(COMPONENTS)


def trajectory(config: WorldConfig, seed: int, steps: int, n: int = 20) -> list[np.ndarray]:
    w = World(config)
    obs = w.reset(n, seed=seed)
    rng = np.random.default_rng(seed + 100)
    out = [obs["candidates"]]
    for _ in range(steps):
        rewards, parts = w.step(random_valid_slot(obs, rng))
        obs = w.observe()
        out += [rewards, parts["choice"], obs["candidates"], w.t.copy()]
    return out


def test_same_seed_same_trajectory_different_seed_differs() -> None:
    a, b, c = (trajectory(SMALL, s, 30) for s in (5, 5, 6))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, y) for x, y in zip(a, c, strict=True))


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(1, 12), n_rooms=st.integers(5, 80))
def test_world_properties(seed: int, k: int, n_rooms: int) -> None:
    """Clocks never go back; watch minutes are >= 0 and never past the stream's end; only live
    rooms are ever candidates; choice probabilities sum to 1."""
    cfg = WorldConfig(n_rooms=n_rooms, k=k, days=2, room_seed=seed % 7, stay_median_minutes=30.0)
    w = World(cfg)
    obs = w.reset(16, seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(60):
        if w.done.all():
            break
        live = w.rooms.is_live(obs["room_ids"], w.t[:, None])
        assert live[obs["mask"]].all()
        np.testing.assert_allclose(w.choice_probabilities().sum(axis=-1), 1.0)
        actions = random_valid_slot(obs, rng)
        room = obs["room_ids"][np.arange(16), actions]
        t_before = w.t.copy()
        end = w.rooms.stream_end(np.maximum(room, 0), t_before)
        _, parts = w.step(actions)
        assert (w.t >= t_before).all()
        minutes = parts["watch_minutes"]
        assert (minutes >= 0).all()
        clicked = parts["click"]
        assert (t_before[clicked] + minutes[clicked] <= end[clicked] + 1e-9).all()
        assert (minutes[~clicked] == 0).all()
        obs = w.observe()


def test_long_watches_are_cut_at_the_stream_end() -> None:
    cfg = dataclasses.replace(SMALL, stay_median_minutes=1e5, stay_logit=50.0,
                              base_click_utility=20.0)  # fmt: skip
    w = World(cfg)
    obs = w.reset(30, seed=2)
    room = obs["room_ids"][:, 0]
    remaining = w.rooms.stream_end(room, w.t) - w.t
    _, parts = w.step(np.zeros(30, dtype=np.int64))
    assert parts["click"].all()
    np.testing.assert_allclose(parts["watch_minutes"], remaining)


def test_disengaged_viewers_churn() -> None:
    cfg = dataclasses.replace(
        SMALL, base_click_utility=-50.0, close_utility=5.0, churn_logit=10.0, days=5
    )
    w = World(cfg)
    w.reset(40, seed=0)
    _, parts = w.step(np.zeros(40, dtype=np.int64))
    # nobody enters, almost everybody closes the app at once, and churn is near certain
    assert (parts["churn"] == parts["session_end"]).all()
    assert parts["churn"].sum() > 30
    assert w.viewers.churned[parts["churn"]].all() and w.done[parts["churn"]].all()
    assert not parts["return_visit"][parts["churn"]].any()


def test_follows_grow_the_followed_set() -> None:
    cfg = dataclasses.replace(SMALL, follow_hazard=1e3, stay_logit=50.0, base_click_utility=20.0)
    w = World(cfg)
    obs = w.reset(10, seed=4)
    before = w.viewers.n_follows.copy()
    unfollowed = obs["mask"] & (w.features.column(obs, "followed") == 0)
    slots = unfollowed.argmax(axis=1)
    _, parts = w.step(slots)
    v = w.viewers
    assert (v.n_follows == before + parts["follow"]).all() and parts["follow"].sum() >= 8
    for i in range(10):
        listed = set(v.follow_list[i, : v.n_follows[i]].tolist())
        assert listed == set(np.flatnonzero(v.followed[i]).tolist())
    # a followed room is then worth follow_weight more utility to the viewer
    i = int(np.flatnonzero(parts["follow"])[0])
    assert v.followed[i, parts["room"][i]]


def test_better_sessions_bring_viewers_back_sooner() -> None:
    def next_day_rate(utility: float) -> float:
        cfg = dataclasses.replace(SMALL, base_click_utility=utility, days=7)
        df = run_policy(random_policy(0), 400, 7, seed=0, config=cfg)
        return df.return_visits.sum() / df.sessions.sum()

    assert next_day_rate(0.0) > next_day_rate(-8.0) + 0.03


def test_expected_immediate_reward(world: World) -> None:
    world.reset(25, seed=9)
    value = world.expected_immediate_reward()
    assert value.shape == (25, SMALL.k)
    assert (value >= 0).all() and (value[~world.mask] == 0).all()
    # expected minutes never exceed the minutes left in the stream
    ids = np.maximum(world.room_ids, 0)
    left = world.rooms.stream_end(ids, world.t[:, None]) - world.t[:, None]
    assert (world.expected_watch_minutes()[world.mask] <= left[world.mask] + 1e-9).all()


# --- evaluation ------------------------------------------------------------------------------
def test_run_policy_table() -> None:
    df = run_policy(random_policy(1), 60, 2, seed=3, config=SMALL)
    assert list(df.columns) == list(METRICS) and len(df) == 60
    assert ((df.ctr >= 0) & (df.ctr <= 1)).all()
    assert (df.clicks <= df.impressions).all() and (df.repeat_clicks <= df.clicks).all()
    assert df.churned.isin([0.0, 1.0]).all()
    assert ((df.category_diversity >= 0) & (df.category_diversity <= 1 + 1e-12)).all()
    # same seed, same table
    again = run_policy(random_policy(1), 60, 2, seed=3, config=SMALL)
    assert df.equals(again)


def test_most_viewers_shows_less_long_tail_than_random() -> None:
    r = run_policy(random_policy(0), 200, 2, seed=1, config=SMALL)
    p = run_policy(most_viewers, 200, 2, seed=1, config=SMALL)
    # most viewers shows each session's most-watched rooms first (never one room twice in a session)
    assert p.long_tail_share.mean() < r.long_tail_share.mean() - 0.03
    assert p.category_diversity.mean() < r.category_diversity.mean()


@pytest.mark.parametrize(
    ("output", "hint"),
    [
        (lambda obs: np.where(obs["mask"], 1.0, -np.inf), "scores or probabilities per slot"),
        (lambda obs: obs["mask"].argmax(axis=1).astype(float), "floats"),
        (lambda obs: obs["mask"].argmax(axis=1)[:-1], r"shape \(4,\)"),
    ],
)
def test_run_policy_says_what_a_policy_must_return(output, hint: str) -> None:
    with pytest.raises(TypeError, match=rf"a policy must return \(5,\) integer slots.*{hint}"):
        run_policy(output, 5, 1, seed=0, config=SMALL)


def test_run_policy_rejects_bad_days() -> None:
    with pytest.raises(ValueError, match="days"):
        run_policy(random_policy(0), 5, 0, seed=0)


def test_horizon_in_minutes() -> None:
    assert World(SMALL).horizon_minutes == 2 * MINUTES_PER_DAY


def test_an_ignored_room_tires_the_viewer() -> None:
    cfg = dataclasses.replace(
        SMALL, base_click_utility=-50.0, close_utility=-50.0, mean_patience=1_000.0,
        fatigue_weight=0.4, fatigue_half_life_minutes=60.0, skip_minutes=0.2,
    )  # fmt: skip
    w = World(cfg)
    obs = w.reset(5, seed=0)
    room = obs["room_ids"][:, :1]
    before = w.utilities(room)[:, 0]
    w.step(np.zeros(5, dtype=np.int64))  # everybody keeps browsing after 0.2 minutes
    # one ignored impression of that room: utility drops by fatigue_weight = 0.4, then recovers
    # with the time since it was last seen: 0.4 minutes later, 0.4 * 2 ** (-0.4 / 60)
    w.step(w.observe()["mask"].argmax(axis=1))
    np.testing.assert_allclose(before - w.utilities(room)[:, 0], 0.4 * 2 ** (-0.4 / 60), rtol=1e-6)
    assert (w.features.column(w.observe(), "recent_impressions") >= 0).all()


def test_watching_makes_a_room_familiar() -> None:
    cfg = dataclasses.replace(SMALL, base_click_utility=20.0, stay_logit=50.0,
                              familiarity_weight=0.5)  # fmt: skip
    w = World(cfg)
    obs = w.reset(6, seed=2)
    room = obs["room_ids"][:, :1]
    habit = w.viewers.habit[np.arange(6), room[:, 0]].astype(np.float64)
    before = w.utility_terms(room)["familiarity"][:, 0]
    _, parts = w.step(np.zeros(6, dtype=np.int64))
    after = w.utility_terms(room)["familiarity"][:, 0]
    minutes = parts["watch_minutes"]
    np.testing.assert_allclose(after - before, 0.5 * (np.log1p(habit + minutes) - np.log1p(habit)),
                               rtol=1e-5)  # fmt: skip


def test_entries_are_real_watches_or_bounces_and_heavy_tailed() -> None:
    df_minutes = []
    w = World(dataclasses.replace(SMALL, base_click_utility=5.0, days=3))
    obs = w.reset(400, seed=1)
    rng = np.random.default_rng(0)
    stays, bounces = [], []
    while not w.done.all():
        _, parts = w.step(random_valid_slot(obs, rng))
        obs = w.observe()
        stays += parts["watch_minutes"][parts["stay"]].tolist()
        bounces += parts["watch_minutes"][parts["click"] & ~parts["stay"]].tolist()
    stays, bounces = np.array(stays), np.array(bounces)
    assert stays.size > 100 and bounces.size > 100
    assert np.median(bounces) < 0.5 < 5 < np.median(stays)  # seconds vs minutes
    entries = np.concatenate([stays, bounces])
    assert entries.mean() / np.median(entries) > 5  # heavy tail: mean far above the median
    del df_minutes


def test_two_policies_meet_the_same_viewers() -> None:
    """Common random numbers: the same seed gives the same viewers and the same draws."""
    a, b = World(SMALL), World(SMALL)
    a.reset(30, seed=7)
    b.reset(30, seed=7)
    np.testing.assert_array_equal(a.viewers.taste, b.viewers.taste)
    np.testing.assert_array_equal(a.t, b.t)
    a.step(np.zeros(30, dtype=np.int64))
    b.step(b.mask.argmax(axis=1) * 0 + (b.mask.sum(axis=1) - 1))  # another slot
    assert a.rng.random() == b.rng.random()  # the generators stay in step


def test_observations_are_new_arrays_the_caller_may_change() -> None:
    w = World(dataclasses.replace(SMALL, n_rooms=15, always_live_share=0.0, k=12))
    obs = w.reset(20, seed=0)
    empty = ~obs["mask"] & ~w.done[:, None]
    assert empty.any()  # few rooms, twelve slots: some slots are empty
    i, j = np.argwhere(empty)[0]
    obs["mask"][:] = True  # the caller edits its observation...
    obs["room_ids"][:] = 0
    actions = w.mask.argmax(axis=1)
    actions[i] = j
    with pytest.raises(ValueError, match=rf"actions\[{i}\] = {j} is an empty"):
        w.step(actions)  # ...and the world still knows the slot is empty
    assert (w.observe()["room_ids"][empty] == -1).all()  # the edit did not reach the world
