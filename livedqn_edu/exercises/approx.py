"""Checkers for lesson 02 (from tables to networks).

- :func:`check_bucket`: the learner's ``bucket(x, low, high, n_bins)``, the equal-width bin of
  a value, clipped to the edges (the building block of discretising CartPole's state).
- :func:`check_semi_gradient_update`: the learner's semi-gradient Q-learning step for a linear
  Q-function, ``w[a] += alpha * (r + gamma * max_b w[b] . x' - w[a] . x) * x``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, run_checks

__all__ = ["check_bucket", "check_semi_gradient_update"]


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
    return run_checks("check_bucket", func, _bucket_cases())


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
    return run_checks("check_semi_gradient_update", func, _update_cases())
