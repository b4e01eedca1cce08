"""Tests of LiveRoomEnv / LiveRoom-v1: gymnasium conformance, seeding, errors, one world."""

from __future__ import annotations

import dataclasses
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import ResetNeeded
from gymnasium.utils import seeding
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

import livedqn_edu.envs  # noqa: F401  (registers LiveRoom-v1)
from livedqn_edu.envs import LIVE_ROOM_ID, MAX_EPISODE_STEPS
from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.live_room import LiveRoomEnv
from livedqn_edu.envs.world import COMPONENTS, World

SPARSE = WorldConfig(n_rooms=15, always_live_share=0.0, room_seed=3)
"""A world with few rooms, so that fewer than K rooms are often live (masked slots)."""


def first_valid(obs: dict[str, np.ndarray]) -> int:
    return int(np.flatnonzero(obs["mask"])[0])


def rollout(env: gym.Env, seed: int, steps: int) -> list:
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(0)
    out = []
    for _ in range(steps):
        valid = np.flatnonzero(obs["mask"])
        obs, reward, terminated, truncated, info = env.step(int(rng.choice(valid)))
        out.append((obs["user"], obs["candidates"], obs["mask"], reward, info["choice"]))
        if terminated or truncated:
            obs, _ = env.reset()
    return out


@pytest.mark.parametrize("render_mode", [None, "ansi", "rgb_array"])
def test_check_env_passes_without_warnings(render_mode: str | None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make(LIVE_ROOM_ID, render_mode=render_mode)
        check_env(env.unwrapped)


def test_registered_with_a_step_limit() -> None:
    env = gym.make(LIVE_ROOM_ID)
    assert env.spec is not None and env.spec.max_episode_steps == MAX_EPISODE_STEPS
    assert isinstance(env.unwrapped, LiveRoomEnv)


def test_same_seed_same_trajectory_different_seed_differs() -> None:
    a = rollout(gym.make(LIVE_ROOM_ID), 7, 150)
    b = rollout(gym.make(LIVE_ROOM_ID), 7, 150)
    c = rollout(gym.make(LIVE_ROOM_ID), 8, 150)
    for x, y in zip(a, b, strict=True):
        for u, v in zip(x, y, strict=True):
            np.testing.assert_array_equal(u, v)
    assert any(
        not np.array_equal(u, v)
        for x, y in zip(a, c, strict=True)
        for u, v in zip(x, y, strict=True)
    )


@pytest.mark.parametrize(
    ("seed", "cfg"),
    [
        (0, WorldConfig(days=4)),
        (1, WorldConfig(days=4, follow_hazard=5.0, gift_logit=-2.0)),  # follows and gifts
        (2, WorldConfig(days=3, k=1)),
        (3, WorldConfig(days=3, k=3, followed_slots=2, popular_slots=2)),
        (4, dataclasses.replace(SPARSE, k=12, days=3)),
        (5, WorldConfig(days=3, followed_slots=20, max_follows=8, churn_logit=-1.0)),
    ],
)
def test_env_is_the_world_with_one_viewer(seed: int, cfg: WorldConfig) -> None:
    """The env's one-viewer body (Python floats) and the batched body give the same trajectory:
    the same mechanism functions, called in the same order, on the same random numbers."""
    env = LiveRoomEnv(config=cfg)
    obs, _ = env.reset(seed=seed)
    world = World(cfg)
    world.one_viewer_floats = False  # the batched body, with arrays of one viewer
    wobs = world.reset(1, rng=seeding.np_random(seed)[0])
    actions = np.random.default_rng(seed)
    for _ in range(300):
        np.testing.assert_allclose(obs["user"], wobs["user"][0], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(obs["candidates"], wobs["candidates"][0], rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(obs["mask"].astype(bool), wobs["mask"][0])
        slot = int(actions.choice(np.flatnonzero(obs["mask"])))
        obs, reward, terminated, truncated, info = env.step(slot)
        rewards, parts = world.step(np.array([slot]))
        wobs = world.observe()
        assert reward == pytest.approx(float(rewards[0]), rel=1e-9, abs=1e-12)
        for key in COMPONENTS:
            assert info[key] == pytest.approx(parts[key][0].item(), rel=1e-9, abs=1e-12), key
        assert info["clock_minutes"] == pytest.approx(world.t[0], rel=1e-12)
        if terminated or truncated:
            break


def test_observation_can_be_changed_without_changing_the_world() -> None:
    env = LiveRoomEnv(config=SPARSE)
    obs, _ = env.reset(seed=0)
    for _ in range(500):  # find an observation with an empty slot
        if not obs["mask"].all():
            break
        obs, _, terminated, truncated, _ = env.step(first_valid(obs))
        if terminated or truncated:
            obs, _ = env.reset()
    empty = int(np.flatnonzero(obs["mask"] == 0)[0])
    obs["mask"][:] = 1  # the caller edits its copy: the empty slot must stay empty
    obs["candidates"][:] = 99.0
    with pytest.raises(ValueError, match="empty"):
        env.step(empty)
    assert env.world.observe()["candidates"].max() <= 10.0


def test_info_carries_every_component() -> None:
    env = gym.make(LIVE_ROOM_ID)
    obs, info = env.reset(seed=0)
    assert info["room_ids"].shape == (10,)
    _, reward, _, _, info = env.step(first_valid(obs))
    assert set(COMPONENTS) <= set(info)
    assert reward == pytest.approx(0.1 * info["watch_minutes"])  # default weights


def test_reward_weights() -> None:
    env = LiveRoomEnv(reward_watch=0.0, reward_follow=1.0, reward_gift=0.5, reward_return=2.0)
    obs, _ = env.reset(seed=1)
    for _ in range(300):
        obs, reward, terminated, truncated, info = env.step(first_valid(obs))
        expected = info["follow"] + 0.5 * info["gift"] + 2.0 * info["return_visit"]
        assert reward == pytest.approx(expected)
        if terminated or truncated:
            obs, _ = env.reset()


def test_step_before_reset_raises() -> None:
    with pytest.raises(ResetNeeded, match="reset"):
        LiveRoomEnv().step(0)


@pytest.mark.parametrize("action", [10, -1, 99])
def test_out_of_range_action_raises_and_episode_goes_on(action: int) -> None:
    env = LiveRoomEnv()
    obs, _ = env.reset(seed=0)
    with pytest.raises(ValueError, match=rf"action {action} is out of range.*valid slots now: \["):
        env.step(action)
    env.step(first_valid(obs))  # the episode goes on


@pytest.mark.parametrize("action", [1.5, 2.0, "3", True, None, np.array([1, 2])])
def test_non_integer_action_raises(action: object) -> None:
    env = LiveRoomEnv()
    env.reset(seed=0)
    with pytest.raises(TypeError, match="action must be an int slot"):
        env.step(action)


def test_numpy_integer_actions_are_accepted() -> None:
    env = LiveRoomEnv()
    obs, _ = env.reset(seed=0)
    env.step(np.int64(first_valid(obs)))
    env.step(np.array(first_valid(env._obs)))  # type: ignore[arg-type]


def test_masked_action_raises_and_episode_goes_on() -> None:
    env = LiveRoomEnv(config=SPARSE)
    obs, _ = env.reset(seed=0)
    for _ in range(500):
        if not obs["mask"].all():
            break
        obs, _, terminated, truncated, _ = env.step(first_valid(obs))
        if terminated or truncated:
            obs, _ = env.reset()
    else:
        pytest.fail("expected an observation with an empty slot in the sparse world")
    masked = int(np.flatnonzero(obs["mask"] == 0)[0])
    valid = np.flatnonzero(obs["mask"]).tolist()
    with pytest.raises(ValueError, match=rf"action {masked} is an empty \(masked\) slot.*{valid}"):
        env.step(masked)
    obs2, *_ = env.step(valid[0])
    assert obs2["candidates"].shape == obs["candidates"].shape


@pytest.mark.parametrize(
    "kwargs",
    [{"k": 0}, {"days": 0}, {"reward_watch": -1.0}, {"reward_gift": -0.5}, {"reward_return": -2}],
)
def test_invalid_configuration_raises_at_construction(kwargs: dict) -> None:
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        LiveRoomEnv(**kwargs)
    with pytest.raises(ValueError, match=name):
        gym.make(LIVE_ROOM_ID, **kwargs)


def test_bad_render_mode_and_config_type() -> None:
    with pytest.raises(ValueError, match="render_mode"):
        LiveRoomEnv(render_mode="human")
    with pytest.raises(TypeError, match="WorldConfig"):
        LiveRoomEnv(config={"k": 3})  # type: ignore[arg-type]


def test_churn_terminates_and_horizon_truncates() -> None:
    churny = dataclasses.replace(WorldConfig(), base_click_utility=-50.0, churn_logit=50.0)
    env = LiveRoomEnv(config=churny)
    obs, _ = env.reset(seed=0)
    for _ in range(200):
        obs, _, terminated, truncated, info = env.step(first_valid(obs))
        if terminated or truncated:
            break
    assert terminated and not truncated and info["churn"]
    assert not obs["mask"].any()  # a finished viewer has no candidates
    with pytest.raises(ResetNeeded, match="episode is over"):
        env.step(0)

    env = LiveRoomEnv(days=1, config=dataclasses.replace(WorldConfig(), churn_logit=-50.0))
    obs, _ = env.reset(seed=0)
    for _ in range(500):
        obs, _, terminated, truncated, info = env.step(first_valid(obs))
        if terminated or truncated:
            break
    assert truncated and not terminated and not info["churn"]
    assert info["clock_minutes"] >= 24 * 60


def test_render_ansi_and_rgb() -> None:
    env = gym.make(LIVE_ROOM_ID, render_mode="ansi")
    obs, _ = env.reset(seed=0)
    text = env.render()
    assert isinstance(text, str) and "slot" in text and "day 0 (Mon)" in text
    env.step(first_valid(obs))
    assert "last: slot" in env.render()
    env = gym.make(LIVE_ROOM_ID, render_mode="rgb_array")
    obs, _ = env.reset(seed=0)
    env.step(first_valid(obs))
    img = env.render()
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    assert img.shape[0] == 10 * 24 + 40
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 4  # not blank


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(1, 12))
def test_env_properties(seed: int, k: int) -> None:
    """Watch minutes >= 0 and never past the stream's end, only live rooms, clock moves on."""
    env = LiveRoomEnv(k=k, config=SPARSE)
    obs, _ = env.reset(seed=seed)
    world = env.world
    rng = np.random.default_rng(seed)
    for _ in range(120):
        ids = world.room_ids[0]
        mask = obs["mask"].astype(bool)
        t = float(world.t[0])
        assert world.rooms.is_live(ids[mask], t).all()
        slot = int(rng.choice(np.flatnonzero(mask)))
        end = float(world.rooms.stream_end(ids[slot], t))
        obs, _, terminated, truncated, info = env.step(slot)
        assert info["watch_minutes"] >= 0
        assert t + info["watch_minutes"] <= end + 1e-9
        assert info["clock_minutes"] >= t
        if terminated or truncated:
            break
