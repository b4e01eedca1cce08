"""Plausibility of the live-room world: every target holds, and the data card is the command's."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import VALIDATION
from livedqn_edu.recsys.calibration import (
    CALIBRATED,
    KINDS,
    TARGETS,
    Target,
    calibration_table,
    knob_table,
    log_statistics,
    room_statistics,
    table_markdown,
)
from livedqn_edu.recsys.datacard import LogSpec, measure


@pytest.fixture(scope="module")
def fresh_stats() -> dict[str, float]:
    # a seed and size different from the shipped logs (seed 0, 2,000 viewers): plausibility
    # must not be the luck of one seed. 1,500 viewer-weeks give ~16,000 entries and ~200 gifts.
    _, _, stats = measure(LogSpec(seed=11, n_viewers=1_500, days=7))
    return stats


@pytest.mark.parametrize("target", TARGETS, ids=[t.key for t in TARGETS])
def test_simulator_within_range(fresh_stats, target: Target) -> None:
    value = fresh_stats[target.key]
    assert target.ok(value), f"{target.key} = {value:.4f} outside [{target.low}, {target.high}]"


def test_every_target_says_what_kind_of_figure_it_is() -> None:
    assert {t.kind for t in TARGETS} <= set(KINDS)
    kinds = {t.key: t.kind for t in TARGETS}
    assert kinds["repeat_share"] == kinds["follow_hazard"] == "calibrated"
    assert kinds["weekly_churn"] == "assumption"
    assert all(t.low <= t.high and t.source and t.figure for t in TARGETS)
    # no other simulator's default is a target: every calibrated figure is a platform's
    for t in TARGETS:
        assert not any(name in t.source for name in ("RecoGym", "KuaiSim", "RecSim")), t.key


def test_calibrated_world_is_the_default_world() -> None:
    # the logs, the env and the training must simulate the same platform
    assert CALIBRATED == WorldConfig()


def test_knobs_are_config_fields() -> None:
    fields = {f.name for f in dataclasses.fields(WorldConfig)}
    table = knob_table()
    assert set(table["field"]) <= fields and len(table) == sum(len(t.knobs) for t in TARGETS)
    assert table["meaning"].str.len().min() > 0


def test_shipped_logs_come_from_the_current_world() -> None:
    import json

    from livedqn_edu.manifest import load
    from livedqn_edu.recsys.logs import LOGS_FILE

    recorded = load()[LOGS_FILE]["world_config"]
    current = json.loads(json.dumps(dataclasses.asdict(CALIBRATED)))
    changed = sorted(k for k in current if recorded.get(k) != current[k])
    assert not changed, (
        f"WorldConfig fields {changed} changed since data/ was generated: run "
        "`livedqn-edu data --regenerate` and commit data/"
    )


def _tiny_logs() -> pd.DataFrame:
    # viewer 0: day 0 (2 impressions, 1 entry of 12 min into a room watched before, with a gift)
    # and day 1 (1 impression); viewer 1: day 0 (1 entry of 4 min into a new room, a follow),
    # day 2 (1 impression, no entry; the viewer churns after it)
    return pd.DataFrame(
        {
            "viewer_id": [0, 0, 0, 1, 1],
            "day": [0, 0, 1, 0, 2],
            "session": [0, 0, 1, 0, 1],
            "room_id": [3, 4, 4, 5, 6],
            "click": [0, 1, 0, 1, 0],
            "watch_minutes": [0.0, 12.0, 0.0, 4.0, 0.0],
            "gift": [0.0, 50.0, 0.0, 0.0, 0.0],
            "follow": [0, 0, 0, 1, 0],
            "past_minutes": [0.0, 30.0, 12.0, 0.0, 0.0],
            "churn": [0, 0, 0, 0, 1],
        }
    )


def test_log_statistics_hand_computed() -> None:
    s = log_statistics(_tiny_logs(), days=3, live=np.array([True, True, True, True, False]))
    assert s["entry_rate"] == pytest.approx(2 / 5)  # 2 entries in 5 impressions
    assert s["gifts_per_entry"] == pytest.approx(1 / 2)  # 1 gift over 2 entries
    assert s["repeat_share"] == pytest.approx(1 / 2)  # room 4 (30 min before); room 5 is new
    # active (viewer, day) with day < 2: (0, 0), (0, 1), (1, 0); back next day: (0, 0) only
    assert s["next_day_return"] == pytest.approx(1 / 3)
    assert s["live_share"] == pytest.approx(4 / 5)
    assert s["watch_median"] == pytest.approx(8.0)  # median of 12 and 4
    assert s["watch_mean"] == pytest.approx(8.0)
    assert s["long_view_share"] == pytest.approx(12 / 16)  # the 4-min view is not > 5 min
    # 1 follow over 16 watch minutes = 16 / 60 hours
    assert s["follow_hazard"] == pytest.approx(1 / (16 / 60))
    # viewer-days: (0,0) 12 min, (0,1) 0, (1,0) 4, (1,2) 0 -> median 2, mean 4
    assert s["daily_minutes_median"] == pytest.approx(2.0)
    assert s["daily_minutes_mean"] == pytest.approx(4.0)
    # days 1..2 of 2 viewers: (0, 1) and (1, 2) active -> 2 / 4
    assert s["daily_active_share"] == pytest.approx(0.5)
    # 1 of 2 viewers churned within 3 days, scaled to a week: 0.5 * 7 / 3
    assert s["weekly_churn"] == pytest.approx(0.5 * 7 / 3)
    # sessions (0,0) entry, (0,1) none, (1,0) entry, (1,1) none -> 1 / 2
    assert s["sessions_with_entry"] == pytest.approx(0.5)


def test_room_statistics_by_hand() -> None:
    from livedqn_edu.envs.rooms import make_rooms

    rooms = make_rooms(WorldConfig(n_rooms=300), np.random.default_rng(0))
    s = room_statistics(rooms)
    assert s["catalogue_live_share"] == pytest.approx(rooms.live.mean())
    assert 0.5 < s["stream_hours"] < 10 and 0 <= s["evening_starts"] <= 1


def test_table_marks_misses() -> None:
    stats = {t.key: t.low for t in TARGETS}
    stats["entry_rate"] = 0.5  # far above the 10% - 30% band
    table = calibration_table(stats)
    assert list(table["within"]) == ["NO" if t.key == "entry_rate" else "yes" for t in TARGETS]
    md = table_markdown(table)
    assert md.splitlines()[0].startswith("| statistic | figure | kind |")
    assert md.count("\n") == len(TARGETS) + 1


def test_data_card_tables_are_the_commands_output() -> None:
    """The README's tables are what the command prints now, and every range and margin holds."""
    from livedqn_edu.manifest import data_dir
    from livedqn_edu.recsys.datacard import SHIPPED, Card, _card, stats_markdown

    card: Card = _card(SHIPPED, measure(SHIPPED)[2])
    readme = (data_dir() / "README.md").read_text(encoding="utf-8")
    assert stats_markdown(card) in readme
    assert card.missed() == []
    assert (card.margins["rel"] >= 0.2).all() and (card.margins["low"] > 0).all()


def test_data_command_prints_the_tables(capsys) -> None:
    from livedqn_edu.recsys.datacard import run_data_command

    small = LogSpec(seed=0, n_viewers=30, days=2, population=VALIDATION, policy_viewers=20,
                    policy_seeds=1)  # fmt: skip
    code = run_data_command(stats=True, regenerate=False, spec=small)
    out = capsys.readouterr().out
    assert code in (0, 1) and "| entries with a gift |" in out and "30 logged viewers" in out
    assert "| followed-first vs |" in out and "| fatigue |" in out
    with pytest.raises(ValueError, match="exactly one"):
        run_data_command(stats=True, regenerate=True)
