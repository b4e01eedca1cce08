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

Randomness: each step draws the same block of random numbers for every viewer (columns of
``_UNIFORMS`` and ``_NORMALS``), whatever the policy does, so two policies run on the same seed
meet the same viewers with the same random stream (common random numbers).
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

from livedqn_edu.envs.candidates import build_candidates
from livedqn_edu.envs.choice import (
    choice_probabilities,
    click_browse_probabilities,
    expected_truncated_lognormal,
    sigmoid,
)
from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.features import FeatureSpec, feature_spec
from livedqn_edu.envs.rooms import MINUTES_PER_DAY, MINUTES_PER_WEEK, make_rooms
from livedqn_edu.envs.viewers import Viewers, make_viewers, start_sessions, visit_times

__all__ = ["COMPONENTS", "World", "WorldConfig", "most_viewers", "random_valid_slot"]

COMPONENTS: tuple[str, ...] = (
    "click", "watch_minutes", "gift", "follow", "return_visit", "session_end", "churn",
    "done", "choice", "room", "category",
)  # fmt: skip
"""Keys of the components dict of :meth:`World.step` (each ``(N,)``; choice 0/1/2 = click/
browse/close, room and category of the shown room, -1 for viewers already done)."""

_UNIFORMS = ("choice", "gift", "gift_size", "follow", "offset", "return_days", "churn", "budget")
"""Uniform draws per viewer and step, by column."""
_NORMALS = ("watch", "visit_hour")
"""Standard normal draws per viewer and step, by column."""
_U = {name: i for i, name in enumerate(_UNIFORMS)}
_Z = {name: i for i, name in enumerate(_NORMALS)}
LN2 = float(np.log(2.0))


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
        room_ids: ``(N, K)`` int64, the current candidates (-1 for an empty slot).
        mask: ``(N, K)`` bool, True where a slot holds a room.
    """

    def __init__(self, config: WorldConfig | None = None) -> None:
        if config is not None and not isinstance(config, WorldConfig):
            raise TypeError(f"config must be a WorldConfig, got {type(config).__name__}")
        self.config = c = config or WorldConfig()
        self.rooms = r = make_rooms(c, np.random.default_rng(c.room_seed))
        self.features = feature_spec(c.n_categories, c.max_follows, c.days)
        # Tables padded with one extra room at the end, read by the empty slot id -1.
        self._live = np.hstack([r.live, np.zeros((r.n_slots, 1), dtype=bool)])
        self._end = np.hstack([r.end, np.zeros((r.n_slots, 1), dtype=r.end.dtype)])
        self._start = np.hstack([r.start, np.zeros((r.n_slots, 1), dtype=r.start.dtype)])
        self._category = np.append(r.category, 0)
        self._log_audience = np.append(np.log(r.audience / c.min_audience), 0.0)
        self._quality = np.append(r.quality, 0.0)
        self._room_utility = np.append(
            c.base_click_utility + c.quality_weight * r.quality
            + c.audience_weight * self._log_audience[:-1],
            0.0,
        )  # fmt: skip
        self._one_hot = np.zeros((c.n_rooms + 1, c.n_categories), dtype=np.float32)
        self._one_hot[np.arange(c.n_rooms), r.category] = 1.0
        self.viewers: Viewers | None = None
        self.rng: np.random.Generator | None = None
        self.room_ids = np.zeros((0, c.k), dtype=np.int64)
        self.mask = np.zeros((0, c.k), dtype=bool)
        self._match = np.zeros((0, c.n_rooms + 1))
        self._rows = np.zeros(0, dtype=np.int64)

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
        self._match = np.hstack([self.viewers.taste @ self.rooms.content.T, np.zeros((n, 1))])
        self._rows = np.arange(n)
        self._row_base = self._rows * (self.rooms.n_rooms + 1)
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
        self._match[idx, :-1] = new.taste @ self.rooms.content.T
        self._refresh(self.rng.random(v.n))

    def fork(self, rng: np.random.Generator) -> World:
        """A copy sharing the rooms, with its own copy of the viewers' state and generator ``rng``.

        Planners simulate futures on forks; the real world is never changed by a fork's steps.
        """
        sim = copy.copy(self)
        sim.viewers = copy.deepcopy(self._v())
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
        return build_candidates(
            r.slot_of(v.t), v.follow_list, int(v.n_follows.max(initial=0)), v.followed,
            self._live, r.pool_ids, r.n_live, np.asarray(offsets, dtype=np.float64),
            c.k, c.followed_slots, c.popular_slots,
        )  # fmt: skip

    def _refresh(self, offsets: np.ndarray) -> None:
        """Rebuild the candidates; viewers facing no live room at all skip to their next visit."""
        v = self._v()
        self.room_ids, self.mask = self.candidates(offsets)
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
        self.room_ids[v.done] = -1
        self.mask[v.done] = False

    # --- observation ------------------------------------------------------------------------------
    def observe(self) -> dict[str, np.ndarray]:
        """The batched observation: ``user``, ``candidates``, ``mask``, ``room_ids`` (new arrays).

        The raw quantities are computed here; :attr:`features` places, scales and clips them.
        """
        v, c, r = self._v(), self.config, self.rooms
        n, k = v.n, c.k
        t = v.t
        angle = (t % MINUTES_PER_DAY) * (2 * np.pi / MINUTES_PER_DAY)
        day = (t // MINUTES_PER_DAY) % 7
        user = self.features.assemble(
            "user",
            {
                "hour_sin": np.sin(angle), "hour_cos": np.cos(angle), "weekend": day >= 5,
                "day_of_week": day, "session_steps": v.session_steps,
                "session_minutes": v.session_minutes_watched, "fatigue": v.fatigue,
                "follows": v.n_follows, "horizon_elapsed": t,
            },
            (n,),
        )  # fmt: skip
        ids, mask = self.room_ids, self.mask
        flat = self._row_base[:, None] + ids
        cat = self._category.take(ids)
        cat_flat = (self._rows * c.n_categories)[:, None] + cat
        slot = r.slot_of(t)
        started = self._start.take((slot * (r.n_rooms + 1))[:, None] + ids)
        total = np.maximum(v.category_minutes.sum(axis=1, keepdims=True), 1.0)
        cands = self.features.assemble(
            "candidates",
            {
                "category": self._one_hot.take(ids, axis=0),
                "log_audience": self._log_audience.take(ids),
                "followed": v.followed.take(flat),
                "log_past_minutes": np.log1p(v.habit.take(flat)),
                "hours_live": (t % MINUTES_PER_WEEK)[:, None] - started,
                "category_fatigue": v.fatigue.take(cat_flat),
                "category_share": np.take(v.category_minutes / total, cat_flat),
            },
            (n, k),
        )  # fmt: skip
        cands *= mask[:, :, None]
        return {"user": user, "candidates": cands, "mask": mask.copy(), "room_ids": ids.copy()}

    # --- response model ---------------------------------------------------------------------------
    def utilities(self, room_ids: np.ndarray) -> np.ndarray:
        """Hidden utility of showing each room to each viewer, ``(N, M)`` float64.

        ``u = base + quality + audience + taste * match + follow * followed
        + habit * log(1 + minutes watched) - fatigue * (recent impressions of the category)``.

        Args:
            room_ids: ``(N, M)`` int64 room ids (-1 allowed: the value is then meaningless).
        """
        v, c = self._v(), self.config
        flat = self._row_base[:, None] + room_ids  # -1 reads a zero padding column
        category = (self._rows * c.n_categories)[:, None] + self._category.take(room_ids)
        return (
            self._room_utility.take(room_ids)
            + c.taste_weight * self._match.take(flat)
            + c.follow_weight * v.followed.take(flat)
            + c.habit_weight * np.log1p(v.habit.take(flat), dtype=np.float64)
            - c.fatigue_weight * v.fatigue.take(category)
        )

    def choice_probabilities(self, room_ids: np.ndarray | None = None) -> np.ndarray:
        """Probabilities of (click, keep browsing, close the app) for showing each room.

        Args:
            room_ids: ``(N, M)`` room ids; default the current candidates ``(N, K)``.

        Returns:
            ``(N, M, 3)`` float64, summing to 1 on the last axis.
        """
        ids = self.room_ids if room_ids is None else np.asarray(room_ids, dtype=np.int64)
        c = self.config
        return choice_probabilities(self.utilities(ids), c.browse_utility, c.close_utility)

    def watch_log_mean(self, room_ids: np.ndarray) -> np.ndarray:
        """Mean of log watch minutes for each (viewer, room), ``(N, M)`` float64."""
        c = self.config
        return (
            np.log(c.watch_median_minutes)
            + c.watch_match_gain * self._match.take(self._row_base[:, None] + room_ids)
            + c.watch_quality_gain * self._quality.take(room_ids)
        )

    def minutes_left(self, room_ids: np.ndarray) -> np.ndarray:
        """Minutes until each room's current stream ends, at each viewer's clock, ``(N, M)``."""
        v, r = self._v(), self.rooms
        t = v.t[:, None]
        end = self._end.take((r.slot_of(v.t) * (r.n_rooms + 1))[:, None] + room_ids)
        return (t // MINUTES_PER_WEEK) * MINUTES_PER_WEEK + end - t

    def expected_watch_minutes(self, room_ids: np.ndarray | None = None) -> np.ndarray:
        """Mean watch minutes if the viewer clicks each room (cut at the stream end), ``(N, M)``."""
        ids = self.room_ids if room_ids is None else np.asarray(room_ids, dtype=np.int64)
        return expected_truncated_lognormal(
            self.watch_log_mean(ids), self.config.watch_sigma, self.minutes_left(ids)
        )

    def expected_immediate_reward(self) -> np.ndarray:
        """Expected reward of showing each current candidate, ``(N, K)`` float64 (0 if empty).

        ``P(click) * (w_watch E[minutes] + w_gift P(gift) E[coins] + w_follow P(follow))``, with
        the expected minutes plugged into the gift and follow probabilities (an approximation:
        they depend on the random minutes). Return visits are not immediate and not included.
        """
        v, c = self._v(), self.config
        ids = self.room_ids
        p_click = self.choice_probabilities(ids)[..., 0]
        minutes = self.expected_watch_minutes(ids)
        value = c.reward_watch * minutes
        if c.reward_gift > 0:
            mean_coins = (
                c.gift_min_coins * c.gift_tail / (c.gift_tail - 1) if c.gift_tail > 1 else np.inf
            )
            p_gift = sigmoid(
                c.gift_logit + v.gift_propensity[:, None] + c.gift_minutes_gain * np.log1p(minutes)
            )
            value = value + c.reward_gift * p_gift * mean_coins
        if c.reward_follow > 0:
            p_follow = sigmoid(c.follow_logit + c.follow_minutes_gain * np.log1p(minutes))
            followed = v.followed.take(self._row_base[:, None] + ids)
            value = value + c.reward_follow * p_follow * ~followed
        return np.where(self.mask, p_click * value, 0.0)

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
        a, active = self._check_actions(actions)
        v, c, rng, rows = self._v(), self.config, self.rng, self._rows
        n = v.n
        draws = rng.random((n, len(_UNIFORMS)))
        normals = rng.standard_normal((n, len(_NORMALS)))
        room = np.where(active, self.room_ids[rows, a], -1)
        flat = self._row_base + room
        cat = self._category.take(room)
        # 1. the choice: watch the shown room, keep browsing, or close the app
        p_click, p_browse = click_browse_probabilities(
            self.utilities(room[:, None])[:, 0], c.browse_utility, c.close_utility
        )
        u = draws[:, _U["choice"]]
        click = active & (u < p_click)
        browse = active & ~click & (u < p_click + p_browse)
        close = active & ~click & ~browse
        # 2. watch minutes: log-normal, longer for better matches, cut where the stream ends
        mu = self.watch_log_mean(room[:, None])[:, 0]
        left = self.minutes_left(room[:, None])[:, 0]
        minutes = np.exp(mu + c.watch_sigma * normals[:, _Z["watch"]])
        minutes = np.where(click, np.minimum(minutes, left), 0.0)
        log_minutes = np.log1p(minutes)
        # 3. gifts: rare, Pareto-sized (type I, smallest gift gift_min_coins)
        p_gift = sigmoid(c.gift_logit + v.gift_propensity + c.gift_minutes_gain * log_minutes)
        gifted = click & (draws[:, _U["gift"]] < p_gift)
        size = (1.0 - draws[:, _U["gift_size"]]) ** (-1.0 / c.gift_tail)
        coins = np.where(gifted, c.gift_min_coins * size, 0.0)
        # 4. follows: more likely after a long watch; the followed set grows up to max_follows
        p_follow = sigmoid(c.follow_logit + c.follow_minutes_gain * log_minutes)
        can_follow = click & ~v.followed.take(flat) & (v.n_follows < c.max_follows)
        follow = can_follow & (draws[:, _U["follow"]] < p_follow)
        if follow.any():
            idx = np.flatnonzero(follow)
            v.followed.reshape(-1)[flat[idx]] = True
            v.follow_list[idx, v.n_follows[idx]] = room[idx]
            v.n_follows[idx] += 1
        # 5. what the viewer watched: minutes per room (habit) and per category
        if click.any():
            idx = np.flatnonzero(click)
            v.habit.reshape(-1)[flat[idx]] += minutes[idx].astype(np.float32)
            v.category_minutes[idx, cat[idx]] += minutes[idx]
            resort = idx[v.followed.take(flat[idx])]  # a followed room gained minutes
            if resort.size:
                v.sort_follows(resort)
        # 6. the clock, category fatigue, and the session's patience and time budget
        dt = minutes + np.where(browse | click, c.skip_minutes, 0.0)
        v.fatigue *= np.exp(-dt * (LN2 / c.fatigue_half_life_minutes))[:, None]
        v.fatigue.reshape(-1)[(rows * c.n_categories + cat)[active]] += 1.0
        v.t += dt
        v.budget_left -= dt
        v.session_steps += active
        v.session_minutes_watched += minutes
        v.patience_left -= browse
        session_end = active & (close | (v.patience_left <= 0) | (v.budget_left <= 0))
        # 7. the end of a session: churn, or the day of the next visit
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
            "watch_minutes": minutes,
            "gift": coins,
            "follow": follow,
            "return_visit": returned,
            "session_end": session_end | past,
            "churn": churned,
            "done": active & v.done,
            "choice": np.where(active, np.where(click, 0, np.where(browse, 1, 2)), -1),
            "room": room,
            "category": np.where(active, cat, -1),
        }
        rewards = (
            c.reward_watch * minutes + c.reward_follow * follow + c.reward_gift * coins
            + c.reward_return * returned
        )  # fmt: skip
        return rewards, parts

    def _end_sessions(
        self, idx: np.ndarray, draws: np.ndarray, normals: np.ndarray, forced: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """End the sessions of viewers ``idx``: churn or schedule the next visit.

        Satisfaction ``s = 1 - exp(-minutes / satisfaction_minutes)``; a session with fewer than
        ``unhappy_minutes`` is unhappy; after ``churn_after_sessions`` unhappy sessions in a row
        the viewer churns with ``churn_probability``. Otherwise the next visit comes ``d`` days
        later, ``d ~ Geometric(p)``, ``p = sigmoid(return_logit + activeness + gain (s - 0.5))``,
        at the viewer's preferred hour. ``forced`` (nothing live to show) skips to the next day.

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
            satisfaction = 1.0 - np.exp(-minutes / c.satisfaction_minutes)
            unhappy = minutes < c.unhappy_minutes
            v.unhappy_streak[idx] = np.where(unhappy, v.unhappy_streak[idx] + 1, 0)
            at_risk = v.unhappy_streak[idx] >= max(c.churn_after_sessions, 1)
            churned = at_risk & (draws[:, _U["churn"]] < c.churn_probability)
            p_return = np.clip(
                sigmoid(c.return_logit + v.activeness[idx]
                        + c.return_satisfaction_gain * (satisfaction - 0.5)),
                1e-6, 1.0,
            )  # fmt: skip
            days = geometric(draws[:, _U["return_days"]], p_return)
        returned = (days == 1) & ~churned
        t = v.t[idx]
        hours = v.visit_hour[idx] + 0.5 * c.visit_hour_sd * normals[:, _Z["visit_hour"]]
        t_next = np.maximum(visit_times(np.floor(t / MINUTES_PER_DAY) + days, hours), t)
        v.fatigue[idx] *= np.exp(-(t_next - t) * (LN2 / c.fatigue_half_life_minutes))[:, None]
        v.t[idx] = t_next
        v.churned[idx] |= churned
        v.done[idx] |= churned | (t_next >= self.horizon_minutes)
        again = ~v.done[idx]
        start_sessions(v, idx[again], draws[again, _U["budget"]], c)
        return returned, churned


def geometric(u: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Geometric draws on {1, 2, ...} with success probability ``p`` from uniforms ``u`` in [0, 1).

    ``d = 1 + floor(log(1 - u) / log(1 - p))`` (inverse CDF); ``p = 1`` gives 1.
    """
    with np.errstate(divide="ignore"):
        ratio = np.log1p(-u) / np.log1p(-p)
    return 1.0 + np.floor(np.nan_to_num(ratio, nan=0.0, posinf=0.0))
