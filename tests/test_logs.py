"""Tests for the logged-data schema, loading, validation and the logging policy."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livedqn_edu.recsys.logging_policy import (
    LoggingPolicyConfig,
    greedy_slots,
    logging_propensities,
    sample_slots,
)
from livedqn_edu.recsys.logs import (
    LOGS_FILE,
    ROOMS_FILE,
    candidate_matrix,
    load_logs,
    load_rooms,
    write_csv_gz,
)
from livedqn_edu.recsys.schema import LOG_COLUMNS, ROOM_COLUMNS


def _rooms() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "room_id": [0, 1, 2],
            "category": ["gaming", "music", "chat"],
            "quality": [0.5, -0.1, 1.2],
            "audience": [120.0, 30.0, 25.5],
            "live_hours_per_week": [20.0, 168.0, 6.5],
            "peak_hour": [20, 0, 13],
        }
    )


def _logs() -> pd.DataFrame:
    # row 0: candidates 0 1 2; epsilon 0.3 over 3 rooms = 0.1 each; MV = room 0 gets 0.35 more,
    # FF = room 1 (followed) gets 0.35 more -> 0.45, 0.45, 0.1
    # row 1: a single candidate gets probability 1
    return pd.DataFrame(
        {
            "viewer_id": [0, 0],
            "day": [0, 0],
            "minute": [1200.0, 1203.5],
            "session": [0, 0],
            "step": [0, 1],
            "candidates": ["0 1 2", "1"],
            "candidate_propensities": ["0.45 0.45 0.1", "1.0"],
            "slot": [2, 0],
            "room_id": [2, 1],
            "propensity": [0.1, 1.0],
            "audience": [25, 30],
            "followed": [0, 1],
            "past_minutes": [0.0, 75.5],
            "choice": [1, 0],
            "click": [0, 1],
            "watch_minutes": [0.0, 12.25],
            "gift": [0.0, 0.0],
            "follow": [0, 0],
            "session_end": [0, 1],
        }
    )


def _write(tmp_path, logs=None, rooms=None, gz=True):
    logs = _logs() if logs is None else logs
    rooms = _rooms() if rooms is None else rooms
    if gz:
        write_csv_gz(rooms, tmp_path / ROOMS_FILE)
        return write_csv_gz(logs, tmp_path / LOGS_FILE)
    rooms.to_csv(tmp_path / ROOMS_FILE.removesuffix(".gz"), index=False)
    logs.to_csv(tmp_path / LOGS_FILE.removesuffix(".gz"), index=False)
    return tmp_path / LOGS_FILE.removesuffix(".gz")


def test_round_trip(tmp_path) -> None:
    path = _write(tmp_path)
    logs = load_logs(path)
    pd.testing.assert_frame_equal(logs, _logs(), check_dtype=False)
    assert list(logs.columns) == [c.name for c in LOG_COLUMNS]
    assert logs["click"].dtype == np.int64 and logs["minute"].dtype == np.float64
    rooms = load_rooms(tmp_path / ROOMS_FILE)
    assert list(rooms.columns) == [c.name for c in ROOM_COLUMNS]
    pd.testing.assert_frame_equal(rooms, _rooms(), check_dtype=False)
    ids, probs = candidate_matrix(logs)
    np.testing.assert_array_equal(ids, [[0, 1, 2], [1, -1, -1]])
    np.testing.assert_allclose(probs, [[0.45, 0.45, 0.1], [1.0, 0.0, 0.0]])


def test_write_is_deterministic_and_gzip_has_no_timestamp(tmp_path) -> None:
    a = write_csv_gz(_logs(), tmp_path / "a.csv.gz").read_bytes()
    b = write_csv_gz(_logs(), tmp_path / "b.csv.gz").read_bytes()
    assert a == b
    assert a[4:8] == b"\x00\x00\x00\x00"  # gzip MTIME field is zero
    assert gzip.decompress(a).decode().startswith("viewer_id,day,minute,")


def test_plain_csv_is_accepted(tmp_path) -> None:
    logs = load_logs(_write(tmp_path, gz=False), rooms=tmp_path / "live_room_rooms.csv")
    assert len(logs) == 2


def _error(tmp_path, logs=None, rooms=None) -> str:
    path = _write(tmp_path, logs=logs, rooms=rooms)
    with pytest.raises(ValueError) as info:
        load_logs(path)
    return str(info.value)


def test_missing_column_names_file_and_column(tmp_path) -> None:
    msg = _error(tmp_path, logs=_logs().drop(columns=["propensity"]))
    assert LOGS_FILE in msg and "missing column" in msg and "'propensity'" in msg


def test_wrong_type_names_file_row_and_column(tmp_path) -> None:
    logs = _logs().astype({"click": object})
    logs.loc[1, "click"] = "yes"
    msg = _error(tmp_path, logs=logs)
    assert LOGS_FILE in msg and "row 1 (file line 3)" in msg and "'click'" in msg
    assert "integer" in msg and "'yes'" in msg


def test_non_integer_id_is_a_type_error(tmp_path) -> None:
    logs = _logs()
    logs["viewer_id"] = [0.0, 0.5]
    msg = _error(tmp_path, logs=logs)
    assert "row 1" in msg and "'viewer_id'" in msg and "integer" in msg


def test_negative_minutes(tmp_path) -> None:
    logs = _logs()
    logs.loc[1, "watch_minutes"] = -3.0
    msg = _error(tmp_path, logs=logs)
    assert "row 1" in msg and "'watch_minutes'" in msg and "negative minutes" in msg


@pytest.mark.parametrize("bad", [0.0, -0.2, 1.5])
def test_propensity_outside_zero_one(tmp_path, bad) -> None:
    logs = _logs()
    logs.loc[0, "propensity"] = bad
    msg = _error(tmp_path, logs=logs)
    assert "row 0" in msg and "'propensity'" in msg and "(0, 1]" in msg


def test_propensity_must_match_candidate_propensities(tmp_path) -> None:
    logs = _logs()
    logs.loc[0, "propensity"] = 0.45
    msg = _error(tmp_path, logs=logs)
    assert "row 0" in msg and "'propensity'" in msg and "candidate_propensities" in msg


def test_candidate_propensities_must_sum_to_one(tmp_path) -> None:
    logs = _logs()
    logs.loc[0, "candidate_propensities"] = "0.45 0.45 0.2"
    msg = _error(tmp_path, logs=logs)
    assert "row 0" in msg and "sum to 1" in msg


def test_unknown_room_id(tmp_path) -> None:
    logs = _logs()
    logs.loc[1, ["candidates", "room_id"]] = ["7", 7]
    msg = _error(tmp_path, logs=logs)
    assert "row 1" in msg and "'room_id'" in msg and "unknown room id 7" in msg


def test_unknown_candidate_room_id(tmp_path) -> None:
    logs = _logs()
    logs.loc[0, "candidates"] = "0 9 2"
    msg = _error(tmp_path, logs=logs)
    assert "row 0" in msg and "'candidates'" in msg and "unknown room id 9" in msg


def test_shown_room_must_be_candidate_at_slot(tmp_path) -> None:
    logs = _logs()
    logs.loc[0, "room_id"] = 1
    msg = _error(tmp_path, logs=logs)
    assert "row 0" in msg and "'room_id'" in msg and "slot" in msg


def test_watch_without_click(tmp_path) -> None:
    logs = _logs()
    logs.loc[0, "watch_minutes"] = 4.0
    msg = _error(tmp_path, logs=logs)
    assert "row 0" in msg and "'watch_minutes'" in msg and "without a click" in msg


def test_broken_candidate_list(tmp_path) -> None:
    logs = _logs()
    logs.loc[0, "candidates"] = "0 x 2"
    msg = _error(tmp_path, logs=logs)
    assert "row 0" in msg and "'candidates'" in msg and "integers" in msg


def test_rooms_errors(tmp_path) -> None:
    rooms = _rooms()
    rooms.loc[2, "room_id"] = 1
    write_csv_gz(rooms, tmp_path / ROOMS_FILE)
    with pytest.raises(ValueError, match=r"row 2 .*'room_id'.*twice"):
        load_rooms(tmp_path / ROOMS_FILE)
    write_csv_gz(_rooms().drop(columns=["category"]), tmp_path / ROOMS_FILE)
    with pytest.raises(ValueError, match=r"missing column.*'category'"):
        load_rooms(tmp_path / ROOMS_FILE)


def test_missing_file_says_how_to_regenerate(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="--regenerate"):
        load_logs(tmp_path / "nope.csv.gz")


# ---------------------------------------------------------------- logging policy


def test_logging_propensities_hand_computed() -> None:
    audience = np.array([[10.0, 50.0, 30.0, 0.0]])
    followed = np.array([[True, False, True, True]])
    mask = np.array([[True, True, True, False]])
    # epsilon 0.3 over 3 valid slots: 0.1 each; MV = slot 1 (50 viewers) gets 0.7 * 0.5 = 0.35;
    # FF = slot 2 (followed, 30 > 10; slot 3 is masked) gets 0.35 -> (0.1, 0.45, 0.45, 0)
    p = logging_propensities(audience, followed, mask, LoggingPolicyConfig(0.3, 0.5))
    np.testing.assert_allclose(p, [[0.1, 0.45, 0.45, 0.0]])
    mv, ff = greedy_slots(audience, followed, mask)
    assert mv.tolist() == [1] and ff.tolist() == [2]


def test_followed_first_falls_back_to_most_viewers() -> None:
    # nothing followed: both greedy rules pick slot 0; 0.2 / 2 + 0.8 = 0.9 and 0.1
    p = logging_propensities(
        np.array([[5.0, 1.0]]),
        np.zeros((1, 2), bool),
        np.ones((1, 2), bool),
        LoggingPolicyConfig(0.2, 0.25),
    )
    np.testing.assert_allclose(p, [[0.9, 0.1]])


def test_logging_policy_config_errors() -> None:
    with pytest.raises(ValueError, match="epsilon"):
        LoggingPolicyConfig(epsilon=0.0)
    with pytest.raises(ValueError, match="mix"):
        LoggingPolicyConfig(mix=1.5)
    with pytest.raises(ValueError, match="no valid candidate"):
        logging_propensities(np.ones((1, 2)), np.zeros((1, 2), bool), np.zeros((1, 2), bool))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 8),
    st.floats(0.01, 1.0),
    st.floats(0.0, 1.0),
    st.integers(0, 2**31),
)
def test_propensities_are_a_distribution_over_valid_slots(n, k, eps, mix, seed) -> None:
    rng = np.random.default_rng(seed)
    mask = rng.random((n, k)) < 0.7
    mask[:, rng.integers(0, k)] = True
    p = logging_propensities(
        rng.integers(0, 100, (n, k)), rng.random((n, k)) < 0.3, mask, LoggingPolicyConfig(eps, mix)
    )
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.all(p[~mask] == 0)
    assert np.all(p[mask] >= eps / k - 1e-12) and np.all(p <= 1.0 + 1e-12)
    slots = sample_slots(p, rng)
    assert np.all(mask[np.arange(n), slots])


def test_sample_slots_frequencies_match_propensities() -> None:
    p = np.tile([0.1, 0.0, 0.6, 0.3], (40_000, 1))
    slots = sample_slots(p, np.random.default_rng(0))
    freq = np.bincount(slots, minlength=4) / len(slots)
    # standard error of a frequency near 0.5 with n = 40,000 is about 0.0025
    np.testing.assert_allclose(freq, [0.1, 0.0, 0.6, 0.3], atol=0.01)
