"""Loading, validating and writing the live-room logs (the files in ``data/``).

Two gzip-compressed CSV files live in ``data/`` (schema in :mod:`livedqn_edu.recsys.schema` and in
``data/README.md``):

- ``live_room_logs.csv.gz``: one row per impression shown by a stochastic logging policy
  (:mod:`livedqn_edu.recsys.logging_policy`), with the exact propensity of every candidate;
- ``live_room_rooms.csv.gz``: one row per room.

``load_logs`` and ``load_rooms`` check every column and every cross-reference and raise one clear
``ValueError`` naming the file, the row and the column. ``write_csv_gz`` writes a table the same
way byte for byte on every run (fixed float formatting, gzip with ``mtime=0`` and no file name),
which is what ``livedqn-edu data --regenerate`` relies on.
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from livedqn_edu.manifest import data_dir
from livedqn_edu.recsys.schema import (
    LOG_COLUMNS,
    ROOM_COLUMNS,
    Column,
    parse_lists,
    validate_table,
)

__all__ = [
    "LOGS_FILE",
    "ROOMS_FILE",
    "load_logs",
    "load_rooms",
    "candidate_matrix",
    "write_csv_gz",
]

LOGS_FILE = "live_room_logs.csv.gz"
"""File name of the impression logs inside ``data/``."""
ROOMS_FILE = "live_room_rooms.csv.gz"
"""File name of the rooms table inside ``data/``."""

_PROPENSITY_ATOL = 1e-9


def write_csv_gz(df: pd.DataFrame, path: Path | str) -> Path:
    """Write ``df`` as a gzip-compressed CSV that is identical byte for byte on every run.

    Floats are written with ``repr`` (shortest round-trip), lines end with ``\\n``, and the gzip
    header carries no time stamp and no file name.

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = df.to_csv(index=False, lineterminator="\n")
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(text.encode("utf-8"))
    return path


def _read_text(path: Path | str, columns: tuple[Column, ...]) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist; rebuild the shipped data with `livedqn-edu data --regenerate`"
        )
    with open(path, "rb") as f:
        content = f.read()
    if content[:2] == b"\x1f\x8b":
        try:
            content = gzip.decompress(content)
        except (EOFError, OSError, zlib.error) as exc:
            raise ValueError(
                f"{path} is not a complete gzip file ({exc}): it is truncated or corrupt. "
                "Rebuild the shipped data with `livedqn-edu data --regenerate`."
            ) from None
    # fast path: numeric columns parsed by pandas' C parser; on any bad cell, read everything as
    # text so that validation can name the first bad row
    numeric = {c.name: np.float64 for c in columns if c.kind in ("int", "float")}
    try:
        try:
            return pd.read_csv(io.BytesIO(content), dtype={**numeric}, keep_default_na=False)
        except ValueError:
            return pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a readable CSV file: {exc}") from None


def load_rooms(path: Path | str | None = None) -> pd.DataFrame:
    """Load and validate the rooms table.

    Args:
        path: a ``.csv`` or ``.csv.gz`` file; default ``data/live_room_rooms.csv.gz``.

    Returns:
        One row per room, columns of :data:`~livedqn_edu.recsys.schema.ROOM_COLUMNS`.

    Raises:
        ValueError: a missing column, a wrong type, a value out of range or a duplicated
            ``room_id``, naming the file, the row and the column.
    """
    path = Path(path) if path is not None else data_dir() / ROOMS_FILE
    rooms = validate_table(_read_text(path, ROOM_COLUMNS), ROOM_COLUMNS, path)
    dup = rooms["room_id"].duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise ValueError(
            f"{path}: row {row} (file line {row + 2}), column 'room_id': room "
            f"{rooms['room_id'].iloc[row]} appears twice; each room must have one row."
        )
    return rooms


