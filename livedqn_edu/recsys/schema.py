"""The logged-data schema and its validation: one row per impression, one row per room.

The logs are built for off-policy evaluation (lesson 09): each row keeps the candidate set the
logging policy chose from, the exact probability it gave each candidate, and the shown room's
propensity, so IPS, SNIPS and doubly-robust estimators can be computed without guessing.

Validation turns a broken file into one clear :class:`ValueError` naming the file, the row and
the column (rows are counted from 0 as in pandas; file line = row + 2, after the header).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "MAX_LIST",
    "Column",
    "LOG_COLUMNS",
    "ROOM_COLUMNS",
    "validate_table",
    "parse_lists",
]


@dataclass(frozen=True)
class Column:
    """One column of a logged-data table."""

    name: str
    """column name in the CSV header."""
    kind: str
    """"int", "float", "str", "ids" (space-separated ints) or "floats" (space-separated floats)."""
    description: str
    """what the column holds, with its unit; shown in the data card."""
    low: float | None = None
    """smallest allowed value (inclusive), or None."""
    high: float | None = None
    """largest allowed value (inclusive), or None."""
    low_open: bool = False
    """True when ``low`` itself is not allowed (the interval is open on the left)."""


LOG_COLUMNS: tuple[Column, ...] = (
    Column("viewer_id", "int", "viewer index, 0 .. n_viewers - 1", 0),
    Column("day", "int", "day since the start of the log (day 0 is a Monday)", 0),
    Column("minute", "float", "time of day of the impression, minutes after midnight", 0, 1440),
    Column("session", "int", "the viewer's session counter (0 = first session in the log)", 0),
    Column("step", "int", "impression index within the session (0 = first)", 0),
    Column("candidates", "ids", "room ids of the K slots (live rooms only), space-separated"),
    Column(
        "candidate_propensities",
        "floats",
        "logging policy's probability of each candidate, same order; they sum to 1",
    ),
    Column("slot", "int", "index of the shown room in `candidates`", 0),
    Column("room_id", "int", "the room shown (= candidates[slot])", 0),
    Column(
        "propensity", "float", "logging policy's probability of the shown room", 0, 1, low_open=True
    ),
    Column("audience", "int", "typical number of viewers of the shown room", 0),
    Column(
        "followed", "int", "1 if the viewer followed the shown room before this impression", 0, 1
    ),
    Column(
        "past_minutes",
        "float",
        "minutes the viewer had watched this room before (incl. history)",
        0,
    ),
    Column(
        "choice", "int", "the viewer's choice: 0 = watch, 1 = keep browsing, 2 = close app", 0, 2
    ),
    Column("click", "int", "1 if the viewer entered the room (choice 0)", 0, 1),
    Column("stay", "int", "1 if the entry was a real watch, 0 for a bounce or no entry", 0, 1),
    Column("watch_minutes", "float", "minutes watched (0 without a click)", 0),
    Column("gift", "float", "value of gifts sent during the watch, in coins (0 = none)", 0),
    Column("follow", "int", "1 if the viewer followed the room during this watch", 0, 1),
    Column(
        "session_end",
        "int",
        "1 if the session ended after it (closed, out of patience or time)",
        0,
        1,
    ),
    Column("churn", "int", "1 if the viewer left the platform for good after this session", 0, 1),
)
"""Columns of ``data/live_room_logs.csv.gz`` in file order."""

ROOM_COLUMNS: tuple[Column, ...] = (
    Column("room_id", "int", "room index, 0 .. n_rooms - 1", 0),
    Column("category", "str", "one of the 8 categories (gaming, music, chat, ...)"),
    Column("quality", "float", "hidden content quality, standard normal (unitless)"),
    Column("audience", "float", "typical number of viewers while live (power law)", 0),
    Column("live_hours_per_week", "float", "hours live in the weekly schedule", 0, 168),
    Column("peak_hour", "int", "hour of the day (0-23) the room is most often live", 0, 23),
)
"""Columns of ``data/live_room_rooms.csv.gz`` in file order."""


MAX_LIST = 1_000
"""Longest list a cell may hold (candidates per impression): a longer one is refused before it is
parsed, since every row is padded to the longest list (one row of a million ids would cost
gigabytes)."""


def _where(path: Path | str, row: int, column: str) -> str:
    return f"{path}: row {row} (file line {row + 2}), column {column!r}"


def _parse_lists_fast(values: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Parse well-formed lists with pandas' C parser; None if any cell is malformed."""
    texts = values.astype(str)
    if texts.empty:
        return np.zeros((0, 1)), np.zeros(0, dtype=np.int64)
    if (texts == "").any() or texts.str.contains("  ", regex=False).any():
        return None
    lengths = texts.str.count(" ").to_numpy(np.int64) + 1
    width = int(lengths.max())
    try:
        num = pd.read_csv(
            io.StringIO("\n".join(texts.tolist())),
            sep=" ",
            header=None,
            names=list(range(width)),
            dtype=np.float64,
        ).to_numpy(np.float64)
    except (ValueError, pd.errors.ParserError):
        return None
    present = np.arange(width)[None, :] < lengths[:, None]
    if num.shape != present.shape or not np.isfinite(num[present]).all():
        return None
    if kind == "ids":
        if (num[present] != np.round(num[present])).any():
            return None
        return np.where(present, num, -1).astype(np.int64), lengths
    return np.where(present, num, 0.0), lengths


