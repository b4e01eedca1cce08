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

import functools

import numpy as np

__all__ = ["build_candidates", "running_count"]


def running_count(flags: np.ndarray) -> np.ndarray:
    """``(M, N)`` int16: how many True entries come before each entry in its column."""
    count = np.cumsum(flags.view(np.int8), axis=0, dtype=np.int16)
    count -= flags
    return count


@functools.lru_cache(maxsize=32)
def _window(k: int) -> np.ndarray:
    """Offsets of a discovery window of 2k, ``(2k, 1)`` int64."""
    return np.arange(2 * k)[:, None]


def build_candidates(
    slot: np.ndarray,
    follow_list: np.ndarray,
    n_follows_max: int,
    followed: np.ndarray,
    last_shown: np.ndarray,
    session: np.ndarray,
    live: np.ndarray,
    popular_ids: np.ndarray,
    discovery_ids: np.ndarray,
    n_live: np.ndarray,
    offsets: np.ndarray,
    k: int,
    followed_slots: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Fill K slots per viewer from the rooms live in each viewer's schedule slot.

    Up to ``followed_slots`` followed live rooms (in follow-list order: most watched first), then
    the most-watched live rooms (``popular_ids``), then a window of the other live rooms in a
    fixed shuffled order, starting at ``offsets`` (discovery); rooms the viewer follows are only
    ever in the first block, and no room already shown in this session comes back (a feed does
    not repeat itself while the viewer scrolls); the first ``k`` of these.

    Args:
        slot: ``(N,)`` int64 weekly schedule slot of each viewer's clock.
        follow_list: ``(N, max_follows)`` int64 followed room ids, -1 padded.
        n_follows_max: the largest number of follows of any viewer (columns worth reading).
        followed: ``(N, n_rooms + 1)`` bool, the viewer follows the room (last column False).
        last_shown: ``(N, n_rooms + 1)`` int, the session in which the room was last shown to
            the viewer (0: never; last column 0).
        session: ``(N,)`` int, each viewer's current session (>= 1).
        live: ``(n_slots, n_rooms + 1)`` bool, live table padded with a False column.
        popular_ids: ``(n_slots, P)`` int64, the most-watched live rooms, -1 padded.
        discovery_ids: ``(n_slots, D)`` int64, the other live rooms in a fixed random order,
            wrapped once when there are at least ``2k`` of them, -1 padded
            (see :class:`~livedqn_edu.envs.rooms.Rooms`).
        n_live: ``(n_slots,)`` int64, rooms live per slot.
        offsets: ``(N,)`` float64 in [0, 1), where each discovery window starts.
        k: number of slots.
        followed_slots: at most this many followed rooms.

    Returns:
        ``room_ids`` ``(N, K)`` int64 (-1 for an empty slot) and ``mask`` ``(N, K)`` bool.
    """
    n, width = followed.shape
    row_base = np.arange(0, n * width, width)
    # followed rooms live now and not yet shown this session, most watched first
    fl = follow_list[:, : max(n_follows_max, 1)].T  # (F, N)
    keep = live.take(slot * width + fl) & (last_shown.take(row_base + fl) != session)
    if followed_slots < fl.shape[0]:
        keep &= keep.cumsum(axis=0) <= followed_slots
    mine = np.where(keep, fl, -1)
    # the popular rooms, then a window of 2k other live rooms (so that k are left once the
    # followed rooms and those shown this session are dropped)
    n_rest = n_live[slot] - popular_ids.shape[1]
    first = (offsets * n_rest).astype(np.int64) * (n_rest >= 2 * k)  # a short list: all of it
    window = discovery_ids.take(slot * discovery_ids.shape[1] + first + _window(k))
    others = np.concatenate([popular_ids[slot].T, window])
    seen = row_base + others
    others = np.where(followed.take(seen) | (last_shown.take(seen) == session), -1, others)
    # keep the first k non-empty entries of each column (a stable sort of the empties last)
    pool = np.concatenate([mine, others])  # (M, N), no repeats
    if n == 1:  # the same, cheaper for one viewer (the gymnasium env)
        kept = pool[pool >= 0][:k]
        room_ids = np.full((1, k), -1, dtype=np.int64)
        room_ids[0, : kept.size] = kept
    else:
        order = (pool < 0).argsort(axis=0, kind="stable")[:k]
        room_ids = pool[order, np.arange(n)].T.copy()
    return room_ids, room_ids >= 0