def candidate_matrix(logs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The candidate sets of the logs as matrices, for off-policy estimators.

    Args:
        logs: a DataFrame from :func:`load_logs` (``n`` rows).

    Returns:
        ``(room_ids, propensities)``: ``(n, K)`` int64 room ids padded with -1, and ``(n, K)``
        float64 logging probabilities padded with 0 (K = the largest candidate set).
    """
    ids, _ = parse_lists(logs["candidates"], "ids", "logs", "candidates")
    probs, _ = parse_lists(logs["candidate_propensities"], "floats", "logs", "candidates")
    return ids, probs


def _fail(path: Path, bad: np.ndarray, column: str, message: str) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{path}: row {row} (file line {row + 2}), column {column!r}: {message}")


def load_logs(
    path: Path | str | None = None, rooms: pd.DataFrame | Path | str | None = None
) -> pd.DataFrame:
    """Load and validate the impression logs.

    Besides each column's type and range (see :data:`~livedqn_edu.recsys.schema.LOG_COLUMNS`), it
    checks that ``room_id == candidates[slot]``, that ``propensity`` equals the shown slot's
    entry of ``candidate_propensities``, that each row's candidate propensities lie in [0, 1] and
    sum to 1, that a row without a click has no watch minutes, gift or follow, and that every
    room id is in the rooms table.

    Args:
        path: a ``.csv`` or ``.csv.gz`` file; default ``data/live_room_logs.csv.gz``.
        rooms: the rooms table (a DataFrame from :func:`load_rooms` or its path); default: the
            rooms file next to ``path`` if there is one, else room ids are not cross-checked.

    Returns:
        One row per impression, typed (ints as int64, floats as float64, lists as str).

    Raises:
        ValueError: naming the file, the first bad row and the column.
    """
    path = Path(path) if path is not None else data_dir() / LOGS_FILE
    logs = validate_table(_read_text(path, LOG_COLUMNS), LOG_COLUMNS, path)
    ids, n_ids = parse_lists(logs["candidates"], "ids", path, "candidates")
    probs, n_probs = parse_lists(
        logs["candidate_propensities"], "floats", path, "candidate_propensities"
    )
    _fail(
        path,
        n_ids != n_probs,
        "candidate_propensities",
        "it must list one probability per candidate (as many numbers as `candidates` has ids)",
    )
    _fail(
        path,
        ((probs < 0) | (probs > 1)).any(axis=1) | (np.abs(probs.sum(axis=1) - 1) > 1e-6),
        "candidate_propensities",
        "candidate probabilities must lie in [0, 1] and sum to 1",
    )
    slot = logs["slot"].to_numpy()
    _fail(path, slot >= n_ids, "slot", "the slot is past the end of the candidate list")
    rows = np.arange(len(logs))
    _fail(
        path,
        ids[rows, slot] != logs["room_id"].to_numpy(),
        "room_id",
        "the shown room must be the candidate in position `slot`",
    )
    _fail(
        path,
        np.abs(probs[rows, slot] - logs["propensity"].to_numpy()) > _PROPENSITY_ATOL,
        "propensity",
        "the shown room's propensity must equal its entry in `candidate_propensities`",
    )
    no_click = logs["click"].to_numpy() == 0
    for col in ("stay", "watch_minutes", "gift", "follow"):
        _fail(path, no_click & (logs[col].to_numpy() != 0), col, "must be 0 without a click")

    if rooms is None:
        sibling = path.parent / ROOMS_FILE
        rooms = load_rooms(sibling) if sibling.is_file() else None
    elif not isinstance(rooms, pd.DataFrame):
        rooms = load_rooms(rooms)
    if rooms is not None:
        known = np.sort(rooms["room_id"].to_numpy())
        for col, values in (("room_id", logs["room_id"].to_numpy()[:, None]), ("candidates", ids)):
            pos = np.clip(np.searchsorted(known, values), 0, len(known) - 1)
            unknown = (values >= 0) & (known[pos] != values)
            bad = unknown.any(axis=1)
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                room = int(values[row][unknown[row]][0])
                raise ValueError(
                    f"{path}: row {row} (file line {row + 2}), column {col!r}: unknown room id "
                    f"{room}; the rooms table has {len(known)} rooms with ids "
                    f"{known.min()}..{known.max()}. Load the logs with the rooms table they "
                    "were generated with."
                )
    return logs
