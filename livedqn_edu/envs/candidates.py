"""The candidate generator: which live rooms fill the K slots a policy chooses from.

A pure function of arrays (no world object): :func:`build_candidates` takes each viewer's follow
list and the schedule tables of the rooms live now and returns the slots. Written for speed at
1,000 viewers: every per-viewer table is read with one flat ``np.take`` (``row * width + room``),
and the candidate pool is laid out slot-major ``(M, N)`` so that the scans along the slots run
over contiguous rows of ``N`` viewers. Empty entries use the room id -1; every padded table's
last column is the "no room" column, and ``row * width - 1`` lands on the previous row's padding
column, which is always False, so -1 needs no special case.
"""

from __future__ import annotations

import numpy as np

__all__ = ["build_candidates", "running_count"]


def running_count(flags: np.ndarray) -> np.ndarray:
    """``(M, N)`` int16: how many True entries come before each entry in its column."""
    count = np.cumsum(flags.view(np.int8), axis=0, dtype=np.int16)
    count -= flags
    return count


def build_candidates(
    slot: np.ndarray,
    follow_list: np.ndarray,
    n_follows_max: int,
    followed: np.ndarray,
    last_shown: np.ndarray,
    session: np.ndarray,
    live: np.ndarray,
    pool_ids: np.ndarray,
    n_live: np.ndarray,
    offsets: np.ndarray,
    k: int,
    followed_slots: int,
    popular_slots: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Fill K slots per viewer from the rooms live in each viewer's schedule slot.

    Up to ``followed_slots`` followed live rooms (in follow-list order: most watched first), then
    up to ``popular_slots`` of the most-watched live rooms, then a window of the other live rooms
    in a fixed shuffled order, starting at ``offsets`` (discovery); rooms the viewer follows are
    only ever in the first block, and no room already shown in this session comes back (a feed
    does not repeat itself while the viewer scrolls); the first ``k`` of these.

    Args:
        slot: ``(N,)`` int64 weekly schedule slot of each viewer's clock.
        follow_list: ``(N, max_follows)`` int64 followed room ids, -1 padded.
        n_follows_max: the largest number of follows of any viewer (columns worth reading).
        followed: ``(N, n_rooms + 1)`` bool, the viewer follows the room (last column False).
        last_shown: ``(N, n_rooms + 1)`` int, the session in which the room was last shown to
            the viewer (0: never; last column 0).
        session: ``(N,)`` int, each viewer's current session (>= 1).
        live: ``(n_slots, n_rooms + 1)`` bool, live table padded with a False column.
        pool_ids: ``(n_slots, max_live + 1)`` int64 live rooms per slot, the ``popular_slots``
            most watched first, then the others in a fixed random order, -1 padded (the last
            column is always -1).
        n_live: ``(n_slots,)`` int64, rooms live per slot.
        offsets: ``(N,)`` float64 in [0, 1), where each discovery window starts.
        k: number of slots.
        followed_slots: at most this many followed rooms.
        popular_slots: this many of the most-watched live rooms.

    Returns:
        ``room_ids`` ``(N, K)`` int64 (-1 for an empty slot) and ``mask`` ``(N, K)`` bool.
    """
    n, width = followed.shape
    row_base = np.arange(n) * width
    # followed rooms live now, most watched first (the lists are kept sorted by minutes)
    fl = follow_list[:, : max(n_follows_max, 1)].T  # (F, N)
    live_f = live.take(slot * width + fl) & (last_shown.take(row_base + fl) != session)
    if followed_slots < fl.shape[0]:
        live_f &= running_count(live_f) < followed_slots
    mine = np.where(live_f, fl, -1)
    # popular rooms, then a window of the other live rooms (discovery), without followed rooms
    # (a window of 2k, so that k are left after dropping the rooms shown this session)
    n_here = n_live[slot]
    n_popular = np.minimum(n_here, popular_slots)
    n_rest = n_here - n_popular
    j = np.arange(popular_slots + 2 * k)[:, None]
    d = j - popular_slots  # position in the discovery window (negative: a popular row)
    first = (offsets * n_rest).astype(np.int64)
    column = np.where(d < 0, j, n_popular + (first + d) % np.maximum(n_rest, 1))
    valid = np.where(d < 0, j < n_here, d < n_rest)
    column = np.where(valid, column, pool_ids.shape[1] - 1)  # the last column is always -1
    others = pool_ids.take(slot * pool_ids.shape[1] + column)  # (P + 2K, N)
    at = row_base + others
    others = np.where(followed.take(at) | (last_shown.take(at) == session), -1, others)
    # keep the first k non-empty entries of each column (a stable sort of the empties last)
    pool = np.vstack([mine, others])  # (M, N), no repeats
    order = (pool < 0).argsort(axis=0, kind="stable")[:k]
    room_ids = np.ascontiguousarray(pool[order, np.arange(n)].T)
    return room_ids, room_ids >= 0
