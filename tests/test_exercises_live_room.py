"""Tests for the lesson-06 checker: rejects the stub and plausible mistakes, accepts the answer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from livedqn_edu.envs.choice import choice_probabilities as reference_choice_probabilities
from livedqn_edu.exercises import check_choice_probabilities, check_repeat_share


def _stub(u_room, u_browse, u_close):
    raise NotImplementedError("write the multinomial-logit probabilities")


def _no_outside_options(u_room, u_browse, u_close):
    # forgets 'keep browsing' and 'close the app': the room is always watched
    u = np.asarray(u_room, dtype=float)
    ones = np.ones_like(u)
    return np.stack([ones, 0 * ones, 0 * ones], axis=-1)


def _no_exp(u_room, u_browse, u_close):
    # normalises raw utilities instead of their exponentials
    u = np.stack(
        np.broadcast_arrays(*(np.asarray(x, float) for x in (u_room, u_browse, u_close))), -1
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return u / u.sum(-1, keepdims=True)


def _naive_softmax(u_room, u_browse, u_close):
    # right formula, but overflows for large utilities (no max subtraction)
    u = np.stack(
        np.broadcast_arrays(*(np.asarray(x, float) for x in (u_room, u_browse, u_close))), -1
    )
    with np.errstate(over="ignore", invalid="ignore"):
        z = np.exp(u)
        return z / z.sum(-1, keepdims=True)


def _right(u_room, u_browse, u_close):
    u = np.stack(
        np.broadcast_arrays(*(np.asarray(x, float) for x in (u_room, u_browse, u_close))), -1
    )
    z = np.exp(u - u.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


@pytest.mark.parametrize("wrong", [_stub, _no_outside_options, _no_exp, _naive_softmax])
def test_checker_rejects_stub_and_mistakes(wrong, capsys) -> None:
    result = check_choice_probabilities(wrong)
    assert not result
    assert "[FAIL]" in capsys.readouterr().out


def test_checker_names_the_mistake(capsys) -> None:
    check_choice_probabilities(_naive_softmax)
    assert "subtract the largest utility" in capsys.readouterr().out


def test_checker_accepts_right_answer(capsys) -> None:
    assert check_choice_probabilities(_right)
    assert check_choice_probabilities(reference_choice_probabilities)
    assert "[PASS]" in capsys.readouterr().out


def test_reference_hand_computed() -> None:
    # exp(ln 2), exp(0), exp(ln 1) = 2, 1, 1 over 4
    p = reference_choice_probabilities(np.log(2.0), 0.0, 0.0)
    np.testing.assert_allclose(p, [0.5, 0.25, 0.25])


utility = st.floats(-50, 50, allow_nan=False)


@given(st.lists(st.tuples(utility, utility, utility), min_size=1, max_size=20))
def test_reference_rows_sum_to_one_and_order_follows_utility(rows) -> None:
    u = np.array(rows)
    p = reference_choice_probabilities(u[:, 0], u[:, 1], u[:, 2])
    assert p.shape == (len(rows), 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.all(p >= 0)
    # the log-odds of two options equal their utility difference: ln(p_i / p_j) = u_i - u_j
    np.testing.assert_allclose(np.log(p[:, 0] / p[:, 1]), u[:, 0] - u[:, 1], atol=1e-9)
    np.testing.assert_allclose(np.log(p[:, 2] / p[:, 1]), u[:, 2] - u[:, 1], atol=1e-9)


# ---------------------------------------------------------------- repeat share


def _repeat_stub(logs):
    raise NotImplementedError("compute the share of repeat clicks")


def _repeat_over_impressions(logs):
    return float((logs["past_minutes"] > 0).mean())


def _repeat_by_followed(logs):
    clicks = logs[logs["click"] == 1]
    return float((clicks["followed"] == 1).mean())


def _repeat_count(logs):
    return float(((logs["click"] == 1) & (logs["past_minutes"] > 0)).sum())


def _repeat_right(logs):
    clicks = logs[logs["click"] == 1]
    return float((clicks["past_minutes"] > 0).mean())


@pytest.mark.parametrize(
    "wrong", [_repeat_stub, _repeat_over_impressions, _repeat_by_followed, _repeat_count]
)
def test_repeat_checker_rejects_stub_and_mistakes(wrong, capsys) -> None:
    assert not check_repeat_share(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_repeat_checker_accepts_right_answer(capsys) -> None:
    assert check_repeat_share(_repeat_right)
    assert "[PASS]" in capsys.readouterr().out


def test_repeat_checker_agrees_with_calibration_statistic() -> None:
    from livedqn_edu.exercises.live_room import _logs
    from livedqn_edu.recsys.calibration import log_statistics

    logs = _logs([0, 1, 0, 1], [10.0, 30.0, 5.0, 0.0], [0, 0, 0, 0])
    logs["day"], logs["session"], logs["gift"] = 0, 0, 0.0
    assert log_statistics(logs, days=1)["repeat_share"] == _repeat_right(logs) == 0.5
