"""The live-room world, vectorised over many viewers: the one implementation of its dynamics.

A viewer opens the app; at each step the recommender shows one of ``K`` live rooms (the
candidates); the viewer clicks and watches, keeps browsing, or closes the app; the viewer's clock
moves on. Every viewer has their own clock, so a batch of ``N`` viewers steps in one call::

    world = World(WorldConfig())
    obs = world.reset(n_viewers=1_000, seed=0)
    rng = np.random.default_rng(0)
    while not world.done.all():
        rewards, parts = world.step(random_valid_slot(obs, rng))  # (N,), dict of (N,) arrays
        obs = world.observe()

The gymnasium env (:class:`~livedqn_edu.envs.live_room.LiveRoomEnv`) is this world with one
viewer, and the vector env (:class:`~livedqn_edu.envs.vector.LiveRoomVectorEnv`) is this world
with ``num_envs`` viewers: there is no second copy of the dynamics.

Observation (:meth:`World.observe`), batched over viewers, laid out by :attr:`World.features`
(:mod:`livedqn_edu.envs.features`):

- ``user`` ``(N, U)`` float32: the viewer's context;
- ``candidates`` ``(N, K, F)`` float32: the rooms in the slots, zeros in empty slots;
- ``mask`` ``(N, K)`` bool: True where a slot holds a room;
- ``room_ids`` ``(N, K)`` int64: the room in each slot, -1 for an empty slot.

Every call returns new arrays: changing them never changes the world.

The step, top to bottom (:meth:`World.step`): the viewer chooses between entering the shown room,
keeping on browsing and closing the app (a multinomial logit over the room's utility terms);
an entry is a real watch or a bounce of seconds, cut where the stream ends; a real watch may
earn a follow and any entry a gift; ignored rooms tire the viewer (impression fatigue); the clock
moves on; a session that ends updates the viewer's engagement, which sets the chance of coming
back tomorrow and of leaving for good. Each formula is one pure function of
:mod:`livedqn_edu.envs.response`, shared with the oracle's expectations.

Randomness: each step draws the same block of random numbers for every viewer (columns of
``_UNIFORMS`` and ``_NORMALS``), whatever the policy does, so two policies run on the same seed
meet the same viewers with the same random stream (common random numbers).
"""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np

from livedqn_edu.envs.candidates import build_candidates
from livedqn_edu.envs.choice import SCALAR, choice_probabilities, click_browse_probabilities
from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.features import FeatureSpec, feature_spec
from livedqn_edu.envs.response import (
    UTILITY_TERMS,
    churn_probability,
    engagement_after,
    expected_watch_minutes,
    fatigue_now,
    fatigue_stored,
    follow_probability,
    geometric,
    gift_probability,
    return_probability,
    satisfaction,
    stay_probability,
    utility_terms,
    watch_log_mean,
)
from livedqn_edu.envs.rooms import MINUTES_PER_DAY, MINUTES_PER_WEEK, make_rooms
from livedqn_edu.envs.viewers import Viewers, make_viewers, start_sessions, visit_times

__all__ = ["COMPONENTS", "World", "WorldConfig", "most_viewers", "random_valid_slot"]

COMPONENTS: tuple[str, ...] = (
    "click", "stay", "watch_minutes", "gift", "follow", "return_visit", "session_end", "churn",
    "done", "choice", "room", "category",
)  # fmt: skip
"""Keys of the components dict of :meth:`World.step` (each ``(N,)``): ``click`` (entered the
room), ``stay`` (a real watch, not a bounce), ``watch_minutes``, ``gift`` (coins), ``follow``
(a new follow), ``return_visit`` (the session ended and the viewer comes back tomorrow),
``session_end``, ``churn``, ``done``, ``choice`` (0/1/2 = enter/browse/close), ``room`` and
``category`` of the shown room (-1 for viewers already done)."""

_UNIFORMS = ("choice", "stay", "gift", "follow", "offset", "return_days", "churn", "budget")
"""Uniform draws per viewer and step, by column."""
_NORMALS = ("watch", "gift_size", "visit_hour")
"""Standard normal draws per viewer and step, by column."""
_U = {name: i for i, name in enumerate(_UNIFORMS)}
_Z = {name: i for i, name in enumerate(_NORMALS)}
_IDLE = {
    "click": False, "stay": False, "watch_minutes": 0.0, "gift": 0.0, "follow": False,
    "return_visit": False, "session_end": False, "churn": False, "done": False, "choice": -1,
    "room": -1, "category": -1,
}  # fmt: skip
"""The components of a viewer already done (nothing happens)."""


