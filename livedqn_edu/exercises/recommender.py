"""Checkers for lesson 08 (the DQN live-room recommender).

Three exercises:

1. ``mask_scores(scores, mask)``: a candidate-scoring network gives every slot a score, but some
   slots are empty; set their score to ``-inf`` so that ``argmax`` never picks them (the
   :class:`~livedqn_edu.networks.MaskedScores` layer does the same inside the network).
2. ``recommender_targets(rewards, next_q, next_mask, terminated, gamma)``: the DQN target
   ``y = r + gamma * (1 - terminated) * max over VALID next slots of next_q``, 0 bootstrap when a
   next state has no valid slot. With ``gamma = 0`` it is the immediate reward: the myopic
   recommender.
3. ``n_step_return(rewards, minutes, gamma)``: the return of ``n`` steps discounted per *day* of the
   viewer's clock, and the discount of the state ``n`` steps later:
   ``R = sum_j gamma ** (minutes before step j / 1440) * rewards[j]``,
   ``discount = gamma ** (sum(minutes) / 1440)`` (what the shipped recommender stores).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, run_checks
from livedqn_edu.exercises._strict import numbers_close

__all__ = ["check_mask_scores", "check_n_step_return", "check_recommender_targets"]

_T, _F = True, False


def _same_with_inf(got: Any, expected: Any) -> bool:
    """Equal arrays where -inf must sit exactly where expected has it."""
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape:
        return False
    inf = np.isneginf(e)
    return bool(np.all(np.isneginf(g[inf])) and np.allclose(g[~inf], e[~inf], atol=1e-6))


def _mask_cases() -> list[Case]:
    inf = -np.inf
    return [
        Case(
            "one viewer, slots 1 and 3 empty",
            (np.array([[2.0, 5.0, 1.0, 9.0]]), np.array([[_T, _F, _T, _F]])),
            np.array([[2.0, inf, 1.0, inf]]),
            "mask is True where a slot holds a room: keep those scores, set the others to -inf "
            "(did you invert the mask?)",
            compare=_same_with_inf,
        ),
        Case(
            "all valid scores negative (an empty slot scored 0 would win the argmax)",
            (np.array([[-3.0, -1.0, -2.0]]), np.array([[_T, _T, _F]])),
            np.array([[-3.0, -1.0, inf]]),
            "an empty slot must score -inf, not 0: with negative Q-values a 0 would be chosen",
            compare=_same_with_inf,
        ),
        Case(
            "two viewers, every slot valid: nothing changes",
            (np.array([[0.5, 0.1], [-0.2, 0.3]]), np.array([[_T, _T], [_T, _T]])),
            np.array([[0.5, 0.1], [-0.2, 0.3]]),
            "with every slot valid the scores must come back unchanged",
            compare=_same_with_inf,
        ),
        Case(
            "the input scores must not be changed in place",
            (np.array([[1.0, 2.0]]), np.array([[_F, _T]])),
            np.array([[-np.inf, 2.0]]),
            "you changed the input scores in place; return a new array instead, e.g. "
            "np.where(mask, scores, -np.inf)",
            kwargs={"check_in_place": True},
            compare=_same_with_inf,
        ),
    ]


def check_mask_scores(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(scores, mask)`` returns ``scores`` with ``-inf`` in the empty slots.

    Args:
        fn: the learner's function; ``scores`` ``(N, K)`` float, ``mask`` ``(N, K)`` bool (True:
            a room is there); returns ``(N, K)`` float.

    Returns:
        A :class:`CheckResult`, truthy when every case passed.
    """
    if not callable(fn):
        raise TypeError(f"check_mask_scores expects a function, got {type(fn).__name__}")
    return run_checks("mask_scores", _guard_in_place(fn), _mask_cases())


