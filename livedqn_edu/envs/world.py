"""The live-room world, vectorised over many viewers in numpy.

A viewer opens the app; at each step the recommender shows one of ``K`` live rooms (the
candidates); the viewer clicks and watches, keeps browsing, or closes the app; the viewer's clock
moves on. Every viewer has their own clock, so a batch of ``N`` viewers steps in one call::

    world = World(WorldConfig())
    obs = world.reset(n_viewers=1_000, seed=0)
    rng = np.random.default_rng(0)
    while not world.done.all():
        rewards, parts = world.step(random_valid_slot(obs, rng))  # (N,), dict of (N,) arrays
        obs = world.observe()

Observation (:meth:`World.observe`), batched over viewers:

- ``user`` ``(N, U)`` float32: the viewer's context, columns :func:`user_feature_names`;
- ``candidates`` ``(N, K, F)`` float32: the rooms in the slots, columns
  :func:`candidate_feature_names`, zeros in empty slots;
- ``mask`` ``(N, K)`` bool: True where a slot holds a room;
- ``room_ids`` ``(N, K)`` int64: the room in each slot, -1 for an empty slot.

Response (hidden from the policy): a multinomial logit between the shown room, "keep browsing"
and "close the app" (:func:`choice_probabilities`); a click gives log-normal watch minutes, longer
for better matches and cut where the stream ends; rare Pareto-sized gifts; follows that grow the
followed set. A session ends when the viewer closes the app or runs out of patience (skips) or of
time; the next visit comes after a whole number of days, next day with a probability that grows
with the session's satisfaction; a viewer with ``churn_after_sessions`` unhappy sessions in a row
may churn. The viewer is done on churn or when the clock passes ``days``.
"""

from __future__ import annotations

import numpy as np

from livedqn_edu.envs._dynamics import end_sessions, step_viewers
from livedqn_edu.envs._slate import FEATURE_MAX, build_candidates, build_observation
from livedqn_edu.envs.choice import choice_probabilities, expected_truncated_lognormal, sigmoid
from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.rooms import CATEGORIES, MINUTES_PER_DAY, Rooms, make_rooms
from livedqn_edu.envs.viewers import Viewers, make_viewers

__all__ = [
    "COMPONENTS",
    "FEATURE_MAX",
    "Rooms",
    "Viewers",
    "World",
    "WorldConfig",
    "candidate_feature_names",
    "choice_probabilities",
    "most_viewers",
    "random_valid_slot",
    "user_feature_names",
]

COMPONENTS: tuple[str, ...] = (
    "click", "watch_minutes", "gift", "follow", "return_visit", "session_end", "churn",
    "done", "choice", "room", "category",
)  # fmt: skip
"""Keys of the components dict of :meth:`World.step` (each ``(N,)``; choice 0/1/2 = click/
browse/close, room and category of the shown room, -1 for viewers already done)."""


def _category_names(n_categories: int) -> list[str]:
    return [CATEGORIES[c] if c < len(CATEGORIES) else f"category{c}" for c in range(n_categories)]


def user_feature_names(n_categories: int = 8) -> list[str]:
    """Names of the ``user`` columns: time, session progress, recent categories, follows."""
    return [
        "hour_sin", "hour_cos", "weekend", "day_of_week", "session_steps", "session_minutes",
        *(f"fatigue_{c}" for c in _category_names(n_categories)), "follows", "horizon_elapsed",
    ]  # fmt: skip


def candidate_feature_names(n_categories: int = 8) -> list[str]:
    """Names of the ``candidates`` columns: category one-hot, audience, follow, history, time."""
    return [
        *(f"cat_{c}" for c in _category_names(n_categories)), "log_audience", "followed",
        "log_past_minutes", "hours_live", "category_fatigue", "category_share",
    ]  # fmt: skip


