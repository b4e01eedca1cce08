"""``livedqn-edu data``: calibration statistics, and the shipped logs rebuilt bit for bit.

``livedqn-edu data --stats`` runs the logging policy in the calibrated world (the same seed and
size as the shipped logs) and prints the calibration table: each statistic beside the published
figure or prior it aims at. ``livedqn-edu data --regenerate`` writes the two files of ``data/``
again, records their checksums in ``data/MANIFEST.json`` and rewrites the statistics between the
markers ``<!-- stats:begin -->`` and ``<!-- stats:end -->`` of ``data/README.md`` (so the data
card's table is produced by this command, never typed by hand).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from livedqn_edu.envs.rooms import MINUTES_PER_DAY
from livedqn_edu.envs.world import World
from livedqn_edu.manifest import data_dir, record
from livedqn_edu.recsys.calibration import (
    CALIBRATED,
    TARGETS,
    calibration_table,
    log_statistics,
    table_markdown,
)
from livedqn_edu.recsys.logs import LOGS_FILE, ROOMS_FILE, generate_logs, write_csv_gz
from livedqn_edu.recsys.schema import LOG_COLUMNS, ROOM_COLUMNS, Column

__all__ = [
    "LogSpec",
    "SHIPPED",
    "BEGIN",
    "END",
    "measure",
    "schema_markdown",
    "regenerate_data",
    "run_data_command",
    "stats_markdown",
]

BEGIN = "<!-- stats:begin -->"
"""Marker line before the generated statistics in ``data/README.md``."""
END = "<!-- stats:end -->"
"""Marker line after them."""


@dataclass(frozen=True)
class LogSpec:
    """Size and seed of a generated log."""

    seed: int = 0
    """seed of the viewers, their responses and the logging policy."""
    n_viewers: int = 2_000
    """number of viewers followed."""
    days: int = 7
    """days of log (day 0 is a Monday)."""

    def command(self) -> str:
        """The shell command that rebuilds the shipped files."""
        return "livedqn-edu data --regenerate"


SHIPPED = LogSpec()
"""The spec of the logs shipped in ``data/`` (2,000 viewers over one week, seed 0)."""


def live_flags(logs: pd.DataFrame, world: World) -> np.ndarray:
    """Whether each logged room was live at its impression's time, ``(n,)`` bool."""
    t = logs["day"].to_numpy() * MINUTES_PER_DAY + logs["minute"].to_numpy()
    return world.rooms.is_live(logs["room_id"].to_numpy(), t)


def measure(spec: LogSpec = SHIPPED) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """Generate logs for ``spec`` in the calibrated world and compute their statistics.

    Returns:
        ``(logs, rooms, stats)``, ``stats`` as in :func:`~calibration.log_statistics`.
    """
    logs, rooms = generate_logs(spec.seed, spec.n_viewers, spec.days, config=CALIBRATED)
    stats = log_statistics(logs, spec.days, live=live_flags(logs, World(CALIBRATED)))
    return logs, rooms, stats


_DESCRIPTIVE = (
    ("impressions", "impressions (rows of the log)", "{:,.0f}"),
    ("clicks", "clicks", "{:,.0f}"),
    ("viewers", "viewers with at least one impression", "{:,.0f}"),
    ("sessions_per_viewer_day", "sessions per active viewer-day", "{:.2f}"),
    ("impressions_per_session", "impressions per session", "{:.1f}"),
    ("watch_median", "watch minutes per click, median", "{:.1f}"),
    ("watch_mean", "watch minutes per click, mean", "{:.1f}"),
    ("watch_p90", "watch minutes per click, 90th percentile", "{:.1f}"),
    ("top1pct_room_minutes_share", "share of watch minutes in the top 1% of rooms", "{:.1%}"),
    ("gift_coins_per_gift", "coins per gift, mean", "{:.1f}"),
)


def schema_markdown(columns: tuple[Column, ...]) -> str:
    """A schema as a markdown table: column, type, allowed range, meaning."""
    lines = ["| column | type | allowed | meaning |", "|---|---|---|---|"]
    for c in columns:
        if c.low is None and c.high is None:
            allowed = ""
        else:
            left = "(" if c.low_open else "["
            lo = "-inf" if c.low is None else f"{c.low:g}"
            hi = "inf)" if c.high is None else f"{c.high:g}]"
            allowed = f"{left}{lo}, {hi}"
        lines.append(f"| `{c.name}` | {c.kind} | {allowed} | {c.description} |")
    return "\n".join(lines)


