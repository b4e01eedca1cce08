"""LiveRoomEnv: one viewer of the live-room world as a gymnasium environment (``LiveRoom-v1``)."""

from __future__ import annotations

import dataclasses
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded

from livedqn_edu.envs import _render
from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.features import feature_spec
from livedqn_edu.envs.world import World

__all__ = ["LiveRoomEnv"]

_OVERRIDES = ("k", "days", "reward_watch", "reward_follow", "reward_gift", "reward_return")


class LiveRoomEnv(gym.Env):
    """Recommend live-streaming rooms to one viewer over a week of visits (``LiveRoom-v1``).

    ## Description
    A viewer of a live-streaming platform opens the app. At each step the recommender shows one
    of ``K`` candidate rooms that are live right now (the rooms the viewer follows first, then
    the most-watched, then discovery rooms they do not follow; never one already shown in this
    session); the viewer enters the room, keeps browsing, or closes the app (a multinomial logit
    over the room's utility: taste, quality, audience, *follow*, *familiarity*, minus *fatigue*).
    An entry is a real watch (minutes, heavy-tailed, longer for rooms that fit the viewer's
    hidden taste, cut where the stream ends) or a bounce of seconds. A real watch may earn a
    follow (a hazard per watch-hour); any entry may bring a gift (rare, heavy-tailed). A room
    shown and ignored tires the viewer for a while (impression fatigue, halving every
    ``fatigue_half_life_minutes``). A session ends when the viewer closes the app or runs out of
    patience or time; its satisfaction updates the viewer's engagement, which sets the chance
    of coming back tomorrow and of leaving for good. Rooms stream on their own weekly schedules
    (mostly in the evening). Every mechanism, its source or the assumption behind it, is listed
    in ``data/README.md``.

    The env *is* :class:`livedqn_edu.envs.world.World` with one viewer (its one-viewer body runs
    the same mechanism functions on Python floats); ``gymnasium.make_vec("LiveRoom-v1",
    num_envs=N)`` steps N viewers in one vectorised world
    (:class:`~livedqn_edu.envs.vector.LiveRoomVectorEnv`).

    ## Action Space
    ``Discrete(K)`` (``K = 10`` by default): the slot of the candidate to recommend.

    | Num | Action |
    |---|---|
    | i | show the room in candidate slot ``i`` |

    Only slots with ``mask[i] == 1`` hold a room; a masked, out-of-range or non-integer action
    raises ``ValueError``/``TypeError`` and leaves the episode as it was.

    ## Observation Space
    A ``Dict`` with three entries (``U`` user columns, ``F`` candidate columns, both from the
    world's feature spec, :mod:`livedqn_edu.envs.features`; every call returns new arrays):

    | Key | Space | Meaning |
    |---|---|---|
    | `user` | `Box(low, high, (U,), float32)` | the viewer's context (below) |
    | `candidates` | `Box(low, high, (K, F), float32)` | one row of features per slot (below) |
    | `mask` | `MultiBinary(K)` (int8) | 1 where the slot holds a live room |

    Each column holds ``clip(raw / scale, Min, Max)``. `user` columns (8 categories):

    {user_table}

    `candidates` columns (zeros in empty slots):

    {candidate_table}

    ## Rewards
    ``reward_watch * watch_minutes + reward_follow * follow + reward_gift * coins +
    reward_return * return_visit`` (default 0.1 per watch minute, the others 0). ``info``
    carries every component: ``click`` (entered), ``stay`` (a real watch), ``watch_minutes``,
    ``gift`` (coins), ``follow`` (a new follow), ``return_visit`` (the session ended and the
    viewer comes back tomorrow), ``session_end``, ``churn``, ``done``, ``choice`` (0 enter,
    1 keep browsing, 2 close the app), ``room``, ``category``, and ``room_ids`` and
    ``clock_minutes``.

    ## Starting State
    A new viewer drawn from ``self.np_random``: a monthly-active user with a taste, patience,
    activeness, gift propensity, about 10 followed rooms and a few more watched before, who
    opens the app on day 0 (a Monday) near their preferred hour. The rooms are the same in every
    episode (``config.room_seed``; see ``envs/populations.py`` for the named catalogues).

    ## Episode End
    1. Termination: the viewer leaves the platform for good (a churn chance at the end of each
       session, higher for a disengaged viewer).
    2. Truncation: the viewer's clock passes ``days`` days, or the episode reaches
       ``max_episode_steps`` (1,000 for ``LiveRoom-v1``, set at registration).

    ## Arguments
    ``gymnasium.make("LiveRoom-v1", render_mode=None, config=None, k=None, days=None,
    reward_watch=None, reward_follow=None, reward_gift=None, reward_return=None)``

    - ``render_mode``: ``None``, ``"ansi"`` (text) or ``"rgb_array"`` (``(H, W, 3)`` uint8).
    - ``config``: a :class:`WorldConfig` (default ``WorldConfig()``: the calibrated world).
    - ``k``, ``days`` and the ``reward_*`` weights override the fields of ``config`` of the same
      name. Invalid values (``k < 1``, ``days < 1``, negative weights) raise ``ValueError``.

    ## Version History
    * v1 (livedqn-edu 0.2): the world rebuilt around mechanisms a live-streaming engineer
      recognises, each calibrated to a published figure or named as a teaching assumption:
      earnable follows and repeat consumption (follow bonus, familiarity), real watches vs
      bounces, satisfaction-driven retention (engagement, return and churn), room-level
      impression fatigue with a day's half-life (v0: day-long *category* fatigue that decided
      most choices), discovery candidates and no repeats within a session, a catalogue of 1,500
      rooms of which 1-5% are live at once, heavy-tailed gifts. Observation: ``fatigue_<cat>``
      user columns replaced by ``last_session_minutes`` and ``share_<cat>``;
      ``category_fatigue`` replaced by ``recent_impressions``. ``info`` gains ``stay``.
    * v0 (livedqn-edu 0.1): initial version.

    ## Example
    >>> import gymnasium as gym
    >>> import livedqn_edu  # registers LiveRoom-v1
    >>> env = gym.make("LiveRoom-v1", k=5)
    >>> obs, info = env.reset(seed=0)
    >>> obs["candidates"].shape, obs["mask"].shape
    ((5, 14), (5,))
    >>> obs, reward, terminated, truncated, info = env.step(int(obs["mask"].argmax()))
    >>> sorted(info)[:3]
    ['category', 'choice', 'churn']
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        render_mode: str | None = None,
        config: WorldConfig | None = None,
        k: int | None = None,
        days: int | None = None,
        reward_watch: float | None = None,
        reward_follow: float | None = None,
        reward_gift: float | None = None,
        reward_return: float | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be None, 'ansi' or 'rgb_array', got {render_mode!r}"
            )
        if config is not None and not isinstance(config, WorldConfig):
            raise TypeError(f"config must be a WorldConfig, got {type(config).__name__}")
        given = dict(zip(_OVERRIDES, (k, days, reward_watch, reward_follow, reward_gift,
                                      reward_return), strict=True))  # fmt: skip
        overrides = {name: value for name, value in given.items() if value is not None}
        self.config = dataclasses.replace(config or WorldConfig(), **overrides)
        self.render_mode = render_mode
        self.world = World(self.config)
        self.features = spec = self.world.features
        self.k = k = self.config.k
        user_low, user_high = spec.bounds("user")
        cand_low, cand_high = spec.bounds("candidates")
        self.observation_space = spaces.Dict(
            {
                "user": spaces.Box(user_low, user_high, user_low.shape, np.float32),
                "candidates": spaces.Box(
                    np.tile(cand_low, (k, 1)), np.tile(cand_high, (k, 1)), None, np.float32
                ),
                "mask": spaces.MultiBinary(k),
            }
        )
        self.action_space = spaces.Discrete(k)
        self._obs: dict[str, np.ndarray] | None = None
        self._over = False
        self._last: dict[str, Any] | None = None

    # --- gymnasium API ----------------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Draw a new viewer (from ``self.np_random``) and return the first observation."""
        super().reset(seed=seed)
        batch = self.world.reset(1, rng=self.np_random)
        self._over = False
        self._last = None
        obs = self._single(batch)
        return obs, {"room_ids": batch["room_ids"][0], "clock_minutes": float(self.world.t[0])}

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        """Show the room in slot ``action``; the viewer responds; return the usual 5-tuple."""
        if self._obs is None:
            raise ResetNeeded("call env.reset(seed=...) before env.step(action)")
        if self._over:
            raise ResetNeeded("the episode is over (terminated or truncated): call env.reset()")
        slot = self._check_action(action)
        reward, info = self.world.step_one(slot)  # == World.step with one viewer
        batch = self.world.observe()
        obs = self._single(batch)
        info["room_ids"] = batch["room_ids"][0]
        info["clock_minutes"] = self.world.viewers.t.item(0)  # type: ignore[union-attr]
        terminated = info["churn"]
        truncated = info["done"] and not terminated
        self._over = terminated or truncated
        if self.render_mode is not None:
            self._last = {"slot": slot, **info}
        return obs, reward, terminated, truncated, info

    def render(self) -> str | np.ndarray | None:
        """A text (``ansi``) or picture (``rgb_array``) view of the candidates and the response."""
        if self.render_mode is None:
            gym.logger.warn("render() called with render_mode=None: pass render_mode to make()")
            return None
        if self._obs is None:
            raise ResetNeeded("call env.reset() before env.render()")
        if self.render_mode == "ansi":
            return _render.render_text(self.world, self._last)
        return _render.render_picture(self.world, self._last)

    # --- helpers ----------------------------------------------------------------------------------
    def _single(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        # the world returns new arrays at each call: the caller may change these freely
        self._mask = batch["mask"][0]
        self._obs = {
            "user": batch["user"][0],
            "candidates": batch["candidates"][0],
            "mask": self._mask.astype(np.int8),
        }
        return self._obs

    def valid_actions(self) -> list[int]:
        """The slots that hold a room right now."""
        if self._obs is None:
            raise ResetNeeded("call env.reset() first")
        return np.flatnonzero(self._mask).tolist()

    def _check_action(self, action: Any) -> int:
        if type(action) is int and 0 <= action < self.k and self._mask[action]:
            return action  # the usual case, checked in three comparisons
        if isinstance(action, np.ndarray) and action.shape == ():
            action = action.item()
        if isinstance(action, bool | np.bool_) or not isinstance(action, int | np.integer):
            raise TypeError(
                f"action must be an int slot in [0, {self.k}), got {action!r} "
                f"({type(action).__name__}); valid slots now: {self.valid_actions()}"
            )
        slot = int(action)
        if not 0 <= slot < self.k:
            raise ValueError(
                f"action {slot} is out of range: slots are 0..{self.k - 1}; "
                f"valid slots now: {self.valid_actions()}"
            )
        if not self._mask[slot]:  # the world's own mask, not the caller's copy
            raise ValueError(
                f"action {slot} is an empty (masked) slot; valid slots now: {self.valid_actions()}"
            )
        return slot


_SPEC = feature_spec()
LiveRoomEnv.__doc__ = (LiveRoomEnv.__doc__ or "").format(
    user_table="\n    ".join(_SPEC.markdown("user").splitlines()),
    candidate_table="\n    ".join(_SPEC.markdown("candidates").splitlines()),
)
