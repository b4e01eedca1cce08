"""The live-room world and its gymnasium environments.

Importing this package (or ``livedqn_edu`` itself) registers the live-room ids with gymnasium::

    import gymnasium as gym
    import livedqn_edu  # registers LiveRoom-v1

    env = gym.make("LiveRoom-v1", render_mode="ansi")          # one viewer
    envs = gym.make_vec("LiveRoom-v1", num_envs=256)             # 256 viewers, one batched world

``gym.make_vec`` uses the registered vector entry point (:class:`LiveRoomVectorEnv`, one
vectorised world) by default; ``vectorization_mode="sync"`` builds gymnasium's
``SyncVectorEnv`` of single envs instead (same dynamics, far slower).

Modules: ``config`` (WorldConfig), ``features`` (the observation spec), ``rooms`` (rooms and
schedules), ``viewers``, ``choice`` (the response maths), ``candidates`` (the candidate
generator), ``world`` (the vectorised World: the one implementation of the dynamics),
``live_room`` (LiveRoomEnv), ``vector`` (LiveRoomVectorEnv), ``vector_eval`` (run a policy
over many viewers).
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

__all__ = ["LIVE_ROOM_ID", "MAX_EPISODE_STEPS"]

LIVE_ROOM_ID = "LiveRoom-v1"
"""The gymnasium id of the live-room env (single: ``gym.make``; batched: ``gym.make_vec``)."""

MAX_EPISODE_STEPS = 1_000
"""Step limit set at registration (a week of a viewer is about 80 steps; this is a safety net)."""

if LIVE_ROOM_ID not in registry:
    register(
        id=LIVE_ROOM_ID,
        entry_point="livedqn_edu.envs.live_room:LiveRoomEnv",
        vector_entry_point="livedqn_edu.envs.vector:LiveRoomVectorEnv",
        max_episode_steps=MAX_EPISODE_STEPS,
    )
