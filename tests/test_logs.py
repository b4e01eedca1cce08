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
            "stay": [0, 1],
            "watch_minutes": [0.0, 12.25],
            "gift": [0.0, 0.0],
            "follow": [0, 0],
            "session_end": [0, 1],
            "churn": [0, 0],
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


def test_huge_candidate_list_is_refused_before_parsing(tmp_path) -> None:
    import tracemalloc

    logs = _logs()
    logs.loc[1, "candidates"] = " ".join(["1"] * 200_000)  # padding every row to it: gigabytes
    logs.loc[1, "candidate_propensities"] = " ".join(["0.000005"] * 200_000)
    path = _write(tmp_path, logs=logs)
    tracemalloc.start()
    with pytest.raises(ValueError, match=r"row 1 .*'candidates'.*200,000 items; at most 1,000"):
        load_logs(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 200e6  # refused before building a (rows x 200,000) matrix


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.95])
def test_truncated_gzip_names_the_file(tmp_path, keep: float) -> None:
    path = _write(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: max(3, int(keep * len(data)))])  # a download cut short
    with pytest.raises(ValueError, match=rf"{path.name} is not a complete gzip file.*--regenerate"):
        load_logs(path)


def test_corrupt_gzip_names_the_file(tmp_path) -> None:
    path = _write(tmp_path)
    corrupt = bytearray(path.read_bytes())
    corrupt[len(corrupt) // 2] ^= 0xFF  # one flipped byte in the middle
    path.write_bytes(bytes(corrupt))
    with pytest.raises(ValueError, match=path.name):
        load_logs(path)


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


# ---------------------------------------------------------------- generated logs and regeneration


@pytest.fixture(scope="module")
def small_logs():
    from livedqn_edu.recsys.calibration import CALIBRATED
    from livedqn_edu.recsys.logs import generate_logs

    return generate_logs(3, 120, 3, config=CALIBRATED)


def test_generated_logs_pass_validation(tmp_path, small_logs) -> None:
    logs, rooms = small_logs
    write_csv_gz(rooms, tmp_path / ROOMS_FILE)
    loaded = load_logs(write_csv_gz(logs, tmp_path / LOGS_FILE))
    pd.testing.assert_frame_equal(loaded, logs, check_dtype=False)
    assert (loaded["propensity"] > 0).all() and (loaded["propensity"] <= 1).all()
    # viewers' clocks never go back within the log
    t = loaded["day"] * 1440 + loaded["minute"]
    assert (t.groupby(loaded["viewer_id"]).diff().dropna() >= 0).all()


def test_generated_propensities_are_the_policy_probabilities(small_logs) -> None:
    from livedqn_edu.envs.world import World
    from livedqn_edu.recsys.calibration import CALIBRATED

    logs, _ = small_logs
    ids, probs = candidate_matrix(logs)
    mask = ids >= 0
    n = mask.sum(axis=1)
    eps, mix = LoggingPolicyConfig().epsilon, LoggingPolicyConfig().mix
    audience = np.where(mask, World(CALIBRATED).rooms.audience[np.maximum(ids, 0)], -np.inf)
    mv = np.argmax(audience, axis=1)
    rows = np.arange(len(logs))
    # every valid slot gets eps / n; most-viewers gets (1 - eps) * mix on top; followed-first
    # gets (1 - eps) * (1 - mix) on top (on the same slot when nothing followed is live)
    base = eps / n
    extra = np.where(mask, probs - base[:, None], 0.0)
    assert np.all(extra[mask] > -1e-12)
    np.testing.assert_allclose(extra.sum(axis=1), 1 - eps, atol=1e-12)
    assert np.all(extra[rows, mv] >= (1 - eps) * mix - 1e-12)
    allowed = np.array([0.0, (1 - eps) * (1 - mix), (1 - eps) * mix, 1 - eps])
    assert np.all(np.min(np.abs(extra[mask][:, None] - allowed[None, :]), axis=1) < 1e-12)
    np.testing.assert_array_equal(logs["propensity"].to_numpy(), probs[rows, logs["slot"]])
    # and the shown slots follow those probabilities: the most-viewers slot is shown as often as
    # its mean propensity says (about 2,000 rows: standard error below 0.012)
    shown_mv = (logs["slot"].to_numpy() == mv).mean()
    assert abs(shown_mv - probs[rows, mv].mean()) < 0.04


def test_regenerate_is_bit_for_bit(tmp_path) -> None:
    from livedqn_edu.envs.populations import VALIDATION
    from livedqn_edu.manifest import load, sha256
    from livedqn_edu.recsys.datacard import BEGIN, END, LogSpec, regenerate_data

    spec = LogSpec(seed=5, n_viewers=40, days=2, population=VALIDATION, policy_viewers=20,
                   policy_seeds=1)  # fmt: skip
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "README.md").write_text(f"# Card\n\nkept\n{BEGIN}\nOLD TABLE\n{END}\ntail\n")
    regenerate_data(tmp_path / "a", spec)
    regenerate_data(tmp_path / "b", spec)
    for name in (LOGS_FILE, ROOMS_FILE):
        a, b = sha256(tmp_path / "a" / name), sha256(tmp_path / "b" / name)
        assert a == b
        entry = load(tmp_path / "a")[name]
        assert entry["sha256"] == a and entry["seed"] == 5
        assert entry["command"] == "livedqn-edu data --regenerate"
    readme = (tmp_path / "b" / "README.md").read_text()
    assert readme.startswith("# Card\n\nkept\n") and readme.endswith(f"{END}\ntail\n")
    assert "OLD TABLE" not in readme and "| entries with a gift |" in readme


def test_readme_without_markers_is_a_clear_error(tmp_path) -> None:
    from livedqn_edu.recsys.datacard import LogSpec, regenerate_data

    (tmp_path / "README.md").write_text("# no markers\n")
    with pytest.raises(ValueError, match="stats:begin"):
        regenerate_data(tmp_path, LogSpec(seed=0, n_viewers=5, days=1))


@pytest.mark.slow
def test_default_regeneration_equals_shipped_files(tmp_path) -> None:
    from livedqn_edu.manifest import load, sha256
    from livedqn_edu.recsys.datacard import regenerate_data

    regenerate_data(tmp_path)
    shipped = load()
    for name in (LOGS_FILE, ROOMS_FILE):
        assert sha256(tmp_path / name) == shipped[name]["sha256"], f"{name} differs"
