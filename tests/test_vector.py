"""Tests of LiveRoomVectorEnv: gymnasium's vector API over one vectorised world."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import livedqn_edu
from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.vector import LiveRoomVectorEnv
from livedqn_edu.envs.world import COMPONENTS, World

ID = livedqn_edu.LIVE_ROOM_ID
SMALL = WorldConfig(n_rooms=120, days=2)


def random_slots(obs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    mask = obs["mask"].astype(bool)
    return np.where(mask, rng.random(mask.shape), -1.0).argmax(axis=1)


def test_make_vec_builds_one_batched_world() -> None:
    envs = gym.make_vec(ID, num_envs=6, k=4)
    assert isinstance(envs.unwrapped, LiveRoomVectorEnv)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert envs.single_action_space == gym.spaces.Discrete(4)
    obs, info = envs.reset(seed=0)
    assert obs["candidates"].shape == (6, 4, envs.unwrapped.features.width("candidates"))
    assert obs["mask"].dtype == np.int8 and info["room_ids"].shape == (6, 4)
    assert envs.observation_space.contains(obs)
    obs, rewards, terminated, truncated, infos = envs.step(
        random_slots(obs, np.random.default_rng(0))
    )
    assert rewards.shape == terminated.shape == truncated.shape == (6,)
    assert set(COMPONENTS) <= set(infos) and infos["click"].shape == (6,)
    assert envs.observation_space.contains(obs)


def test_same_dynamics_as_the_world() -> None:
    """Before any episode ends, the vector env is exactly World.step on the same generator."""
    envs = LiveRoomVectorEnv(num_envs=5, config=SMALL)
    obs, _ = envs.reset(seed=3)
    world = World(SMALL)
    wobs = world.reset(5, rng=gym.utils.seeding.np_random(3)[0])
    rng = np.random.default_rng(1)
    for _ in range(20):
        np.testing.assert_array_equal(obs["candidates"], wobs["candidates"])
        a = random_slots(obs, rng)
        obs, rewards, terminated, truncated, _ = envs.step(a)
        w_rewards, _ = world.step(a)
        wobs = world.observe()
        if terminated.any() or truncated.any():
            break
        np.testing.assert_array_equal(rewards, w_rewards)


def test_next_step_autoreset() -> None:
    envs = LiveRoomVectorEnv(num_envs=4, config=SMALL, max_episode_steps=3)
    obs, _ = envs.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(2):
        obs, rewards, terminated, truncated, _ = envs.step(random_slots(obs, rng))
        assert not (terminated | truncated).any()
    obs, rewards, terminated, truncated, _ = envs.step(random_slots(obs, rng))
    assert truncated.all() and not terminated.any()  # the third step hits max_episode_steps
    taste = envs.world.viewers.taste.copy()
    # the next step ignores the actions (even invalid ones), draws new viewers, reward 0
    obs, rewards, terminated, truncated, infos = envs.step(np.full(4, 3))
    assert (rewards == 0).all() and not (terminated | truncated).any()
    assert (infos["choice"] == -1).all()  # nobody was stepped
    v = envs.world.viewers
    assert not np.allclose(v.taste, taste) and (v.session_steps == 0).all()  # new viewers
    assert obs["mask"].any(axis=1).all()
    obs, rewards, terminated, truncated, _ = envs.step(random_slots(obs, rng))
    assert not (terminated | truncated).any()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="num_envs"):
        LiveRoomVectorEnv(num_envs=0)
    with pytest.raises(TypeError, match="unknown argument"):
        LiveRoomVectorEnv(num_envs=2, colour="red")
    envs = LiveRoomVectorEnv(num_envs=2, config=SMALL)
    envs.reset(seed=0)
    with pytest.raises(ValueError, match=r"\(2,\) integer slots"):
        envs.step(np.zeros(3, dtype=np.int64))


def test_gym_make_works_right_after_importing_the_package() -> None:
    code = f"import gymnasium as gym, livedqn_edu; env = gym.make({ID!r}); env.reset(seed=0)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
