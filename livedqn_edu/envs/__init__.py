"""The live-room world and its gymnasium environment.

Importing this package registers ``LiveRoom-v0`` with gymnasium::

    import gymnasium as gym
    import livedqn_edu.envs  # noqa: F401  (registers LiveRoom-v0)

    env = gym.make("LiveRoom-v0", render_mode="ansi")

Modules: ``config`` (WorldConfig), ``rooms`` (rooms and schedules), ``viewers``, ``choice`` (the
response maths), ``world`` (the vectorised World), ``live_room`` (LiveRoomEnv), ``vector_eval``
(run a policy over many viewers).
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

__all__ = ["LIVE_ROOM_ID", "MAX_EPISODE_STEPS"]

LIVE_ROOM_ID = "LiveRoom-v0"
"""The gymnasium id of :class:`livedqn_edu.envs.live_room.LiveRoomEnv`."""

MAX_EPISODE_STEPS = 1_000
"""Step limit set at registration (a week of a viewer is about 80 steps; this is a safety net)."""

if LIVE_ROOM_ID not in registry:
    register(
        id=LIVE_ROOM_ID,
        entry_point="livedqn_edu.envs.live_room:LiveRoomEnv",
        max_episode_steps=MAX_EPISODE_STEPS,
    )
