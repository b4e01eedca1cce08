"""``livedqn-edu data``: the data card of the live-room world; the shipped logs rebuilt bit for bit.

``livedqn-edu data --stats`` measures and prints, without writing anything:

1. the plausibility table: the world's statistics under the logging policy (the same seed and
   size as the shipped logs), each beside the published figure or the assumption it is held to
   (:mod:`livedqn_edu.recsys.calibration`);
2. the mechanism table: how much each term of the utility weighs on the rooms followed-first and
   the myopic oracle show (:mod:`livedqn_edu.recsys.mechanisms`);
3. followed-first's margin over random and most-viewers, paired on the same test viewers.

``livedqn-edu data --regenerate`` also writes the two files of ``data/``, records their
checksums in ``data/MANIFEST.json`` and rewrites everything between the markers
``<!-- stats:begin -->`` and ``<!-- stats:end -->`` of ``data/README.md`` (so the data card's
tables are produced by this command, never typed by hand).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from livedqn_edu.envs.populations import LOGS, TEST, Population
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
from livedqn_edu.recsys.mechanisms import (
    MARGIN_TARGET,
    followed_first_margins,
    mechanism_markdown,
    utility_contributions,
)
from livedqn_edu.recsys.oracles import MyopicOracle
from livedqn_edu.recsys.policies import FollowedFirst, MostViewers, Random
from livedqn_edu.recsys.schema import LOG_COLUMNS, ROOM_COLUMNS, Column

__all__ = [
    "BEGIN",
    "END",
    "MECHANISMS_BEGIN",
    "MECHANISMS_END",
    "SHIPPED",
    "Card",
    "LogSpec",
    "live_flags",
    "measure",
    "measure_policies",
    "regenerate_data",
    "run_data_command",
    "schema_markdown",
    "stats_markdown",
]

BEGIN = "<!-- stats:begin -->"
"""Marker line before the generated tables in ``data/README.md``."""
END = "<!-- stats:end -->"
"""Marker line after them."""
MECHANISMS_BEGIN = "<!-- mechanisms:begin -->"
"""Marker line before the generated mechanism table (updated when present)."""
MECHANISMS_END = "<!-- mechanisms:end -->"
"""Marker line after it."""


@dataclass(frozen=True)
class LogSpec:
    """Size and seeds of a data card: the logs, and the policy comparison."""

    seed: int = LOGS.seeds[0]
    """seed of the logged viewers, their responses and the logging policy (``logs``)."""
    n_viewers: int = 2_000
    """number of viewers in the logs."""
    days: int = 7
    """days of log (day 0 is a Monday)."""
    population: Population = TEST
    """where followed-first and the oracle are compared and the mechanisms measured."""
    policy_viewers: int = 1_000
    """viewers per seed of that comparison."""
    policy_seeds: int = 2
    """seeds of the population used."""

    def command(self) -> str:
        """The shell command that rebuilds the shipped files."""
        return "livedqn-edu data --regenerate"


SHIPPED = LogSpec()
"""The spec of the shipped data card (2,000 logged viewers over one week, seed 0; the policy
comparison on 2 x 1,000 test viewers)."""


@dataclass(frozen=True)
class Card:
    """Everything the data card reports."""

    stats: dict[str, float]
    """plausibility and descriptive statistics of the logs (:func:`log_statistics`)."""
    terms: pd.DataFrame
    """mean utility terms on the rooms shown (:func:`utility_contributions`)."""
    margins: pd.DataFrame
    """followed-first against random and most-viewers (:func:`followed_first_margins`)."""

    def missed(self) -> list[str]:
        """Targets outside their range, and margins that fall short."""
        out = [t.key for t in TARGETS if not t.ok(self.stats[t.key])]
        out += [f"followed_first vs {b}" for b, m in self.margins["meets"].items() if not m]
        return out


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
    world = World(CALIBRATED)
    stats = log_statistics(logs, spec.days, spec.n_viewers, live_flags(logs, world), world.rooms)
    return logs, rooms, stats


def measure_policies(spec: LogSpec = SHIPPED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Utility terms and followed-first's margins on ``spec.population`` (paired viewers)."""
    policies = {"random": Random(0), "most_viewers": MostViewers(),
                "followed_first": FollowedFirst(), "myopic_oracle": MyopicOracle()}  # fmt: skip
    terms, per_viewer = utility_contributions(
        policies, spec.policy_viewers, spec.days, spec.population, spec.policy_seeds, CALIBRATED
    )
    return terms, followed_first_margins(per_viewer)