def _guard_in_place(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``fn`` so that changing ``scores`` in place counts as a wrong answer."""

    def wrapped(scores: np.ndarray, mask: np.ndarray, check_in_place: bool = False) -> Any:
        before = scores.copy()
        out = fn(scores, mask)
        if check_in_place and not np.array_equal(before, scores):
            return np.full_like(before, np.nan)  # reported as wrong, with the in-place hint
        return out

    return wrapped


def _target_cases() -> list[Case]:
    r = np.array([1.0, 2.0])
    # slot 1 of viewer 0 and slot 0 of viewer 1 are empty but carry big (meaningless) values;
    # every valid next value of viewer 1 is negative, so an empty slot scored 0 would win the max
    next_q = np.array([[3.0, 100.0, 1.0], [50.0, -2.0, -4.0]])
    next_mask = np.array([[_T, _F, _T], [_F, _T, _T]])
    live = np.array([0.0, 0.0])
    cases = [
        Case(
            "gamma 0.9, empty slots hold large values, viewer 1's valid values are negative",
            (r, next_q, next_mask, live, 0.9),
            # viewer 0: 1 + 0.9 * max(3, 1) = 3.7; viewer 1: 2 + 0.9 * max(-2, -4) = 0.2
            np.array([3.7, 0.2]),
            "take the max over VALID next slots only: an empty slot is not a room you can show, "
            "and it counts as -inf, not 0 (np.where(next_mask, next_q, -np.inf).max(axis=1))",
        ),
        Case(
            "viewer 1's week is over (terminated): no bootstrap",
            (r, next_q, next_mask, np.array([0.0, 1.0]), 0.9),
            # viewer 0: 3.7 as before; viewer 1: 2 + 0 = 2.0
            np.array([3.7, 2.0]),
            "multiply the bootstrap by (1 - terminated): nothing follows the end of a week",
        ),
        Case(
            "gamma 0: the myopic target is the immediate reward",
            (r, next_q, next_mask, live, 0.0),
            # 1 + 0 * 3 = 1; 2 + 0 * -2 = 2
            np.array([1.0, 2.0]),
            "with gamma = 0 the target is just the reward: is gamma used as the discount?",
        ),
        Case(
            "a next state with no valid slot bootstraps 0",
            (np.array([0.5]), np.array([[7.0, 8.0]]), np.array([[_F, _F]]), np.array([0.0]), 0.9),
            # no valid slot: the max over nothing is taken as 0 -> 0.5 + 0.9 * 0 = 0.5
            np.array([0.5]),
            "the max over an empty set is -inf; use 0 for a row with no valid slot "
            "(np.where(np.isfinite(best), best, 0.0)), or the target becomes -inf",
        ),
    ]
    # real numbers only: an object that equals everything (unittest.mock.ANY) is no answer
    return [replace(c, compare=numbers_close(c.atol)) for c in cases]


def check_recommender_targets(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(rewards, next_q, next_mask, terminated, gamma)`` gives the masked DQN targets.

    Args:
        fn: the learner's function; ``rewards`` ``(B,)``, ``next_q`` ``(B, K)``, ``next_mask``
            ``(B, K)`` bool, ``terminated`` ``(B,)`` 0/1, ``gamma`` a float; returns ``(B,)``.

    Returns:
        A :class:`CheckResult`, truthy when every case passed.
    """
    return run_checks("recommender_targets", fn, _target_cases())


def _n_step_cases() -> list[Case]:
    day = 1440.0
    # a skip (0.2 min), then a watch of a day (1440 min), then 720 min: step j is discounted by
    # the time before it, 0.2 and 1440.2 minutes
    mixed = 1.0 + 0.5 ** (0.2 / day) * 2.0 + 0.5 ** (1440.2 / day) * 4.0
    return [
        Case(
            "two steps of a day each, gamma 0.9",
            (np.array([1.0, 2.0]), np.array([day, day]), 0.9),
            # R = 1 + 0.9 * 2 = 2.8; the state after 2 days is discounted by 0.9 ** 2 = 0.81
            (2.8, 0.81),
            "reward j is discounted by the time BEFORE it (the first not at all), and the "
            "discount of the next state is gamma ** (total minutes / 1440)",
        ),
        Case(
            "a skip, a day-long watch and a 12-hour gap, gamma 0.5",
            (np.array([1.0, 2.0, 4.0]), np.array([0.2, day, 720.0]), 0.5),
            (mixed, 0.5 ** (2160.2 / day)),
            "discount by elapsed minutes / 1440, not by the number of steps: a 0.2-minute skip "
            "costs almost nothing, a night costs a whole gamma",
        ),
        Case(
            "gamma 0 is myopic: only the first reward counts",
            (np.array([3.0, 5.0]), np.array([10.0, 10.0]), 0.0),
            # 0 ** 0 = 1 for the first reward, 0 ** (10 / 1440) = 0 afterwards
            (3.0, 0.0),
            "with gamma = 0 only rewards[0] counts and the next state is worth nothing "
            "(0.0 ** 0.0 is 1 in Python and numpy)",
        ),
        Case(
            "one step of 30 minutes",
            (np.array([2.0]), np.array([30.0]), 0.9),
            (2.0, 0.9 ** (30.0 / day)),
            "with a single step the return is that reward; the discount is gamma ** (30 / 1440)",
        ),
    ]


def check_n_step_return(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(rewards, minutes, gamma)`` gives the per-day n-step return and discount.

    Args:
        fn: the learner's function; ``rewards`` ``(n,)`` and ``minutes`` ``(n,)`` (how long each
            step took on the viewer's clock), ``gamma`` the discount per day; returns the pair
            ``(R, discount)`` of floats.

    Returns:
        A :class:`CheckResult`, truthy when every case passed.
    """
    return run_checks("n_step_return", fn, _n_step_cases())
