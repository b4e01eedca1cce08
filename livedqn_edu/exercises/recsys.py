"""Checkers for lessons 07 and 09 (recommender baselines and offline evaluation).

- :func:`check_followed_first`: the repeat-consumption heuristic, one slot per viewer;
- :func:`check_hit_rate`: LiveRec-style HR@k, ranking only the live candidates;
- :func:`check_ips`: the inverse propensity scoring estimate of a policy's value.

The package's tested versions are :class:`livedqn_edu.recsys.policies.FollowedFirst`,
:func:`livedqn_edu.recsys.evaluation.hit_rate_at_k` and :func:`livedqn_edu.recsys.evaluation.ips`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, run_checks
from livedqn_edu.exercises._strict import numbers_close

__all__ = ["check_followed_first", "check_hit_rate", "check_ips"]

B = np.array


def check_followed_first(func: Callable[..., Any]) -> CheckResult:
    """Check ``func(followed, past_minutes, audience, mask) -> (N,) slots``.

    All arguments are ``(N, K)``: followed (0/1), minutes watched before, audience, and the bool
    mask of live slots. The rule: a followed live room (the most watched one first), else the most
    watched live room, else the live room with the most viewers.
    """
    f0 = B([[0.0, 0.0, 0.0]])
    cases = [
        Case(
            "a followed room beats a bigger audience",
            (B([[0.0, 1.0, 0.0]]), f0, B([[900.0, 10.0, 50.0]]), B([[True, True, True]])),
            B([1]),
            "look at `followed` first: a followed live room always comes before popularity",
        ),
        Case(
            "nothing followed: the most watched room beats a bigger audience",
            (f0, B([[0.0, 30.0, 5.0]]), B([[900.0, 10.0, 50.0]]), B([[True, True, True]])),
            B([1]),
            "with no followed room, rank by minutes watched before, then by audience",
        ),
        Case(
            "two followed rooms: the more watched one wins",
            (
                B([[1.0, 0.0, 1.0]]),
                B([[5.0, 99.0, 40.0]]),
                B([[900.0, 10.0, 50.0]]),
                B([[True, True, True]]),
            ),
            B([2]),
            "among followed rooms, prefer the one watched most (not the most popular one)",
        ),
        Case(
            "nothing followed or watched: most viewers",
            (f0, f0, B([[10.0, 70.0, 50.0]]), B([[True, True, True]])),
            B([1]),
            "fall back to the audience when the viewer has no history with any candidate",
        ),
        Case(
            "a followed room in an empty (masked) slot is not live",
            (
                B([[1.0, 0.0, 0.0]]),
                B([[50.0, 0.0, 0.0]]),
                B([[900.0, 10.0, 50.0]]),
                B([[False, True, True]]),
            ),
            B([2]),
            "apply the mask: only live rooms (mask True) can be recommended",
        ),
        Case(
            "every live room is brand new (no viewers, never watched); slot 0 is empty",
            (f0, f0, B([[0.0, 0.0, 0.0]]), B([[False, True, True]])),
            # live keys tie at 0 -> the lowest live slot, 1; an empty slot scored 0 would tie too
            # and win as the lowest index
            B([1]),
            "an empty slot must score -inf, not 0 (nor be multiplied by the mask): when every "
            "live room scores 0 it would tie and be chosen; and a room with no viewers is still "
            "live (np.log1p(0) = 0, while np.log(0) = -inf)",
        ),
        Case(
            "a batch of two viewers",
            (
                B([[0.0, 1.0], [0.0, 0.0]]),
                B([[0.0, 0.0], [3.0, 0.0]]),
                B([[5.0, 1.0], [1.0, 5.0]]),
                B([[True, True], [True, True]]),
            ),
            B([1, 0]),
            "return one slot per row (argmax along axis=1), as an int array of shape (N,)",
        ),
    ]
    return run_checks("check_followed_first", func, cases)


def check_hit_rate(func: Callable[..., Any]) -> CheckResult:
    """Check ``func(scores, target, mask, k) -> float``: the share of targets in the live top k."""
    scores = B([[0.9, 0.5, 0.1], [0.2, 0.8, 0.3], [0.4, 0.6, 0.7]])
    target = B([0, 2, 0])
    mask = B([[True, True, True], [True, True, True], [True, True, False]])
    full = np.ones((3, 3), dtype=bool)
    cases = [
        Case(
            "k = 1, every room live",
            (scores, target, full, 1),
            # ranks: 0, 1 (0.3 < 0.8), 2 (0.4 < 0.6, 0.7) -> 1 hit out of 3
            1 / 3,
            "a hit at k = 1 means the clicked room has the highest score of its row",
        ),
        Case(
            "k = 2, every room live",
            (scores, target, full, 2),
            # ranks 0, 1, 2 -> 2 hits in the top 2
            2 / 3,
            "count a hit when fewer than k rooms score higher than the clicked one "
            "(rank < k, ranks start at 0)",
        ),
        Case(
            "k = 2, every score negative, row 3's best room is offline",
            (scores - 1.0, target, mask, 2),
            # row 3: -0.3 is masked, so only -0.4 ranks above -0.6 -> rank 1, a hit (an
            # offline room scored 0 would rank above it too: rank 2, a miss)
            1.0,
            "rank only the rooms live at that moment: a masked candidate counts as -inf, "
            "not 0 (with negative scores a 0 would outrank the clicked room)",
        ),
    ]
    # real numbers only: an object that equals everything (unittest.mock.ANY) is no answer
    return run_checks("check_hit_rate", func, [replace(c, compare=numbers_close()) for c in cases])


def check_ips(func: Callable[..., Any]) -> CheckResult:
    """Check ``func(rewards, propensities, target_probs) -> float``, the IPS estimate."""
    return run_checks(
        "check_ips",
        func,
        [
            Case(
                "target = logging policy",
                (B([1.0, 0.0, 3.0]), B([0.5, 0.25, 0.25]), B([0.5, 0.25, 0.25])),
                # every weight is 1: the plain mean (1 + 0 + 3) / 3
                4 / 3,
                "when the target is the logging policy, IPS is the plain mean reward",
            ),
            Case(
                "two arms, the target always plays arm 1",
                (B([1.0, 0.0, 1.0, 2.0]), B([0.8, 0.8, 0.8, 0.2]), B([0.0, 0.0, 0.0, 1.0])),
                # weights (0, 0, 0, 1/0.2 = 5): (5 * 2) / 4 = 2.5
                2.5,
                "IPS divides by the number of logs n, not by the sum of the weights (that is "
                "SNIPS), and each weight is target_prob / propensity (not the other way round)",
            ),
            Case(
                "one log the target would never show",
                (B([4.0, 2.0]), B([0.5, 0.5]), B([0.0, 1.0])),
                # weights (0, 2): (0 * 4 + 2 * 2) / 2 = 2
                2.0,
                "a log the target never shows has weight 0 but still counts in the mean",
            ),
        ],
    )