def random_valid_slot(obs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A uniformly random non-empty slot per viewer (slot 0 if a row has none), ``(N,)`` int64."""
    scores = rng.random(obs["mask"].shape)
    scores[~obs["mask"]] = -1.0
    return scores.argmax(axis=1)


def most_viewers(obs: dict[str, np.ndarray], spec: FeatureSpec | None = None) -> np.ndarray:
    """The slot whose room has the largest audience (``log_audience``), ``(N,)`` int64."""
    audience = (spec or feature_spec()).column(obs, "log_audience")
    return np.where(obs["mask"], audience, -np.inf).argmax(axis=1)


class World:
    """The live-room world: rooms fixed by ``config.room_seed``, viewers drawn at each reset.

    Args:
        config: the world's knobs (:class:`WorldConfig`); default ``WorldConfig()``.

    Attributes:
        config: the configuration.
        rooms: the rooms and their weekly schedules (:class:`Rooms`).
        features: the observation layout (:class:`~livedqn_edu.envs.features.FeatureSpec`).
        viewers: the viewers' traits and state after :meth:`reset` (:class:`Viewers`).
        rng: the generator all the dynamics draw from (set by :meth:`reset`).
        one_viewer_floats: step a one-viewer world with Python floats (True; the batched
            body gives the same trajectory, slower).
        room_ids: ``(N, K)`` int64, the current candidates (-1 for an empty slot).
        mask: ``(N, K)`` bool, True where a slot holds a room.
    """

    one_viewer_floats: bool = True

    def __init__(self, config: WorldConfig | None = None) -> None:
        if config is not None and not isinstance(config, WorldConfig):
            raise TypeError(f"config must be a WorldConfig, got {type(config).__name__}")
        self.config = c = config or WorldConfig()
        self.rooms = r = make_rooms(c, np.random.default_rng(c.room_seed))
        self.features = feature_spec(c.n_categories, c.max_follows, c.days)
        # Per-room tables padded with one extra room at the end, read by the empty slot id -1.
        self._width = r.n_rooms + 1
        self._live = np.hstack([r.live, np.zeros((r.n_slots, 1), dtype=bool)])
        self._end = np.hstack([r.end, np.zeros((r.n_slots, 1), dtype=r.end.dtype)])
        self._start = np.hstack([r.start, np.zeros((r.n_slots, 1), dtype=r.start.dtype)])
        self._category = np.append(r.category, 0)
        self._log_audience = np.append(np.log(r.audience / c.min_audience), 0.0)
        self._quality = np.append(r.quality, 0.0)
        # the raw features that depend on the room only: category one-hot, log audience
        self._room_features = np.zeros((self._width, c.n_categories + 1), dtype=np.float32)
        self._room_features[np.arange(r.n_rooms), r.category] = 1.0
        self._room_features[:, -1] = self._log_audience
        self.viewers: Viewers | None = None
        self.rng: np.random.Generator | None = None
        self.room_ids = np.zeros((0, c.k), dtype=np.int64)
        self.mask = np.zeros((0, c.k), dtype=bool)
        self._rows = self._row_base = np.zeros(0, dtype=np.int64)

    # --- state ----------------------------------------------------------------------------------
    def _v(self) -> Viewers:
        if self.viewers is None:
            raise RuntimeError("the world has no viewers yet: call world.reset(n_viewers, seed)")
        return self.viewers

    @property
    def n(self) -> int:
        """Number of viewers (0 before :meth:`reset`)."""
        return 0 if self.viewers is None else self.viewers.n

    @property
    def t(self) -> np.ndarray:
        """``(N,)`` float64, each viewer's clock in minutes since Monday 00:00 of day 0."""
        return self._v().t

    @property
    def done(self) -> np.ndarray:
        """``(N,)`` bool, viewers who churned or passed the horizon."""
        return self._v().done

    @property
    def horizon_minutes(self) -> float:
        """The horizon, in minutes of a viewer's clock."""
        return float(self.config.days * MINUTES_PER_DAY)

    def reset(
        self, n_viewers: int, seed: int | None = None, rng: np.random.Generator | None = None
    ) -> dict[str, np.ndarray]:
        """Draw ``n_viewers`` new viewers and return the first observation.

        Args:
            n_viewers: number of viewers, >= 1.
            seed: seed of a new generator (ignored if ``rng`` is given).
            rng: a generator to draw from (the gymnasium env passes its ``np_random``).

        Returns:
            The batched observation dict (see :meth:`observe`).
        """
        if isinstance(n_viewers, bool) or not isinstance(n_viewers, int | np.integer):
            raise TypeError(f"n_viewers must be an int >= 1, got {n_viewers!r}")
        if n_viewers < 1:
            raise ValueError(f"n_viewers must be >= 1, got {n_viewers}")
        n = int(n_viewers)
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.viewers = make_viewers(n, self.rooms, self.config, self.rng)
        self._rows = np.arange(n)
        self._row_base = self._rows * self._width
        self._refresh(self.rng.random(n))
        return self.observe()

    def reset_viewers(self, idx: np.ndarray) -> None:
        """Replace viewers ``idx`` by new ones (drawn from :attr:`rng`), e.g. for autoreset."""
        v = self._v()
        idx = np.asarray(idx, dtype=np.int64)
        if idx.size == 0:
            return
        new = make_viewers(idx.size, self.rooms, self.config, self.rng)
        for f in dataclasses.fields(Viewers):
            getattr(v, f.name)[idx] = getattr(new, f.name)
        # the new viewers' first candidates (the others keep theirs)
        c, r = self.config, self.rooms
        slot = r.slot_of(new.t)
        self._slot[idx] = slot
        self.room_ids[idx], self.mask[idx] = build_candidates(
            slot, new.follow_list, int(new.n_follows.max(initial=0)), new.followed,
            new.last_shown, new.sessions, self._live, r.popular_ids, r.discovery_ids, r.n_live,
            self.rng.random(idx.size), c.k, c.followed_slots,
        )  # fmt: skip

    def fork(self, rng: np.random.Generator) -> World:
        """A copy sharing the rooms, with its own copy of the viewers' state and generator ``rng``.

        Planners simulate futures on forks; the real world is never changed by a fork's steps.
        """
        sim = copy.copy(self)
        sim.viewers = self._v().copy()
        sim.room_ids, sim.mask = self.room_ids.copy(), self.mask.copy()
        sim.rng = rng
        return sim

    # --- availability and candidates ------------------------------------------------------------
    def live_mask(self, t: np.ndarray | None = None) -> np.ndarray:
        """``(N, n_rooms)`` bool: rooms live at each viewer's clock (or at times ``t`` ``(N,)``)."""
        t = self.t if t is None else np.asarray(t, dtype=np.float64)
        return self.rooms.live[self.rooms.slot_of(t)]

    def candidates(self, offsets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Build K slots per viewer from the rooms live at their clock (see
        :func:`~livedqn_edu.envs.candidates.build_candidates`).

        Returns:
            ``room_ids`` ``(N, K)`` int64 (-1 for an empty slot) and ``mask`` ``(N, K)`` bool.
        """
        v, c, r = self._v(), self.config, self.rooms
        if offsets is None:
            offsets = self.rng.random(v.n)
        self._slot = slot = (v.t // r.slot_minutes).astype(np.int64) % r.n_slots  # (slot_of)
        n_follows = v.n_follows.item(0) if v.n == 1 else int(v.n_follows.max(initial=0))
        return build_candidates(
            slot, v.follow_list, n_follows, v.followed,
            v.last_shown, v.sessions, self._live, r.popular_ids, r.discovery_ids, r.n_live,
            np.asarray(offsets, dtype=np.float64), c.k, c.followed_slots,
        )  # fmt: skip

    def _refresh(self, offsets: np.ndarray) -> None:
        """Rebuild the candidates; viewers facing no live room at all skip to their next visit."""
        v = self._v()
        self.room_ids, self.mask = self.candidates(offsets)
        if self.mask.any(axis=1).all() and not v.done.any():
            return  # every viewer is active and has something to watch (the usual case)
        stuck = ~v.done & ~self.mask.any(axis=1)
        for _ in range(8 * self.config.days):
            if not stuck.any():
                break
            idx = np.flatnonzero(stuck)
            draws = self.rng.random((idx.size, len(_UNIFORMS)))
            normals = self.rng.standard_normal((idx.size, len(_NORMALS)))
            self._end_sessions(idx, draws, normals, forced=True)
            self.room_ids, self.mask = self.candidates(offsets)
            stuck = ~v.done & ~self.mask.any(axis=1)
        if v.done.any():
            self.room_ids[v.done] = -1
            self.mask[v.done] = False

    # --- observation ------------------------------------------------------------------------------
    def observe(self) -> dict[str, np.ndarray]:
        """The batched observation: ``user``, ``candidates``, ``mask``, ``room_ids`` (new arrays).

        The raw quantities are computed here; :attr:`features` places, scales and clips them.
        """
        v, c = self._v(), self.config
        t = v.t
        angle = t * (2 * np.pi / MINUTES_PER_DAY)
        day = (t // MINUTES_PER_DAY) % 7
        share = v.category_minutes / np.maximum(v.category_minutes.sum(axis=1, keepdims=True), 1.0)
        user = self.features.assemble(
            "user",
            {
                "hour_sin": np.sin(angle), "hour_cos": np.cos(angle), "weekend": day >= 5,
                "day_of_week": day, "session_steps": v.session_steps,
                "session_minutes": v.session_minutes_watched,
                "last_session_minutes": v.last_session_minutes, "follows": v.n_follows,
                "horizon_elapsed": t, "category_share": share,
            },
            (v.n,),
        )  # fmt: skip
        ids, mask = self.room_ids, self.mask
        flat = self._row_base[:, None] + ids
        tc = t[:, None]
        slot = self._slot  # the schedule slot of each clock, set by the last refresh
        cands = self.features.assemble(
            "candidates",
            {
                "room": self._room_features.take(ids, axis=0),
                "followed": v.followed.take(flat),
                "log_past_minutes": np.log1p(v.habit.take(flat)),
                "hours_live": tc % MINUTES_PER_WEEK - self._start.take(
                    (slot * self._width)[:, None] + ids),
                "recent_impressions": self._fatigue_now(flat, tc),
                "category_share": share.take(
                    (self._rows * c.n_categories)[:, None] + self._category.take(ids)),
            },
            mask.shape,
        )  # fmt: skip
        cands *= mask[:, :, None]
        return {"user": user, "candidates": cands, "mask": mask.copy(), "room_ids": ids.copy()}

    # --- the response model (hidden from policies; read by oracles and the data card) ------------
    def _fatigue_now(self, flat: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Ignored impressions of each (viewer, room) entry ``flat``, decayed to clock ``t``."""
        return fatigue_now(self._v().fatigue.take(flat), t, self.config.fatigue_half_life_minutes)

    def _pairs(self, room_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flat (viewer, room) indices of ``room_ids`` ``(N, M)`` and the clock ``(N, 1)``."""
        return self._row_base[:, None] + room_ids, self._v().t[:, None]

    def utility_terms(self, room_ids: np.ndarray) -> dict[str, np.ndarray]:
        """The terms of the utility of showing each room (see
        :func:`~livedqn_edu.envs.response.utility_terms`), each ``(N, M)`` float64.

        Args:
            room_ids: ``(N, M)`` int64 room ids (-1 allowed: the value is then meaningless).
        """
        v = self._v()
        ids = np.asarray(room_ids, dtype=np.int64)
        flat, t = self._pairs(ids)
        terms = utility_terms(
            v.match.take(flat).astype(np.float64), self._quality.take(ids),
            self._log_audience.take(ids), v.followed.take(flat),
            v.habit.take(flat).astype(np.float64), self._fatigue_now(flat, t), self.config,
        )  # fmt: skip
        pairs = zip(UTILITY_TERMS, terms, strict=True)
        return {name: np.broadcast_to(x, ids.shape) for name, x in pairs}

    def utilities(self, room_ids: np.ndarray) -> np.ndarray:
        """Hidden utility of showing each room to each viewer, ``(N, M)`` float64 (the sum of
        :meth:`utility_terms`)."""
        return sum(self.utility_terms(room_ids).values())  # type: ignore[return-value]

    def choice_probabilities(self, room_ids: np.ndarray | None = None) -> np.ndarray:
        """Probabilities of (enter, keep browsing, close the app) for showing each room.

        Args:
            room_ids: ``(N, M)`` room ids; default the current candidates ``(N, K)``.

        Returns:
            ``(N, M, 3)`` float64, summing to 1 on the last axis.
        """
        ids = self.room_ids if room_ids is None else np.asarray(room_ids, dtype=np.int64)
        c = self.config
        return choice_probabilities(self.utilities(ids), c.browse_utility, c.close_utility)

    def minutes_left(self, room_ids: np.ndarray) -> np.ndarray:
        """Minutes until each room's current stream ends, at each viewer's clock, ``(N, M)``."""
        ids = np.asarray(room_ids, dtype=np.int64)
        return self._minutes_left(ids, self._v().t[:, None])

    def _minutes_left(self, room: np.ndarray, t: np.ndarray) -> np.ndarray:
        slot = (t // self.rooms.slot_minutes).astype(np.int64) % self.rooms.n_slots
        end = self._end.take(slot * self._width + room)
        return (t // MINUTES_PER_WEEK) * MINUTES_PER_WEEK + end - t

    def expected_watch_minutes(self, room_ids: np.ndarray | None = None) -> np.ndarray:
        """Mean watch minutes if the viewer enters each room (stays and bounces, cut at the
        stream end), ``(N, M)``."""
        ids = self.room_ids if room_ids is None else np.asarray(room_ids, dtype=np.int64)
        flat, t = self._pairs(ids)
        return expected_watch_minutes(
            self._v().match.take(flat).astype(np.float64), self._quality.take(ids),
            self._minutes_left(ids, t), self.config,
        )  # fmt: skip

    def expected_immediate_reward(self) -> np.ndarray:
        """Expected reward of showing each current candidate, ``(N, K)`` float64 (0 if empty).

        See :meth:`expected_reward`; empty slots get 0.
        """
        return np.where(self.mask, self.expected_reward(self.room_ids), 0.0)

    def expected_reward(self, room_ids: np.ndarray) -> np.ndarray:
        """Expected immediate reward of showing each room to each viewer, ``(N, M)`` float64.

        ``P(enter) * (w_watch E[minutes] + w_gift P(gift) E[coins] + w_follow P(follow))``, with
        the expected minutes plugged into the gift and follow probabilities (an approximation:
        they depend on the random minutes). Return visits are not immediate and not included.

        Args:
            room_ids: ``(N, M)`` rooms live at each viewer's clock (-1: a meaningless value).
        """
        v, c = self._v(), self.config
        ids = np.asarray(room_ids, dtype=np.int64)
        flat, t = self._pairs(ids)
        p_enter = self.choice_probabilities(ids)[..., 0]
        minutes = self.expected_watch_minutes(ids)
        value = c.reward_watch * minutes
        followed = v.followed.take(flat)
        if c.reward_gift > 0:
            coins = c.gift_median_coins * np.exp(0.5 * c.gift_sigma**2)
            p_gift = gift_probability(minutes, v.gift_propensity[:, None], followed, c)
            value = value + c.reward_gift * p_gift * coins
        if c.reward_follow > 0:
            match = v.match.take(flat).astype(np.float64)
            p_stay = stay_probability(match, self._quality.take(ids), c)
            p_follow = p_stay * follow_probability(minutes, match, c)
            value = value + c.reward_follow * p_follow * ~followed
        return p_enter * value

    # --- dynamics -------------------------------------------------------------------------------
    def _check_actions(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Validated slots (0 for viewers already done) and the active viewers, both ``(N,)``."""
        v, k = self._v(), self.config.k
        a = np.asarray(actions)
        if a.shape != (v.n,):
            raise ValueError(
                f"actions must have shape ({v.n},) (one slot per viewer), got {a.shape}"
            )
        if a.dtype.kind not in "iu":
            raise TypeError(
                f"actions must be integer slots in [0, {k}), got dtype {a.dtype}; a policy "
                "returns slots (e.g. scores.argmax(axis=1)), not scores or probabilities"
            )
        active = ~v.done
        bad = active & ((a < 0) | (a >= k))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"actions[{i}] = {a[i]} is out of range: slots are 0..{k - 1}")
        a = np.where(active, a, 0)
        masked = active & ~self.mask[self._rows, a]
        if masked.any():
            i = int(np.flatnonzero(masked)[0])
            raise ValueError(
                f"actions[{i}] = {a[i]} is an empty (masked) slot; valid slots for viewer {i}: "
                f"{np.flatnonzero(self.mask[i]).tolist()}"
            )
        return a, active

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Show each viewer the room in slot ``actions[i]``; every viewer responds; clocks move on.

        Args:
            actions: ``(N,)`` integer slots in ``[0, K)``, each on a non-empty slot for viewers
                not done (entries of viewers already done are ignored).

        Returns:
            ``rewards`` ``(N,)`` float64 (the weighted sum of the components with the config's
            reward weights) and the components dict (keys :data:`COMPONENTS`, each ``(N,)``).

        Raises:
            TypeError: non-integer actions.
            ValueError: wrong shape, a slot out of range or an empty (masked) slot.
        """
        if self._v().n == 1 and self.one_viewer_floats:
            reward, outcome = self.step_one(actions)
            return np.array([reward]), {key: np.array([value]) for key, value in outcome.items()}
        a, active = self._check_actions(actions)
        v, c, rng = self._v(), self.config, self.rng
        n = v.n
        draws = rng.random((n, len(_UNIFORMS)))
        normals = rng.standard_normal((n, len(_NORMALS)))
        room = np.where(active, self.room_ids[self._rows, a], -1)
        flat = self._row_base + room
        t = v.t
        match = v.match.take(flat).astype(np.float64)
        quality = self._quality.take(room)
        followed = v.followed.take(flat)
        fatigue = self._fatigue_now(flat, t)
        # 1. the choice: enter the shown room, keep browsing, or close the app
        u = sum(utility_terms(match, quality, self._log_audience.take(room), followed,
                              v.habit.take(flat).astype(np.float64), fatigue, c))  # fmt: skip
        p_enter, p_browse = click_browse_probabilities(u, c.browse_utility, c.close_utility)
        click = active & (draws[:, _U["choice"]] < p_enter)
        browse = active & ~click & (draws[:, _U["choice"]] < p_enter + p_browse)
        close = active & ~click & ~browse
        # 2. watching: a real watch or a bounce of seconds, cut where the stream ends
        stay = click & (draws[:, _U["stay"]] < stay_probability(match, quality, c))
        log_mean = np.where(stay, watch_log_mean(match, quality, c), c.log_bounce_median)
        sigma = np.where(stay, c.watch_sigma, c.bounce_sigma)
        minutes = np.minimum(np.exp(log_mean + sigma * normals[:, _Z["watch"]]),
                             self._minutes_left(room, t))  # fmt: skip
        minutes = np.where(click, minutes, 0.0)
        # 3. follows (after a real watch) and gifts (during any entry)
        p_follow = follow_probability(minutes, match, c)
        follow = stay & ~followed & (v.n_follows < c.max_follows)
        follow &= draws[:, _U["follow"]] < p_follow
        p_gift = gift_probability(minutes, v.gift_propensity, followed, c)
        gifted = click & (draws[:, _U["gift"]] < p_gift)
        size = c.gift_median_coins * np.exp(c.gift_sigma * normals[:, _Z["gift_size"]])
        coins = np.where(gifted, size, 0.0)
        # 4. memory: minutes per room and category, follows, rooms shown, fatigue of ignored rooms
        if click.any():
            idx = np.flatnonzero(click)
            v.habit.reshape(-1)[flat[idx]] += minutes[idx]
            v.category_minutes[idx, self._category[room[idx]]] += minutes[idx]
            if follow.any():
                new = np.flatnonzero(follow)
                v.followed.reshape(-1)[flat[new]] = True
                v.follow_list[new, v.n_follows[new]] = room[new]
                v.n_follows[new] += 1
            resort = idx[v.followed.take(flat[idx])]  # a followed room gained minutes
            if resort.size:
                v.sort_follows(resort)
        v.last_shown.reshape(-1)[flat[active]] = v.sessions[active]
        ignored = active & ~click
        if ignored.any():
            at = flat[ignored]
            h = c.fatigue_half_life_minutes
            v.fatigue.reshape(-1)[at] = fatigue_stored(fatigue[ignored] + 1.0, t[ignored], h)
        # 5. the clock, and the session's patience and time budget
        dt = minutes + c.skip_minutes * (browse | click)
        v.t += dt
        v.budget_left -= dt
        v.session_steps += active
        v.session_minutes_watched += minutes
        v.patience_left -= browse
        session_end = active & (close | (v.patience_left <= 0) | (v.budget_left <= 0))
        # 6. the end of a session: engagement, churn, and the day of the next visit
        returned = np.zeros(n, dtype=bool)
        churned = np.zeros(n, dtype=bool)
        if session_end.any():
            idx = np.flatnonzero(session_end)
            returned[idx], churned[idx] = self._end_sessions(idx, draws[idx], normals[idx])
        past = active & ~v.done & (v.t >= self.horizon_minutes)
        v.done |= past
        self._refresh(draws[:, _U["offset"]])
        parts = {
            "click": click,
            "stay": stay,
            "watch_minutes": minutes,
            "gift": coins,
            "follow": follow,
            "return_visit": returned,
            "session_end": session_end | past,
            "churn": churned,
            "done": active & v.done,
            "choice": np.where(active, np.where(click, 0, np.where(browse, 1, 2)), -1),
            "room": room,
            "category": np.where(active, self._category.take(room), -1),
        }
        rewards = (
            c.reward_watch * minutes + c.reward_follow * follow + c.reward_gift * coins
            + c.reward_return * returned
        )  # fmt: skip
        return rewards, parts

    def step_one(self, actions: int | np.ndarray) -> tuple[float, dict[str, float | int | bool]]:
        """:meth:`step` for a world of one viewer, with Python floats (the gymnasium env's path).

        Returns:
            The reward and the components (:data:`COMPONENTS`) as Python numbers.


        The same mechanism functions as the batched body, called in the same order on the same
        random numbers (``xp=SCALAR``); ``tests/test_live_room.py`` checks both give the same
        trajectory. A one-element array costs about ten times more per operation than a float,
        which would make a one-viewer env ten times slower.
        """
        v, c, rng = self._v(), self.config, self.rng
        slot = self._check_one(actions)
        draws = rng.random(len(_UNIFORMS)).tolist()
        normals = rng.standard_normal(len(_NORMALS)).tolist()
        if slot is None:  # the viewer is done: nothing happens
            self._refresh(np.array([draws[_U["offset"]]]))
            return 0.0, dict(_IDLE)
        room = int(self.room_ids[0, slot])
        t = v.t.item(0)
        match, quality = v.match.item(0, room), self._quality.item(room)
        followed = bool(v.followed[0, room])
        fatigue = fatigue_now(v.fatigue.item(0, room), t, c.fatigue_half_life_minutes, SCALAR)
        # 1. the choice: enter the shown room, keep browsing, or close the app
        u = sum(utility_terms(match, quality, self._log_audience.item(room), followed,
                              v.habit.item(0, room), fatigue, c, SCALAR))  # fmt: skip
        p_enter, p_browse = click_browse_probabilities(u, c.browse_utility, c.close_utility,
                                                       SCALAR)  # fmt: skip
        click = draws[_U["choice"]] < p_enter
        browse = not click and draws[_U["choice"]] < p_enter + p_browse
        # 2. watching: a real watch or a bounce of seconds, cut where the stream ends
        stay = click and draws[_U["stay"]] < stay_probability(match, quality, c, SCALAR)
        minutes = 0.0
        if click:
            log_mean, sigma = (
                (watch_log_mean(match, quality, c), c.watch_sigma) if stay
                else (c.log_bounce_median, c.bounce_sigma)
            )  # fmt: skip
            week = t // MINUTES_PER_WEEK * MINUTES_PER_WEEK  # (the slot is that of the clock t)
            left = week + self._end.item(self._slot.item(0), room) - t
            minutes = min(math.exp(log_mean + sigma * normals[_Z["watch"]]), left)
        # 3. follows (after a real watch) and gifts (during any entry)
        follow = (
            stay and not followed and v.n_follows.item(0) < c.max_follows
            and draws[_U["follow"]] < follow_probability(minutes, match, c, SCALAR)
        )  # fmt: skip
        p_gift = gift_probability(minutes, v.gift_propensity.item(0), followed, c, SCALAR)
        coins = 0.0
        if click and draws[_U["gift"]] < p_gift:
            coins = c.gift_median_coins * math.exp(c.gift_sigma * normals[_Z["gift_size"]])
        # 4. memory: minutes per room and category, follows, rooms shown, fatigue of ignored rooms
        if click:
            v.habit[0, room] = v.habit.item(0, room) + minutes  # float64 sum, as batched
            v.category_minutes[0, self._category[room]] += minutes
            if follow:
                v.followed[0, room] = True
                v.follow_list[0, v.n_follows[0]] = room
                v.n_follows[0] += 1
            if followed or follow:
                v.sort_follows(self._rows)
        else:
            h = c.fatigue_half_life_minutes
            v.fatigue[0, room] = fatigue_stored(fatigue + 1.0, t, h, SCALAR)
        v.last_shown[0, room] = v.sessions[0]
        # 5. the clock, and the session's patience and time budget
        dt = minutes + (c.skip_minutes if click or browse else 0.0)
        v.t[0] = t + dt
        v.budget_left[0] -= dt
        v.session_steps[0] += 1
        v.session_minutes_watched[0] += minutes
        v.patience_left[0] -= browse
        session_end = not (click or browse) or v.patience_left[0] <= 0 or v.budget_left[0] <= 0
        # 6. the end of a session: engagement, churn, and the day of the next visit
        returned = churned = False
        if session_end:
            r, ch = self._end_sessions(self._rows, np.array([draws]), np.array([normals]))
            returned, churned = bool(r[0]), bool(ch[0])
        past = not v.done[0] and v.t[0] >= self.horizon_minutes
        if past:
            v.done[0] = True
        self._refresh(np.array([draws[_U["offset"]]]))
        outcome = {
            "click": click, "stay": stay, "watch_minutes": minutes, "gift": coins,
            "follow": follow, "return_visit": returned, "session_end": session_end or past,
            "churn": churned, "done": bool(v.done[0]), "choice": 0 if click else 2 - browse,
            "room": room, "category": int(self._category[room]),
        }  # fmt: skip
        reward = (
            c.reward_watch * minutes + c.reward_follow * follow + c.reward_gift * coins
            + c.reward_return * returned
        )  # fmt: skip
        return reward, outcome

    def _check_one(self, actions: int | np.ndarray) -> int | None:
        """The validated slot of a one-viewer world (an int, or a ``(1,)`` array), None if the
        viewer is done."""
        if isinstance(actions, int) and not isinstance(actions, bool):
            slot, actions = actions, np.array([actions])
        else:
            a = np.asarray(actions)
            if a.shape != (1,) or a.dtype.kind not in "iu":
                self._check_actions(a)  # raises the batched error message
            slot = a.item(0)
        if self._v().done[0]:
            return None
        if not 0 <= slot < self.config.k or not self.mask[0, slot]:
            self._check_actions(np.asarray(actions))  # raises the error naming the slot
        return slot

    def _end_sessions(
        self, idx: np.ndarray, draws: np.ndarray, normals: np.ndarray, forced: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """End the sessions of viewers ``idx``: engagement, churn, and the next visit.

        The session's satisfaction updates the viewer's engagement
        (:func:`~livedqn_edu.envs.response.engagement_after`); the viewer then leaves for good
        with :func:`~livedqn_edu.envs.response.churn_probability`, or comes back after ``d``
        days, ``d ~ Geometric(p)`` with ``p`` the
        :func:`~livedqn_edu.envs.response.return_probability`, near their preferred hour.
        ``forced`` (nothing live to show) skips to the next day and changes nothing else.

        Args:
            idx: ``(m,)`` viewers whose session ends.
            draws: ``(m, len(_UNIFORMS))`` uniforms; normals: ``(m, len(_NORMALS))``.

        Returns:
            ``returned`` (next-day return, bool) and ``churned`` (bool), both ``(m,)``.
        """
        v, c = self._v(), self.config
        if forced:
            days = np.ones(idx.size)
            churned = np.zeros(idx.size, dtype=bool)
        else:
            minutes = v.session_minutes_watched[idx]
            engagement = engagement_after(v.engagement[idx], satisfaction(minutes, c), c)
            v.engagement[idx] = engagement
            v.last_session_minutes[idx] = minutes
            churned = draws[:, _U["churn"]] < churn_probability(engagement, c)
            p_return = return_probability(engagement, v.activeness[idx], v.n_follows[idx], c)
            days = geometric(draws[:, _U["return_days"]], p_return)
        returned = (days == 1) & ~churned
        t = v.t[idx]
        hours = v.visit_hour[idx] + 0.5 * c.visit_hour_sd * normals[:, _Z["visit_hour"]]
        t_next = np.maximum(visit_times(np.floor(t / MINUTES_PER_DAY) + days, hours), t)
        v.t[idx] = t_next
        v.churned[idx] |= churned
        v.done[idx] |= churned | (t_next >= self.horizon_minutes)
        again = ~v.done[idx]
        start_sessions(v, idx[again], draws[again, _U["budget"]], c)
        return returned, churned
