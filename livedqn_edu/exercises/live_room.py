"""Checkers for lesson 06 (the live-room simulator).

The learner writes the viewer's choice rule, a multinomial logit over three options: watch the
shown room, keep browsing, or close the app. Each option has a utility ``u``; the probability of
option ``i`` is ``exp(u_i) / sum_j exp(u_j)``. The world uses the same rule
(:func:`livedqn_edu.envs.choice.choice_probabilities`).

The learner also measures repeat consumption in the logs with pandas: the share of clicks that go
to a room the viewer had watched before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from livedqn_edu.exercises._core import Case, CheckResult, run_checks

__all__ = ["check_choice_probabilities", "check_repeat_share"]


def _cases() -> list[Case]:
    ln2, ln3 = float(np.log(2.0)), float(np.log(3.0))
    return [
        Case(
            "all three utilities equal (0, 0, 0)",
            (0.0, 0.0, 0.0),
            # exp(0) = 1 for each option: 1 / (1 + 1 + 1) = 1/3 each
            np.array([1 / 3, 1 / 3, 1 / 3]),
            "with equal utilities every option is equally likely; did you leave out 'keep "
            "browsing' or 'close the app' from the denominator?",
        ),
        Case(
            "u_room = ln 2, u_browse = 0, u_close = 0",
            (ln2, 0.0, 0.0),
            # exp: (2, 1, 1), total 4 -> (0.5, 0.25, 0.25)
            np.array([0.5, 0.25, 0.25]),
            "exponentiate each utility before normalising: p_i = exp(u_i) / sum_j exp(u_j)",
        ),
        Case(
            "u_room = 0, u_browse = ln 3, u_close = ln 2",
            (0.0, ln3, ln2),
            # exp: (1, 3, 2), total 6 -> (1/6, 1/2, 1/3)
            np.array([1 / 6, 1 / 2, 1 / 3]),
            "return the probabilities in the order (watch, keep browsing, close the app)",
        ),
        Case(
            "negative utilities u = (-1, -1, -1 + ln 2)",
            (-1.0, -1.0, -1.0 + ln2),
            # exp(-1) * (1, 1, 2), total 4 exp(-1) -> (0.25, 0.25, 0.5)
            np.array([0.25, 0.25, 0.5]),
            "utilities can be negative: dividing raw utilities (not their exponentials) breaks "
            "here",
        ),
        Case(
            "a batch of two viewers, u_room = [0, ln 2], u_browse = u_close = 0",
            (np.array([0.0, ln2]), 0.0, 0.0),
            # row 1: (1, 1, 1) / 3; row 2: (2, 1, 1) / 4
            np.array([[1 / 3, 1 / 3, 1 / 3], [0.5, 0.25, 0.25]]),
            "with arrays of n viewers return shape (n, 3): one row per viewer, summing to 1; "
            "use np.stack([...], axis=-1) and sum over the last axis",
        ),
        Case(
            "large utilities (1000, 1000, 1000) must not overflow",
            (1000.0, 1000.0, 1000.0),
            # exp(1000) overflows to inf; subtracting the max gives exp(0) = 1 each -> 1/3
            np.array([1 / 3, 1 / 3, 1 / 3]),
            "exp(1000) overflows to inf and inf/inf is nan: subtract the largest utility before "
            "exponentiating (it cancels in the ratio)",
        ),
    ]


def check_choice_probabilities(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(u_room, u_browse, u_close)`` returns the multinomial-logit probabilities.

    Args:
        fn: the learner's function; it returns ``(3,)`` for floats and ``(n, 3)`` for ``(n,)``
            arrays, in the order (watch, keep browsing, close the app).

    Returns:
        A :class:`CheckResult`, truthy when every case passed.
    """
    return run_checks("choice_probabilities", fn, _cases())


def _logs(click: list[int], past: list[float], followed: list[int]) -> pd.DataFrame:
    n = len(click)
    return pd.DataFrame(
        {
            "viewer_id": [0] * n,
            "room_id": list(range(10, 10 + n)),
            "click": click,
            "watch_minutes": [12.0 * c for c in click],
            "past_minutes": past,
            "followed": followed,
        }
    )


def check_repeat_share(fn: Callable[[pd.DataFrame], float]) -> CheckResult:
    """Check ``fn(logs)`` returns the share of clicks on rooms watched before.

    A click is a repeat when the viewer had watched the room before (``past_minutes > 0``); the
    share is over clicks (``click == 1``), not over all impressions.

    Args:
        fn: the learner's function of a logs DataFrame (columns as in ``load_logs()``),
            returning a float in [0, 1].

    Returns:
        A :class:`CheckResult`, truthy when every case passed.
    """
    cases = [
        Case(
            "2 clicks, one on a room watched 30 min before",
            (_logs([0, 1, 0, 1], [10.0, 30.0, 5.0, 0.0], [0, 0, 0, 0]),),
            # clicks: rows 1 (30 min before: repeat) and 3 (new) -> 1 / 2
            0.5,
            "count over the clicks only (logs[logs['click'] == 1]), not over every impression",
        ),
        Case(
            "a repeat that is not followed, and a followed room never clicked",
            (_logs([1, 1, 1, 0], [2.5, 0.0, 0.0, 40.0], [0, 0, 0, 1]),),
            # clicks: rows 0 (2.5 min before: repeat), 1 and 2 (new) -> 1 / 3
            1 / 3,
            "'watched before' means past_minutes > 0; following a room is a different thing",
        ),
        Case(
            "every click a repeat",
            (_logs([1, 0, 1], [0.5, 0.0, 100.0], [1, 0, 0]),),
            # clicks: rows 0 and 2, both with past minutes -> 2 / 2
            1.0,
            "return a share in [0, 1] (repeat clicks / clicks), not a count or a percentage",
        ),
    ]
    return run_checks("repeat_share", fn, cases)