def random_valid_slot(obs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A uniformly random non-empty slot per viewer (slot 0 if a row has none), ``(N,)`` int64."""
    scores = rng.random(obs["mask"].shape)
    scores[~obs["mask"]] = -1.0
    return scores.argmax(axis=1)


def most_viewers(obs: dict[str, np.ndarray]) -> np.ndarray:
    """The slot whose room has the largest audience (``log_audience``), ``(N,)`` int64."""
    col = obs["candidates"].shape[-1] - 6  # log_audience follows the category one-hot
    return np.where(obs["mask"], obs["candidates"][:, :, col], -np.inf).argmax(axis=1)


class World:
    """The live-room world: rooms fixed by ``config.room_seed``, viewers drawn at each reset.

    Args:
        config: the world's knobs (:class:`WorldConfig`); default ``WorldConfig()``.

    Attributes:
        config: the configuration.
        rooms: the rooms and their weekly schedules (:class:`Rooms`).
        viewers: the viewers' traits and state after :meth:`reset` (:class:`Viewers`).
        rng: the generator all the dynamics draw from (set by :meth:`reset`).
    """

    def __init__(self, config: WorldConfig | None = None) -> None:
        if config is not None and not isinstance(config, WorldConfig):
            raise TypeError(f"config must be a WorldConfig, got {type(config).__name__}")
        self.config = c = config or WorldConfig()
        self.rooms = r = make_rooms(c, np.random.default_rng(c.room_seed))
        # Tables padded with one extra room at the end, read by the empty slot id -1.
        pad = np.zeros((r.n_slots, 1), dtype=r.start.dtype)
        self._live = np.hstack([r.live, np.zeros((r.n_slots, 1), dtype=bool)])
        self._start = np.hstack([r.start, pad])
        self._end = np.hstack([r.end, pad])
        self._category = np.append(r.category, 0)
        log_audience = np.log(r.audience / c.min_audience)
        self._room_utility = np.append(
            c.base_click_utility + c.quality_weight * r.quality + c.audience_weight * log_audience,
            0.0,
        )
        self._quality = np.append(r.quality, 0.0)
        static = np.zeros((c.n_rooms + 1, c.n_categories + 1), dtype=np.float32)
        static[np.arange(c.n_rooms), r.category] = 1.0
        static[:-1, -1] = log_audience / 5.0
        self._static = static
        full = np.zeros((c.n_rooms + 1, c.n_categories + 6), dtype=np.float32)
        full[:, : c.n_categories + 1] = np.minimum(static, FEATURE_MAX)
        self._static_full = full
        self._scratch_array = np.zeros((0, c.n_rooms + 1), dtype=bool)
        self.viewers: Viewers | None = None
        self.rng: np.random.Generator | None = None
        self.room_ids = np.zeros((0, c.k), dtype=np.int64)
        self.mask = np.zeros((0, c.k), dtype=bool)
        self._match = np.zeros((0, c.n_rooms + 1))

    def _scratch(self, n: int, width: int) -> np.ndarray:
        """A zeroed ``(n, width)`` bool work array (callers must leave it zeroed)."""
        if self._scratch_array.shape != (n, width):
            self._scratch_array = np.zeros((n, width), dtype=bool)
        return self._scratch_array

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
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.viewers = make_viewers(int(n_viewers), self.rooms, self.config, self.rng)
        self._match = np.hstack([self.viewers.taste @ self.rooms.content.T, np.zeros((self.n, 1))])
        self._refresh(self.rng.random(self.n))
        return self.observe()

    # --- availability and candidates ------------------------------------------------------------
    def live_mask(self, t: np.ndarray | None = None) -> np.ndarray:
        """``(N, n_rooms)`` bool: rooms live at each viewer's clock (or at times ``t`` ``(N,)``)."""
        t = self.t if t is None else np.asarray(t, dtype=np.float64)
        return self.rooms.live[self.rooms.slot_of(t)]

    def candidates(self, offsets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Build K slots per viewer from the rooms live at their clock.

        Up to ``followed_slots`` followed live rooms (most watched first), then up to
        ``popular_slots`` of the most-watched live rooms, then random live rooms (a window of a
        fixed shuffle of the live list, starting at ``offsets`` in [0, 1)), without repeats.

        Returns:
            ``room_ids`` ``(N, K)`` int64 (-1 for an empty slot) and ``mask`` ``(N, K)`` bool.
        """
        self._v()
        if offsets is None:
            offsets = self.rng.random(self.n)
        return build_candidates(self, np.asarray(offsets, dtype=np.float64))

    def _refresh(self, offsets: np.ndarray) -> None:
        """Rebuild the candidates; viewers facing no live room at all skip to their next visit."""
        self.room_ids, self.mask = self.candidates(offsets)
        v = self._v()
        stuck = ~v.done & ~self.mask.any(axis=1)
        for _ in range(8 * self.config.days):
            if not stuck.any():
                break
            end_sessions(self, np.flatnonzero(stuck), forced=True)
            self.room_ids, self.mask = self.candidates(offsets)
            stuck = ~v.done & ~self.mask.any(axis=1)
        self.room_ids[v.done] = -1
        self.mask[v.done] = False

    # --- observation ------------------------------------------------------------------------------
    def observe(self) -> dict[str, np.ndarray]:
        """The batched observation: ``user``, ``candidates``, ``mask`` and ``room_ids``."""
        self._v()
        return build_observation(self)

    # --- response model ---------------------------------------------------------------------------
    def utilities(self, room_ids: np.ndarray) -> np.ndarray:
        """Hidden utility of showing each room to each viewer, ``(N, M)`` float64.

        Args:
            room_ids: ``(N, M)`` int64 room ids (-1 allowed: the value is then meaningless).
        """
        v, c = self._v(), self.config
        rows = np.arange(v.n)[:, None]
        flat = rows * (self.rooms.n_rooms + 1) + room_ids  # -1 reads a zero padding column
        category = rows * c.n_categories + np.take(self._category, room_ids)
        return (
            np.take(self._room_utility, room_ids)
            + c.taste_weight * np.take(self._match, flat)
            + c.follow_weight * np.take(v.followed, flat)
            + c.habit_weight * np.log1p(np.take(v.habit, flat), dtype=np.float64)
            - c.fatigue_weight * np.take(v.fatigue, category)
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

    def expected_watch_minutes(self, room_ids: np.ndarray | None = None) -> np.ndarray:
        """Mean watch minutes if the viewer clicks each room (cut at the stream end), ``(N, M)``."""
        v, c = self._v(), self.config
        ids = self.room_ids if room_ids is None else np.asarray(room_ids, dtype=np.int64)
        mu = self.watch_log_mean(ids)
        remaining = self.rooms.stream_end(np.maximum(ids, 0), v.t[:, None]) - v.t[:, None]
        return expected_truncated_lognormal(mu, c.watch_sigma, remaining)

    def watch_log_mean(self, room_ids: np.ndarray) -> np.ndarray:
        """Mean of log watch minutes for each (viewer, room), ``(N, M)`` float64."""
        c = self.config
        rows = np.arange(self._v().n)[:, None]
        return (
            np.log(c.watch_median_minutes)
            + c.watch_match_gain * self._match[rows, room_ids]
            + 0.2 * self._quality[room_ids]
        )

    def expected_immediate_reward(self) -> np.ndarray:
        """Expected reward of showing each current candidate, ``(N, K)`` float64 (0 if empty).

        ``P(click) * (w_watch E[minutes] + w_gift P(gift) E[coins] + w_follow P(follow))``, with
        the expected minutes plugged into the gift and follow probabilities (an approximation:
        they depend on the random minutes). Return visits are not immediate and not included.
        """
        v, c = self._v(), self.config
        ids = self.room_ids
        rows = np.arange(v.n)[:, None]
        p_click = self.choice_probabilities(ids)[..., 0]
        minutes = self.expected_watch_minutes(ids)
        value = c.reward_watch * minutes
        if c.reward_gift > 0:
            mean_coins = (
                c.gift_min_coins * c.gift_tail / (c.gift_tail - 1) if c.gift_tail > 1 else np.inf
            )  # noqa: E501
            p_gift = sigmoid(
                c.gift_logit + v.gift_propensity[:, None] + c.gift_minutes_gain * np.log1p(minutes)
            )  # noqa: E501
            value = value + c.reward_gift * p_gift * mean_coins
        if c.reward_follow > 0:
            p_follow = sigmoid(c.follow_logit + c.follow_minutes_gain * np.log1p(minutes))
            value = value + c.reward_follow * p_follow * ~v.followed[rows, ids]
        return np.where(self.mask, p_click * value, 0.0)

    # --- dynamics -------------------------------------------------------------------------------
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
        v = self._v()
        a = np.asarray(actions)
        if a.shape != (v.n,):
            raise ValueError(
                f"actions must have shape ({v.n},) (one slot per viewer), got {a.shape}"
            )
        if a.dtype.kind not in "iu":
            raise TypeError(
                f"actions must be integers (slots in [0, {self.config.k})), got dtype {a.dtype}"
            )  # noqa: E501
        active = ~v.done
        bad = active & ((a < 0) | (a >= self.config.k))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"actions[{i}] = {a[i]} is out of range: slots are 0..{self.config.k - 1}"
            )  # noqa: E501
        a = np.where(active, a, 0)
        masked = active & ~self.mask[np.arange(v.n), a]
        if masked.any():
            i = int(np.flatnonzero(masked)[0])
            raise ValueError(
                f"actions[{i}] = {a[i]} is an empty (masked) slot; valid slots for viewer {i}: "
                f"{np.flatnonzero(self.mask[i]).tolist()}"
            )
        parts = step_viewers(self, a, active)
        c = self.config
        rewards = (
            c.reward_watch * parts["watch_minutes"]
            + c.reward_follow * parts["follow"]
            + c.reward_gift * parts["gift"]
            + c.reward_return * parts["return_visit"]
        )
        return rewards, parts
