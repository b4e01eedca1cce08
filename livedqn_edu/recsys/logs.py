"""The live-room logged data: the schema, generation by a logging policy, loading, the CLI.

Two gzip-compressed CSV files live in ``data/`` (columns in :mod:`livedqn_edu.recsys.schema` and
in ``data/README.md``):

- ``live_room_logs.csv.gz``: one row per impression shown by the stochastic logging policy of
  :mod:`livedqn_edu.recsys.logging_policy`, with the exact propensity of every candidate, so that
  off-policy estimators (IPS, SNIPS, doubly robust) need no guessing;
- ``live_room_rooms.csv.gz``: one row per room.

:func:`generate_logs` runs the logging policy in the world; :func:`load_logs` and
:func:`load_rooms` (from :mod:`livedqn_edu.recsys.loading`) read and validate the files with a
clear error naming the file, the row and the column; ``livedqn-edu data`` lives in
:mod:`livedqn_edu.recsys.datacard`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.rooms import CATEGORIES, MINUTES_PER_DAY
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.loading import (
    LOGS_FILE,
    ROOMS_FILE,
    candidate_matrix,
    load_logs,
    load_rooms,
    write_csv_gz,
)
from livedqn_edu.recsys.logging_policy import (
    LoggingPolicyConfig,
    logging_propensities,
    sample_slots,
)

__all__ = [
    "LOGS_FILE",
    "ROOMS_FILE",
    "LoggingPolicyConfig",
    "candidate_matrix",
    "generate_logs",
    "load_logs",
    "load_rooms",
    "rooms_table",
    "write_csv_gz",
]


def rooms_table(world: World) -> pd.DataFrame:
    """The rooms of ``world`` as a table with the columns of ``ROOM_COLUMNS``."""
    r = world.rooms
    per_hour = 60 // r.slot_minutes
    hourly = r.live.reshape(7, 24, per_hour, r.n_rooms).sum(axis=(0, 2))  # (24, n_rooms)
    names = [CATEGORIES[i] if i < len(CATEGORIES) else f"category_{i}" for i in r.category]
    return pd.DataFrame(
        {
            "room_id": np.arange(r.n_rooms),
            "category": names,
            "quality": np.round(r.quality, 4),
            "audience": np.round(r.audience, 2),
            "live_hours_per_week": r.live.sum(axis=0) * r.slot_minutes / 60.0,
            "peak_hour": np.argmax(hourly, axis=0),
        }
    )


def _join(matrix: np.ndarray, mask: np.ndarray) -> list[str]:
    """Row-wise space-joined ``repr`` of the masked entries (ints or floats)."""
    return [" ".join(map(repr, row[m].tolist())) for row, m in zip(matrix, mask, strict=True)]


def generate_logs(
    seed: int,
    n_viewers: int,
    days: int,
    config: WorldConfig | None = None,
    policy: LoggingPolicyConfig | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the logging policy in the world and log every impression.

    The world's viewers and responses draw from ``seed``; the logging policy draws from its own
    generator (seeded with ``[seed, 1]``), so the same seed gives the same logs on every run.

    Args:
        seed: a non-negative integer.
        n_viewers: number of viewers, >= 1.
        days: days of the log, >= 1 (replaces ``config.days``).
        config: the world's configuration; default ``WorldConfig()``.
        policy: epsilon and mix of the logging policy; default ``LoggingPolicyConfig()``.

    Returns:
        ``(logs, rooms)``: one row per impression (columns of ``LOG_COLUMNS``, sorted by viewer
        then time) and one row per room (``ROOM_COLUMNS``).
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(days, bool) or not isinstance(days, int | np.integer) or days < 1:
        raise ValueError(f"days must be an int >= 1, got {days!r}")
    config = dataclasses.replace(config or WorldConfig(), days=int(days))
    policy = policy or LoggingPolicyConfig()
    world = World(config)
    world.reset(n_viewers, seed=int(seed))
    rng = np.random.default_rng([int(seed), 1])
    v, audience = world.viewers, world.rooms.audience
    chunks: list[dict[str, np.ndarray]] = []
    while not v.done.all():
        idx = np.flatnonzero(~v.done & world.mask.any(axis=1))
        ids, mask = world.room_ids[idx], world.mask[idx]
        followed = v.followed[idx[:, None], ids]
        probs = logging_propensities(audience[np.maximum(ids, 0)], followed, mask, policy)
        slots = sample_slots(probs, rng)
        actions = np.zeros(v.n, dtype=np.int64)
        actions[idx] = slots
        room = ids[np.arange(idx.size), slots]
        chunk = {
            "viewer_id": idx,
            "t": v.t[idx].copy(),
            "session": v.sessions[idx] - 1,
            "step": v.session_steps[idx].copy(),
            "ids": ids,
            "mask": mask,
            "probs": probs,
            "slot": slots,
            "room_id": room,
            "followed": followed[np.arange(idx.size), slots],
            "past_minutes": v.habit[idx, room].astype(np.float64),
        }
        _, parts = world.step(actions)
        for key in ("choice", "click", "stay", "watch_minutes", "gift", "follow", "session_end",
                    "churn"):  # fmt: skip
            chunk[key] = parts[key][idx]
        chunks.append(chunk)
    cat = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    order = np.lexsort((cat["t"], cat["viewer_id"]))  # by viewer, then by time
    cat = {k: a[order] for k, a in cat.items()}
    day = np.floor(cat["t"] / MINUTES_PER_DAY)
    room = cat["room_id"]
    logs = pd.DataFrame(
        {
            "viewer_id": cat["viewer_id"],
            "day": day.astype(np.int64),
            # floored (not rounded) so that a time never moves into the next schedule slot
            "minute": np.floor((cat["t"] - day * MINUTES_PER_DAY) * 100) / 100,
            "session": cat["session"],
            "step": cat["step"],
            "candidates": _join(cat["ids"], cat["mask"]),
            "candidate_propensities": _join(cat["probs"], cat["mask"]),
            "slot": cat["slot"],
            "room_id": room,
            "propensity": cat["probs"][np.arange(room.size), cat["slot"]],
            "audience": np.round(audience[room]).astype(np.int64),
            "followed": cat["followed"].astype(np.int64),
            "past_minutes": np.round(cat["past_minutes"], 2),
            "choice": cat["choice"].astype(np.int64),
            "click": cat["click"].astype(np.int64),
            "stay": cat["stay"].astype(np.int64),
            "watch_minutes": np.round(cat["watch_minutes"], 2),
            "gift": np.round(cat["gift"], 2),
            "follow": cat["follow"].astype(np.int64),
            "session_end": cat["session_end"].astype(np.int64),
            "churn": cat["churn"].astype(np.int64),
        }
    )
    return logs, rooms_table(world)
