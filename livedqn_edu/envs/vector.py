"""LiveRoomVectorEnv: the vectorised world through gymnasium's own vector API.

``num_envs`` viewers step in one :class:`~livedqn_edu.envs.world.World` (one batched numpy call
per step, not ``num_envs`` Python envs), exposed as a :class:`gymnasium.vector.VectorEnv` so that
gymnasium users step many viewers the way they already know::

    import gymnasium as gym
    import livedqn_edu  # registers the live-room envs

    envs = gym.make_vec("LiveRoom-v1", num_envs=256, vectorization_mode="vector_entry_point")
    obs, info = envs.reset(seed=0)
    obs, rewards, terminations, truncations, infos = envs.step(slots)  # slots: (256,) ints

Autoreset follows gymnasium's default *next-step* mode (``metadata["autoreset_mode"]``): after
a sub-env's episode ends (its viewer churned or passed the horizon), the next ``step`` ignores
that sub-env's action, draws a new viewer for it and returns the new viewer's first observation
with reward 0 and ``terminated = truncated = False``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.world import COMPONENTS, World

__all__ = ["LiveRoomVectorEnv"]


class LiveRoomVectorEnv(VectorEnv):
    """``num_envs`` viewers of the live-room world, stepped together (next-step autoreset).

    Observations are dicts of batched arrays: ``user`` ``(num_envs, U)``, ``candidates``
    ``(num_envs, K, F)`` float32 and ``mask`` ``(num_envs, K)`` int8, laid out by the world's
    feature spec (:attr:`features`). Actions are ``(num_envs,)`` integer slots. ``infos`` holds
    every component of :data:`~livedqn_edu.envs.world.COMPONENTS` as an ``(num_envs,)`` array,
    plus ``room_ids`` ``(num_envs, K)``.

    Args:
        num_envs: number of viewers stepping in parallel, >= 1.
        config: the world's configuration (default ``WorldConfig()``).
        max_episode_steps: steps after which a viewer's episode is truncated (None: only the
            horizon in days truncates).
        **overrides: fields of ``config`` to replace (e.g. ``k=5``, ``days=3``).
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(
        self,
        num_envs: int = 1,
        config: WorldConfig | None = None,
        max_episode_steps: int | None = None,
        **overrides: Any,
    ) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, int | np.integer) or num_envs < 1:
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        if config is not None and not isinstance(config, WorldConfig):
            raise TypeError(f"config must be a WorldConfig, got {type(config).__name__}")
        known = {f.name for f in dataclasses.fields(WorldConfig)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(f"unknown argument(s) {unknown}: pass WorldConfig fields only")
        self.config = dataclasses.replace(config or WorldConfig(), **overrides)
        self.num_envs = int(num_envs)
        self.max_episode_steps = max_episode_steps
        self.world = World(self.config)
        self.features = spec = self.world.features
        k = self.config.k
        user_low, user_high = spec.bounds("user")
        cand_low, cand_high = spec.bounds("candidates")
        self.single_observation_space = spaces.Dict(
            {
                "user": spaces.Box(user_low, user_high, user_low.shape, np.float32),
                "candidates": spaces.Box(
                    np.tile(cand_low, (k, 1)), np.tile(cand_high, (k, 1)), None, np.float32
                ),
                "mask": spaces.MultiBinary(k),
            }
        )
        self.single_action_space = spaces.Discrete(k)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._steps = np.zeros(self.num_envs, dtype=np.int64)
        self._autoreset = np.zeros(self.num_envs, dtype=bool)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Draw ``num_envs`` new viewers (from ``self.np_random``); their first observations."""
        super().reset(seed=seed)
        batch = self.world.reset(self.num_envs, rng=self.np_random)
        self._steps[:] = 0
        self._autoreset[:] = False
        return self._obs(batch), {"room_ids": batch["room_ids"]}

    def step(
        self, actions: Any
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every viewer; viewers whose episode ended at the last step are replaced first."""
        a = np.asarray(actions)
        if a.shape != (self.num_envs,) or a.dtype.kind not in "iu":
            raise ValueError(
                f"actions must be ({self.num_envs},) integer slots, got shape {a.shape} dtype "
                f"{a.dtype}"
            )
        reset = self._autoreset.copy()
        world = self.world
        world.done[reset] = True  # ended viewers are not stepped (already done, or truncated)
        a = np.where(reset, 0, a)
        rewards, parts = world.step(a)
        if reset.any():
            world.reset_viewers(np.flatnonzero(reset))
            self._steps[reset] = 0
        self._steps += ~reset
        terminated = parts["churn"].copy()
        truncated = parts["done"] & ~terminated
        if self.max_episode_steps is not None:
            truncated |= ~terminated & ~reset & (self._steps >= self.max_episode_steps)
        rewards = np.where(reset, 0.0, rewards)
        terminated[reset] = False
        truncated[reset] = False
        self._autoreset = terminated | truncated
        infos: dict[str, Any] = {key: parts[key] for key in COMPONENTS}
        batch = world.observe()
        infos["room_ids"] = batch["room_ids"]
        return self._obs(batch), rewards, terminated, truncated, infos

    def _obs(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {
            "user": batch["user"],
            "candidates": batch["candidates"],
            "mask": batch["mask"].astype(np.int8),
        }
