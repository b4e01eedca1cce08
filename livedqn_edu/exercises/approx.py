"""Checkers for lesson 02 (from tables to networks).

- :func:`check_bucket`: the learner's ``bucket(x, low, high, n_bins)``, the equal-width bin of
  a value, clipped to the edges (the building block of discretising CartPole's state).
- :func:`check_semi_gradient_update`: the learner's semi-gradient Q-learning step for a linear
  Q-function, ``w[a] += alpha * (r + gamma * max_b w[b] . x' - w[a] . x) * x``;
- :func:`check_fourier_features`: the Fourier basis ``cos(pi * C @ s)`` of a scaled state;
- :func:`check_sync_ceiling`: the approximate ceiling on Q after ``k`` target syncs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, run_checks

__all__ = [
    "check_bucket",
    "check_fourier_features",
    "check_semi_gradient_update",
    "check_sync_ceiling",
]


def _bucket_cases() -> list[Case]:
    return [
        Case(
            "x=0.5 in [0, 1] with 4 bins",
            (0.5, 0.0, 1.0, 4),
            2,  # width 0.25: floor(0.5 / 0.25) = 2
            "the bin index is floor((x - low) / width) with width = (high - low) / n_bins",
        ),
        Case(
            "x=-0.1 in [-2.4, 2.4] with 6 bins",
            (-0.1, -2.4, 2.4, 6),
            2,  # width 0.8: floor(2.3 / 0.8) = floor(2.875) = 2
            "measure x from `low`, not from 0: floor((x - low) / width)",
        ),
        Case(
            "x below the range: -7 in [0, 1] with 4 bins",
            (-7.0, 0.0, 1.0, 4),
            0,
            "values below `low` belong to the first bin: clip the index to [0, n_bins - 1]",
        ),
        Case(
            "x above the range: 3 in [0, 1] with 4 bins",
            (3.0, 0.0, 1.0, 4),
            3,
            "values above `high` belong to the last bin: clip the index to [0, n_bins - 1]",
        ),
        Case(
            "x exactly at high: 1 in [0, 1] with 4 bins",
            (1.0, 0.0, 1.0, 4),
            3,  # floor(1 / 0.25) = 4 is one past the end: clipped to 3
            "x == high gives index n_bins, one past the last bin: clip it to n_bins - 1",
        ),
        Case(
            "result is an int",
            (0.35, 0.0, 1.0, 10),
            3,  # floor(0.35 / 0.1) = floor(3.5) = 3
            "return a Python int (use int(...)), it indexes a table",
            compare=lambda got, exp: isinstance(got, (int, np.integer)) and int(got) == exp,
        ),
    ]


def check_bucket(func: Callable[..., Any]) -> CheckResult:
    """Check ``func(x, low, high, n_bins) -> int``, the clipped equal-width bin index."""
    return run_checks("bucket", func, _bucket_cases())


def _update_cases() -> list[Case]:
    w = np.array([[1.0, 0.0], [0.0, 2.0]])  # (n_actions=2, k=2)
    x, x_next = np.array([1.0, 1.0]), np.array([0.0, 1.0])
    # Q(s, .) = w @ x = [1, 2];  Q(s', .) = w @ x_next = [0, 2]
    return [
        Case(
            "bootstrap: a=0, r=1, gamma=0.5, alpha=0.1",
            (w, x, 0, 1.0, x_next, False, 0.1, 0.5),
            # td = 1 + 0.5 * max(0, 2) - 1 = 1;  w[0] += 0.1 * 1 * [1, 1] -> [1.1, 0.1]
            np.array([[1.1, 0.1], [0.0, 2.0]]),
            "td = r + gamma * max_b (w[b] . x_next) - w[a] . x; then w[a] += alpha * td * x, "
            "and only the row of the action taken changes",
        ),
        Case(
            "terminal: a=1, r=-1, gamma=0.5, alpha=0.1",
            (w, x, 1, -1.0, x_next, True, 0.1, 0.5),
            # td = -1 - 2 = -3;  w[1] += 0.1 * -3 * [1, 1] -> [-0.3, 1.7]
            np.array([[1.0, 0.0], [-0.3, 1.7]]),
            "a terminated transition has no future: td = r - w[a] . x (no gamma * max term)",
        ),
        Case(
            "the max picks the best next action: a=1, r=0, gamma=1, alpha=0.5",
            (w, x, 1, 0.0, np.array([3.0, 0.0]), False, 0.5, 1.0),
            # Q(s', .) = [3, 0], max 3;  td = 0 + 3 - 2 = 1;  w[1] += 0.5 * [1, 1] -> [0.5, 2.5]
            np.array([[1.0, 0.0], [0.5, 2.5]]),
            "bootstrap from the max over next actions, not from the action taken or the mean",
        ),
        Case(
            "semi-gradient: the target's dependence on w is ignored",
            (np.array([[1.0]]), np.array([1.0]), 0, 0.0, np.array([1.0]), False, 0.1, 0.9),
            # one action, x = x' = 1: td = 0.9 * 1 - 1 = -0.1;  w = 1 + 0.1 * -0.1 * 1 = 0.99
            # (a full gradient would add -gamma * x' to the gradient: 1 + 0.1*-0.1*(1-0.9) = 0.999)
            np.array([[0.99]]),
            "move w[a] along x only (the gradient of Q(s, a)), treating the target as a constant",
        ),
    ]


def check_semi_gradient_update(func: Callable[..., Any]) -> CheckResult:
    """Check ``func(w, x, a, r, x_next, terminated, alpha, gamma) -> new w``.

    ``w`` is ``(n_actions, k)``, ``x`` and ``x_next`` are ``(k,)``; the function returns the
    updated weights (returning a modified copy or modifying ``w`` in place and returning it are
    both accepted).
    """
    return run_checks("semi_gradient_update", func, _update_cases())


def check_fourier_features(func: Callable[..., Any]) -> CheckResult:
    """Check ``func(unit_obs, coefficients) -> (k,)``: ``cos(pi * coefficients @ unit_obs)``.

    ``unit_obs`` is ``(d,)`` in ``[0, 1]``, ``coefficients`` ``(k, d)`` integer vectors.
    """
    c2 = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    cases = [
        Case(
            "d = 2, s = (0.5, 0), coefficients (0,0), (1,0), (0,1), (1,1)",
            (np.array([0.5, 0.0]), c2),
            # pi * c . s = 0, pi/2, 0, pi/2 -> cos: 1, 0, 1, 0
            np.array([1.0, 0.0, 1.0, 0.0]),
            "feature i is cos(pi * (c_i . s)): one dot product per row of coefficients "
            "(coefficients @ unit_obs), times pi, then the cosine",
        ),
        Case(
            "d = 2, s = (1, 1/3)",
            (np.array([1.0, 1 / 3]), c2),
            # pi * c . s = 0, pi, pi/3, 4 pi/3 -> 1, -1, 0.5, -0.5
            np.array([1.0, -1.0, 0.5, -0.5]),
            "multiply by pi (not 2 pi) inside the cosine, and use cos, not sin",
        ),
        Case(
            "d = 3, coefficient (2, 0, 1), s = (0.25, 0.9, 0.5)",
            (np.array([0.25, 0.9, 0.5]), np.array([[2.0, 0.0, 1.0]])),
            np.array([-1.0]),  # pi * (0.5 + 0 + 0.5) = pi -> cos = -1
            "the result has one feature per ROW of coefficients: shape (k,)",
        ),
    ]
    return run_checks("fourier_features", func, cases)


def check_sync_ceiling(func: Callable[..., Any]) -> CheckResult:
    """Check ``func(k, r_max, gamma)``: the ceiling on Q with ``k`` target syncs done.

    Starting from Q = 0, each regression phase fits ``r + gamma * max Q_target`` and
    ``Q_target`` only changes at a sync. If each phase fitted its targets exactly, the first
    phase (``k = 0``, the target still says 0) would bring Q to ``r_max``, and each sync would
    add one more discounted reward: ``r_max * (1 + gamma + ... + gamma**k)``.
    """
    cases = [
        Case(
            "no sync yet: k = 0",
            (0, 1.0, 0.99),
            1.0,  # the first phase fits r + gamma * 0 = r <= r_max
            "with k = 0 the first phase is running: its targets are r + gamma * 0, so Q reaches "
            "r_max, not 0 (the sum has k + 1 terms, gamma**0 to gamma**k)",
        ),
        Case(
            "one sync done: k = 1",
            (1, 1.0, 0.99),
            1.99,  # the target now says 1: targets 1 + 0.99 * 1
            "after one sync the target network says r_max, so the targets are "
            "r_max + gamma * r_max",
        ),
        Case(
            "five syncs, r_max 1, gamma 0.99",
            (5, 1.0, 0.99),
            (1 - 0.99**6) / (1 - 0.99),  # 1 + 0.99 + ... + 0.99**5 = 5.852
            "each sync adds one more discounted reward: "
            "r_max * (1 - gamma**(k + 1)) / (1 - gamma), k + 1 terms from gamma**0 to gamma**k",
        ),
        Case(
            "k = 2, r_max 2, gamma 0.5",
            (2, 2.0, 0.5),
            3.5,  # 2 * (1 + 0.5 + 0.25) = 3.5
            "scale by r_max and use gamma: 2 * (1 + 0.5 + 0.25)",
        ),
        Case(
            "many syncs approach r_max / (1 - gamma)",
            (2_000, 1.0, 0.99),
            100.0,
            "the geometric sum tends to r_max / (1 - gamma) (100 here); it never exceeds it",
            atol=1e-4,
        ),
    ]
    return run_checks("sync_ceiling", func, cases)