_DESCRIPTIVE = (
    ("impressions", "impressions (rows of the log)", "{:,.0f}"),
    ("entries", "entries (clicks)", "{:,.0f}"),
    ("viewers", "viewers", "{:,.0f}"),
    ("sessions_per_active_day", "sessions per active viewer-day", "{:.2f}"),
    ("impressions_per_session", "impressions per session", "{:.1f}"),
    ("watch_p90", "minutes per entry, 90th percentile", "{:.1f}"),
    ("next_day_return", "viewers active on day d seen again on d + 1", "{:.3f}"),
    ("follows_per_viewer_week", "new follows per viewer-week", "{:.3f}"),
    ("gifts", "gifts", "{:,.0f}"),
    ("gift_median", "gift value, median (coins)", "{:.2f}"),
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


def stats_markdown(card: Card, spec: LogSpec = SHIPPED) -> str:
    """The data card's measured sections (markdown), deterministic for a given card."""
    terms = card.terms.pivot(index="term", columns="policy", values="mean")
    terms = terms.loc[list(dict.fromkeys(card.terms["term"]))]
    share = card.terms.pivot(index="term", columns="policy", values="share")
    mech = ["| term | " + " | ".join(f"{p} (share)" for p in terms.columns) + " |",
            "|---|" + "---|" * len(terms.columns)]  # fmt: skip
    for term, row in terms.iterrows():
        cells = [
            f"{row[p]:+.3f}" + ("" if term == "base" else f" ({share.loc[term, p]:.0%})")
            for p in terms.columns
        ]
        mech.append(f"| {term} | " + " | ".join(cells) + " |")
    margins = ["| followed-first vs | followed-first | baseline | gain [95% CI] | meets |",
               "|---|---|---|---|---|"]  # fmt: skip
    for base, m in card.margins.iterrows():
        margins.append(
            f"| {base} | {m['mean_a']:.2f} | {m['mean_b']:.2f} | {m['rel']:+.1%} "
            f"[{m['rel_low']:+.1%}, {m['rel_high']:+.1%}] | {'yes' if m['meets'] else 'NO'} |"
        )
    pop = spec.population
    return "\n".join([
        f"Measured by `livedqn-edu data --stats` on {spec.n_viewers:,} logged viewers over "
        f"{spec.days} days (seed {spec.seed}) under the logging policy, in the default world "
        "(`livedqn_edu.recsys.calibration.CALIBRATED`). *calibrated*: the range holds a figure "
        "measured on a real platform; *assumption*: no published figure, a teaching assumption.",
        "",
        table_markdown(calibration_table(card.stats)),
        "",
        "Descriptive statistics (no target):",
        "",
        "| statistic | value |",
        "|---|---|",
        *(f"| {label} | {fmt.format(card.stats[key])} |" for key, label, fmt in _DESCRIPTIVE),
        "",
        f"What decides a choice: mean utility term of the rooms shown ({spec.policy_viewers:,} x "
        f"{spec.policy_seeds} `{pop.name}` viewers, seeds {list(pop.seeds[: spec.policy_seeds])}, "
        "one week; in brackets each term's share of the summed sizes of the terms):",
        "",
        *mech,
        "",
        f"Repeat consumption pays: return per viewer-week (0.1 per watch minute), paired on the "
        f"same viewers, target >= +{MARGIN_TARGET:.0%} with the interval above 0:",
        "",
        *margins,
    ])  # fmt: skip


def _check_readme(path: Path) -> None:
    """A clear error, before any work, if an existing README lacks the markers."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if BEGIN not in text or END not in text:
            raise ValueError(
                f"{path} has no statistics markers: add the two lines {BEGIN!r} and {END!r} "
                "where the generated table should go, then run the command again"
            )


def _replace_block(text: str, begin: str, end: str, block: str) -> str:
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), flags=re.S)
    return pattern.sub(lambda _: f"{begin}\n{block}\n{end}", text, count=1)


def _update_readme(path: Path, block: str) -> None:
    if not path.exists():
        path.write_text(f"# Data\n\n{BEGIN}\n{block}\n{END}\n", encoding="utf-8")
        return
    _check_readme(path)
    text = _replace_block(path.read_text(encoding="utf-8"), BEGIN, END, block)
    text = _replace_block(text, MECHANISMS_BEGIN, MECHANISMS_END, mechanism_markdown(CALIBRATED))
    path.write_text(text, encoding="utf-8")


def _card(spec: LogSpec, stats: dict[str, float]) -> Card:
    terms, margins = measure_policies(spec)
    return Card(stats, terms, margins)


def regenerate_data(out_dir: Path | str | None = None, spec: LogSpec = SHIPPED) -> Card:
    """Write the logs and rooms files, record them in the manifest, update the README tables.

    Args:
        out_dir: folder to write to; default ``data/``. The manifest and ``README.md`` of that
            folder are updated (a README with just the markers is created if there is none).
        spec: seeds and sizes of the data card.

    Returns:
        The data card.
    """
    out = Path(out_dir) if out_dir is not None else data_dir()
    _check_readme(out / "README.md")
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
    card = _card(spec, stats)
    block = "\n".join([
        "### Files", "", "| file | rows | bytes |", "|---|---|---|", *sizes, "",
        f"### Schema of `{LOGS_FILE}` (one row per impression)", "", schema_markdown(LOG_COLUMNS),
        "", f"### Schema of `{ROOMS_FILE}` (one row per room)", "", schema_markdown(ROOM_COLUMNS),
        "", "### Plausibility, mechanisms and the followed-first margin", "",
        stats_markdown(card, spec),
    ])  # fmt: skip
    _update_readme(out / "README.md", block)
    return card


def run_data_command(
    stats: bool, regenerate: bool, out_dir: Path | str | None = None, spec: LogSpec = SHIPPED
) -> int:
    """The body of ``livedqn-edu data``.

    Returns:
        The exit status: 0 when every target is within its range and followed-first's margins
        hold, else 1.
    """
    if stats == regenerate:
        raise ValueError("choose exactly one of --stats and --regenerate")
    if regenerate:
        card = regenerate_data(out_dir, spec)
        out = Path(out_dir) if out_dir is not None else data_dir()
        print(f"wrote {out / LOGS_FILE} and {out / ROOMS_FILE}; updated MANIFEST.json, README.md")
    else:
        card = _card(spec, measure(spec)[2])
    print(stats_markdown(card, spec))
    missed = card.missed()
    if missed:
        print(f"outside the stated ranges: {', '.join(missed)}")
    return 1 if missed else 0