def parse_lists(
    values: pd.Series, kind: str, path: Path | str, column: str
) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column of space-separated lists (``"3 17 42"``) into a padded matrix.

    Args:
        values: ``(n,)`` text cells.
        kind: ``"ids"`` for integers or ``"floats"`` for numbers.
        path: the file, for error messages.
        column: the column name, for error messages.

    Returns:
        ``(matrix, lengths)``: ``(n, K)`` int64 padded with -1 (ids) or float64 padded with 0
        (floats), K the longest list; ``(n,)`` int64 list lengths.

    Raises:
        ValueError: naming the file, the first bad row and the column.
    """
    lengths = values.astype(str).str.count(" ").to_numpy(np.int64) + 1
    if lengths.size and lengths.max() > MAX_LIST:
        row = int(np.argmax(lengths))
        raise ValueError(
            f"{_where(path, row, column)}: a list of {lengths[row]:,} items; at most {MAX_LIST:,} "
            "are allowed (a slate holds a few dozen rooms at most). The file is damaged: "
            "regenerate it with `livedqn-edu data --regenerate`."
        )
    fast = _parse_lists_fast(values, kind)
    if fast is not None:
        return fast
    # slow path, only for a broken column: find the first bad row and name it
    parts = values.astype(str).str.split(" ", expand=True)
    if parts.shape[1] == 0:
        parts = pd.DataFrame(index=values.index, columns=[0])
    present = (parts.notna() & parts.ne("")).to_numpy(dtype=bool)
    lengths = present.sum(axis=1).astype(np.int64)
    num = parts.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = present & ~np.isfinite(num)
    if kind == "ids":
        bad |= present & np.isfinite(num) & (num != np.round(num))
    # a list must be non-empty and contiguous ("3  4" has an empty item in the middle)
    first_gap = np.argmin(np.column_stack([present, np.zeros(len(present), bool)]), axis=1)
    bad_row = bad.any(axis=1) | (lengths == 0) | (lengths != first_gap)
    if bad_row.any():
        row = int(np.flatnonzero(bad_row)[0])
        want = "space-separated integers" if kind == "ids" else "space-separated numbers"
        raise ValueError(
            f"{_where(path, row, column)}: expected {want}, got {values.iloc[row]!r}. "
            "Fix that row or regenerate the data with `livedqn-edu data --regenerate`."
        )
    if kind == "ids":
        return np.where(present, num, -1).astype(np.int64), lengths
    return np.where(present, num, 0.0), lengths


def _convert(raw: pd.Series, col: Column, path: Path | str) -> pd.Series:
    """Convert a column read as text to its kind, or raise naming the first bad row."""
    if col.kind in ("str", "ids", "floats"):
        return raw.astype(str)
    if pd.api.types.is_numeric_dtype(raw):  # already parsed by read_csv (the fast path)
        num = raw.astype(np.float64)
    else:
        num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() | ~np.isfinite(num.to_numpy(dtype=float, na_value=np.nan))
    if col.kind == "int":
        bad |= num.notna() & (num != np.floor(num.fillna(0)))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        want = "an integer" if col.kind == "int" else "a finite number"
        raise ValueError(
            f"{_where(path, row, col.name)}: expected {want}, got {raw.iloc[row]!r}. "
            "Fix or remove that row, or regenerate the data with `livedqn-edu data --regenerate`."
        )
    num = num.astype(np.int64 if col.kind == "int" else np.float64)
    values = num.to_numpy()
    below = np.zeros(len(num), dtype=bool)
    if col.low is not None:
        below = values <= col.low if col.low_open else values < col.low
    above = values > col.high if col.high is not None else np.zeros(len(num), dtype=bool)
    if (below | above).any():
        row = int(np.flatnonzero(below | above)[0])
        left = "(" if col.low_open else "["
        lo = "-inf" if col.low is None else f"{col.low:g}"
        hi = "inf)" if col.high is None else f"{col.high:g}]"
        what = "negative minutes are impossible" if col.name == "watch_minutes" else col.description
        raise ValueError(
            f"{_where(path, row, col.name)}: value {values[row]!r} is outside the allowed range "
            f"{left}{lo}, {hi} ({what})."
        )
    return num


def validate_table(
    raw: pd.DataFrame, columns: tuple[Column, ...], path: Path | str
) -> pd.DataFrame:
    """Check a table read as text against ``columns``; return it with typed columns.

    Args:
        raw: the file as read: every cell text (``dtype=str``), or numeric columns already
            parsed as float64.
        columns: the schema, e.g. :data:`LOG_COLUMNS`.
        path: the file's path, used in error messages.

    Returns:
        A new DataFrame with exactly the schema's columns, in schema order, typed (int64, float64
        or str).

    Raises:
        ValueError: a missing column, a value of the wrong type or out of its range, naming the
            file, the row and the column.
    """
    missing = [c.name for c in columns if c.name not in raw.columns]
    if missing:
        raise ValueError(
            f"{path}: missing column(s) {missing}; expected columns {[c.name for c in columns]}, "
            f"found {list(raw.columns)}. Regenerate the file with `livedqn-edu data --regenerate`."
        )
    return pd.DataFrame({c.name: _convert(raw[c.name], c, path) for c in columns})