def stats_markdown(stats: dict[str, float], spec: LogSpec = SHIPPED) -> str:
    """The data card's statistics section (markdown), deterministic for given statistics."""
    lines = [
        f"Measured by `livedqn-edu data --stats` on {spec.n_viewers:,} viewers over {spec.days} "
        f"days (seed {spec.seed}) under the logging policy, in the calibrated world "
        "(`livedqn_edu.recsys.calibration.CALIBRATED`).",
        "",
        table_markdown(calibration_table(stats)),
        "",
        "Descriptive statistics (no published target):",
        "",
        "| statistic | value |",
        "|---|---|",
        *(f"| {label} | {fmt.format(stats[key])} |" for key, label, fmt in _DESCRIPTIVE),
    ]
    return "\n".join(lines)


def _update_readme(path: Path, block: str) -> None:
    body = f"{BEGIN}\n{block}\n{END}"
    if not path.exists():
        path.write_text(f"# Data\n\n{body}\n", encoding="utf-8")
        return
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ValueError(
            f"{path} has no statistics markers: add the two lines {BEGIN!r} and {END!r} "
            "where the generated table should go, then run the command again"
        )
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), flags=re.S)
    path.write_text(pattern.sub(lambda _: body, text, count=1), encoding="utf-8")


def regenerate_data(out_dir: Path | str | None = None, spec: LogSpec = SHIPPED) -> dict[str, float]:
    """Write the logs and rooms files, record them in the manifest, update the README table.

    Args:
        out_dir: folder to write to; default ``data/``. The manifest and ``README.md`` of that
            folder are updated (a README with just the markers is created if there is none).
        spec: seed and size of the log.

    Returns:
        The statistics of the written logs.
    """
    out = Path(out_dir) if out_dir is not None else data_dir()
    out.mkdir(parents=True, exist_ok=True)
    logs, rooms, stats = measure(spec)
    meta = {
        "command": spec.command(),
        "seed": spec.seed,
        "generator": "livedqn_edu.recsys.logs",
        "world_config": dataclasses.asdict(CALIBRATED),
    }
    for df, name in ((logs, LOGS_FILE), (rooms, ROOMS_FILE)):
        path = write_csv_gz(df, out / name)
        record(path, root=out, rows=len(df), n_viewers=spec.n_viewers, days=spec.days, **meta)
    sizes = [
        f"| `{name}` | {rows:,} | {(out / name).stat().st_size:,} |"
        for name, rows in ((LOGS_FILE, len(logs)), (ROOMS_FILE, len(rooms)))
    ]
    block = "\n".join(
        [
            "### Files",
            "",
            "| file | rows | bytes |",
            "|---|---|---|",
            *sizes,
            "",
            f"### Schema of `{LOGS_FILE}` (one row per impression)",
            "",
            schema_markdown(LOG_COLUMNS),
            "",
            f"### Schema of `{ROOMS_FILE}` (one row per room)",
            "",
            schema_markdown(ROOM_COLUMNS),
            "",
            "### Statistics and calibration",
            "",
            stats_markdown(stats, spec),
        ]
    )
    _update_readme(out / "README.md", block)
    return stats


def run_data_command(
    stats: bool, regenerate: bool, out_dir: Path | str | None = None, spec: LogSpec = SHIPPED
) -> int:
    """The body of ``livedqn-edu data``.

    Returns:
        The exit status: 0 when every calibration target is within its tolerance, else 1.
    """
    if stats == regenerate:
        raise ValueError("choose exactly one of --stats and --regenerate")
    if regenerate:
        values = regenerate_data(out_dir, spec)
        out = Path(out_dir) if out_dir is not None else data_dir()
        print(f"wrote {out / LOGS_FILE} and {out / ROOMS_FILE}; updated MANIFEST.json, README.md")
    else:
        _, _, values = measure(spec)
    print(stats_markdown(values, spec))
    missed = [t.key for t in TARGETS if not t.ok(values[t.key])]
    if missed:
        print(f"outside tolerance: {', '.join(missed)}")
    return 1 if missed else 0
