"""Checkers for lesson 06 (the live-room simulator).

The learner writes the viewer's choice rule, a multinomial logit over three options: watch the
shown room, keep browsing, or close the app. Each option has a utility ``u``; the probability of
option ``i`` is ``exp(u_i) / sum_j exp(u_j)``. The world uses the same rule
(:func:`livedqn_edu.envs.choice.choice_probabilities`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, run_checks

__all__ = ["check_choice_probabilities"]


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
