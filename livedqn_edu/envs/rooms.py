"""The rooms of the live-room world: categories, content, quality, audience and weekly schedules.

A room (one streamer) is generated once from a seed and never changes: it belongs to one of the
categories, has a content vector near its category's centre, a hidden quality, an audience size
drawn from a heavy-tailed power law, and a weekly schedule of the hours when it is live. The
schedule is stored at the resolution of ``slot_minutes`` (10 minutes by default, the snapshot
period of the Twitch dataset of Rappaz, McAuley and Aberer, RecSys 2021), so that "is room r live
at minute t?" is one table look-up and every stream starts and ends on a slot boundary.

Most rooms go live in the evening and more of them on weekends; a small share of rooms is live
all the time (24/7 channels), so that there is always something to watch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livedqn_edu.envs.config import WorldConfig

__all__ = [
    "CATEGORIES",
    "MINUTES_PER_DAY",
    "MINUTES_PER_WEEK",
    "Rooms",
    "make_rooms",
]

CATEGORIES: tuple[str, ...] = (
    "gaming",
    "music",
    "chat",
    "outdoor",
    "sports",
    "education",
    "shopping",
    "talent",
)
"""Names of the room categories, in the order of the category index."""

MINUTES_PER_DAY: int = 24 * 60
MINUTES_PER_WEEK: int = 7 * MINUTES_PER_DAY


@dataclass(frozen=True)
class Rooms:
    """All rooms of a world, as arrays indexed by room id (``0 .. n_rooms - 1``).

    Attributes:
        category: ``(n_rooms,)`` int64, category index in ``[0, n_categories)``.
        content: ``(n_rooms, dim)`` float64 unit vectors near their category's centre.
        quality: ``(n_rooms,)`` float64, hidden quality, standard normal.
        audience: ``(n_rooms,)`` float64, typical number of viewers while live (power law).
        slot_minutes: schedule resolution, in minutes.
        live: ``(n_slots, n_rooms)`` bool, room live in weekly slot ``s`` (``n_slots`` slots per
            week, slot 0 starts on Monday 00:00).
        start: ``(n_slots, n_rooms)`` int32, week minute at which the stream that covers slot
            ``s`` started (may be negative for a stream that began in the previous week); only
            meaningful where ``live``.
        end: ``(n_slots, n_rooms)`` int32, week minute at which that stream ends (may exceed
            ``MINUTES_PER_WEEK``); only meaningful where ``live``.
        live_ids: ``(n_slots, max_live)`` int64, ids of the rooms live in slot ``s`` sorted by
            audience (largest first), padded with -1.
        popular_ids: ``(n_slots, popular_slots)`` int64, the most-watched rooms live in slot
            ``s`` (the popular candidates), padded with -1.
        discovery_ids: ``(n_slots, max_live + 2k + 1)`` int64, the other rooms live in slot
            ``s`` in a fixed random order (the discovery window walks them); when there are at
            least ``2k`` of them the list is followed by its first ``2k`` again, so that a window
            of ``2k`` never wraps; padded with -1 (the last column is always -1).
        n_live: ``(n_slots,)`` int64, number of rooms live in slot ``s``.
        centres: ``(n_categories, dim)`` float64, the unit mean content of each category.
        live_hours: ``(n_rooms,)`` float64, hours live per week.
    """

    category: np.ndarray
    content: np.ndarray
    quality: np.ndarray
    audience: np.ndarray
    slot_minutes: int
    live: np.ndarray
    start: np.ndarray
    end: np.ndarray
    live_ids: np.ndarray
    centres: np.ndarray
    live_hours: np.ndarray
    popular_ids: np.ndarray
    discovery_ids: np.ndarray
    n_live: np.ndarray

    @property
    def n_rooms(self) -> int:
        """Number of rooms."""
        return int(self.category.shape[0])

    @property
    def n_slots(self) -> int:
        """Number of schedule slots in one week."""
        return int(self.live.shape[0])

    def slot_of(self, t: np.ndarray) -> np.ndarray:
        """Weekly slot index of clock times ``t`` (minutes since Monday 00:00), int64."""
        return (np.asarray(t, dtype=np.float64) // self.slot_minutes).astype(np.int64) % (
            self.n_slots
        )

    def is_live(self, room_ids: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Whether each room is live at clock time ``t`` (broadcast shapes), bool."""
        room_ids = np.asarray(room_ids)
        slot = self.slot_of(t)
        ok = room_ids >= 0
        return ok & self.live[slot, np.where(ok, room_ids, 0)]

    def stream_end(self, room_ids: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Absolute clock minute at which the current stream of each (live) room ends, float64.

        Args:
            room_ids: room ids, any shape, of rooms live at ``t``.
            t: clock times in minutes since the world's Monday 00:00, broadcastable.
        """
        t = np.asarray(t, dtype=np.float64)
        week_base = np.floor(t / MINUTES_PER_WEEK) * MINUTES_PER_WEEK
        return week_base + self.end[self.slot_of(t), room_ids]

    def stream_start(self, room_ids: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Absolute clock minute at which the current stream of each (live) room began."""
        t = np.asarray(t, dtype=np.float64)
        week_base = np.floor(t / MINUTES_PER_WEEK) * MINUTES_PER_WEEK
        return week_base + self.start[self.slot_of(t), room_ids]

    def live_by_hour(self) -> np.ndarray:
        """Mean number of live rooms by hour of the day, ``(7, 24)`` float64 (day x hour)."""
        per_hour = 60 // self.slot_minutes
        counts = self.live.sum(axis=1).reshape(7, 24, per_hour)
        return counts.mean(axis=2)


def _schedule(
    n_rooms: int,
    slot_minutes: int,
    rng: np.random.Generator,
    *,
    evening_share: float,
    weekend_uplift: float,
    live_days_per_week: float,
    mean_stream_hours: float,
    always_live_share: float,
) -> np.ndarray:
    """Weekly live table ``(n_slots, n_rooms)`` bool; streams are runs of whole slots."""
    per_day = MINUTES_PER_DAY // slot_minutes
    n_slots = 7 * per_day
    # preferred start hour: evening peak, afternoon bump, or any time of day
    kind = rng.random(n_rooms)
    afternoon_share = (1.0 - evening_share) * 0.6
    hour = (
        np.where(
            kind < evening_share,
            rng.normal(19.5, 1.5, n_rooms),
            np.where(
                kind < evening_share + afternoon_share,
                rng.normal(13.0, 2.0, n_rooms),
                rng.uniform(0.0, 24.0, n_rooms),
            ),
        )
        % 24.0
    )
    # stream length (hours), log-normal around the mean, between 30 min and 10 h
    hours = np.clip(rng.lognormal(np.log(mean_stream_hours) - 0.18, 0.6, n_rooms), 0.5, 10.0)
    # how often a room streams: many rooms stream now and then, a few almost daily (skewed);
    # weekends are busier
    share = rng.beta(0.8, 2.0, n_rooms) / (0.8 / 2.8)  # mean 1
    p_day = np.clip(share * live_days_per_week / 7.0, 0.02, 1.0)
    live = np.zeros((n_slots, n_rooms), dtype=bool)
    length_slots = np.maximum(1, np.round(hours * 60 / slot_minutes).astype(np.int64))
    for day in range(7):
        p = np.clip(p_day * (weekend_uplift if day >= 5 else 1.0), 0.0, 1.0)
        on = rng.random(n_rooms) < p
        jitter = rng.normal(0.0, 0.5, n_rooms)
        first = day * per_day + np.round((hour + jitter) % 24 * 60 / slot_minutes).astype(np.int64)
        for r in np.flatnonzero(on):
            idx = np.arange(first[r], first[r] + length_slots[r]) % n_slots
            live[idx, r] = True
    n_always = int(round(always_live_share * n_rooms))
    if n_always:
        live[:, rng.choice(n_rooms, size=n_always, replace=False)] = True
    return live


def _runs(live: np.ndarray, slot_minutes: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end week minutes of the stream covering each live slot (cyclic week)."""
    n_slots, n_rooms = live.shape
    start = np.zeros(live.shape, dtype=np.int32)
    end = np.zeros(live.shape, dtype=np.int32)
    for r in range(n_rooms):
        col = live[:, r]
        if col.all():  # 24/7 room: one endless stream, report a window around every slot
            start[:, r] = (np.arange(n_slots) - n_slots) * slot_minutes
            end[:, r] = (np.arange(n_slots) + 1 + n_slots) * slot_minutes
            continue
        if not col.any():
            continue
        # walk three weeks in a row so that runs wrapping around Sunday midnight get both ends
        edges = np.diff(np.concatenate([[0], np.tile(col, 3).astype(np.int8), [0]]))
        s = np.flatnonzero(edges == 1)
        e = np.flatnonzero(edges == -1)
        for a, b in zip(s, e, strict=True):
            lo, hi = max(a, n_slots), min(b, 2 * n_slots)
            if lo < hi:
                start[lo - n_slots : hi - n_slots, r] = (a - n_slots) * slot_minutes
                end[lo - n_slots : hi - n_slots, r] = (b - n_slots) * slot_minutes
    return start, end


def make_rooms(config: WorldConfig, rng: np.random.Generator) -> Rooms:
    """Generate the rooms of a world from its configuration.

    Uses the room fields of :class:`~livedqn_edu.envs.config.WorldConfig` (``n_rooms``,
    ``n_categories``, ``dim``, ``slot_minutes``, ``category_spread``, ``popularity_exponent`` --
    the tail index ``a`` of the Pareto audience sizes, ``P(audience > x) = (x / min_audience)
    ** -a`` --, ``min_audience``, ``evening_share`` (streams starting around 19:30),
    ``weekend_uplift``, ``live_days_per_week``, ``mean_stream_hours``, ``always_live_share``);
    the config has already checked them, so they are not checked again here.

    Args:
        config: the world's configuration (its defaults are the calibrated world).
        rng: the random generator (all randomness comes from it).

    Returns:
        The :class:`Rooms` with their weekly schedule tables.
    """
    c = config
    n_rooms, n_categories, dim = c.n_rooms, c.n_categories, c.dim
    slot_minutes, category_spread = c.slot_minutes, c.category_spread
    popularity_exponent, min_audience = c.popularity_exponent, c.min_audience
    evening_share, weekend_uplift = c.evening_share, c.weekend_uplift
    live_days_per_week, mean_stream_hours = c.live_days_per_week, c.mean_stream_hours
    always_live_share = c.always_live_share
    category = rng.integers(0, n_categories, n_rooms)
    centres = rng.normal(size=(n_categories, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    content = centres[category] + category_spread * rng.normal(size=(n_rooms, dim)) / np.sqrt(dim)
    content /= np.linalg.norm(content, axis=1, keepdims=True)
    quality = rng.normal(size=n_rooms)
    # Pareto audience, a little higher for better rooms (popularity follows quality, loosely)
    audience = min_audience * (1.0 + rng.pareto(popularity_exponent, n_rooms))
    audience = np.maximum(audience * np.exp(0.3 * quality), min_audience)
    live = _schedule(
        n_rooms,
        slot_minutes,
        rng,
        evening_share=evening_share,
        weekend_uplift=weekend_uplift,
        live_days_per_week=live_days_per_week,
        mean_stream_hours=mean_stream_hours,
        always_live_share=always_live_share,
    )
    start, end = _runs(live, slot_minutes)
    n_live = live.sum(axis=1).astype(np.int64)
    width = max(1, int(n_live.max()))
    live_ids = np.full((live.shape[0], width), -1, dtype=np.int64)
    p, window = c.popular_slots, 2 * c.k
    popular = np.full((live.shape[0], p), -1, dtype=np.int64)
    discovery = np.full((live.shape[0], width + window + 1), -1, dtype=np.int64)
    by_audience = np.argsort(-audience, kind="stable")
    for s in range(live.shape[0]):
        ids = by_audience[live[s, by_audience]]
        live_ids[s, : ids.size] = ids
        popular[s, : min(p, ids.size)] = ids[:p]
        rest = rng.permutation(ids[p:])
        # the discovery window reads 2k entries from any start: wrap the list around once
        wrapped = np.concatenate([rest, rest[:window]]) if rest.size >= window else rest
        discovery[s, : wrapped.size] = wrapped
    centres = np.zeros((c.n_categories, c.dim))
    np.add.at(centres, category, content)
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    return Rooms(
        category=category,
        content=content,
        quality=quality,
        audience=audience,
        slot_minutes=slot_minutes,
        live=live,
        start=start,
        end=end,
        live_ids=live_ids,
        centres=centres,
        live_hours=live.sum(axis=0) * slot_minutes / 60.0,
        popular_ids=popular,
        discovery_ids=discovery,
        n_live=n_live,
    )
