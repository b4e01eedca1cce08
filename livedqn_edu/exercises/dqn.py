"""Checkers for lesson 04 (DQN): the TD targets.

The learner's function must have the signature the notebook asks for:

- ``td_targets(rewards, next_q, terminated, gamma) -> np.ndarray``: ``rewards`` ``(B,)``,
  ``next_q`` ``(B, n_actions)`` target-network Q-values of the next states, ``terminated``
  ``(B,)`` of 0.0/1.0 (a time-limit truncation is passed as 0.0, so it bootstraps); returns the
  ``(B,)`` targets ``r + gamma * (1 - terminated) * max_a' next_q[a']``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, run_checks

__all__ = ["check_td_targets"]


def _arr(*values: Any) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def check_td_targets(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(rewards, next_q, terminated, gamma)`` returns the DQN targets, shape ``(B,)``.

    Args:
        fn: the learner's function.

    Returns:
        A :class:`CheckResult`, truthy when every case passed.
    """
    cases = [
        Case(
            "one transition, not terminated, gamma 0.9",
            (_arr(1.0), np.array([[1.0, 3.0]]), _arr(0.0), 0.9),
            _arr(3.7),  # 1 + 0.9 * max(1, 3) = 3.7
            "bootstrap from the BEST next action: max over next_q's last axis (here 3, not 1 "
            "or the mean 2)",
        ),
        Case(
            "terminated transition",
            (_arr(2.0), np.array([[2.0, 7.0]]), _arr(1.0), 0.9),
            _arr(2.0),  # terminated: no future, the target is the reward alone
            "your update ignores `terminated`: the target must not bootstrap past the end of an "
            "episode (multiply the bootstrap by 1 - terminated)",
        ),
        Case(
            "gamma 0.5",
            (_arr(0.5), np.array([[5.0, 4.0]]), _arr(0.0), 0.5),
            _arr(3.0),  # 0.5 + 0.5 * 5 = 3.0
            "the bootstrapped value must be multiplied by gamma (did you ignore gamma?)",
        ),
        Case(
            "batch of 3: plain, terminated, truncated by a time limit (terminated = 0)",
            (
                _arr(1.0, 2.0, 0.5),
                np.array([[1.0, 3.0], [2.0, 0.0], [5.0, 4.0]]),
                _arr(0.0, 1.0, 0.0),
                0.9,
            ),
            _arr(3.7, 2.0, 5.0),  # 1 + 0.9*3 = 3.7; 2 (terminated); 0.5 + 0.9*5 = 5.0
            "work on whole arrays: one target per row, max over each row's actions "
            "(np.max(next_q, axis=1)), and a truncated row still bootstraps",
        ),
        Case(
            "negative Q-values, gamma 1",
            (
                _arr(-1.0, 0.0),
                np.array([[-4.0, -2.0, -3.0], [-1.0, -6.0, -5.0]]),
                _arr(0.0, 0.0),
                1.0,
            ),
            _arr(-3.0, -1.0),  # -1 + 1 * (-2) = -3; 0 + 1 * (-1) = -1
            "take the max of each row (the largest, even when all are negative), over axis 1",
        ),
    ]
    return run_checks("td_targets", fn, cases)
