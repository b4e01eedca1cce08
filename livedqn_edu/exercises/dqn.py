"""Checkers for lesson 04 (DQN): the targets and the loss.

The learner's functions must have the signatures the notebook asks for:

- ``td_targets(rewards, next_q, terminated, gamma) -> np.ndarray``: ``rewards`` ``(B,)``,
  ``next_q`` ``(B, n_actions)`` target-network Q-values of the next states, ``terminated``
  ``(B,)`` of 0.0/1.0 (a time-limit truncation is passed as 0.0, so it bootstraps); returns the
  ``(B,)`` targets ``r + gamma * (1 - terminated) * max_a' next_q[a']``;
- ``huber_loss(errors, delta) -> float``: the mean Huber loss of TD errors;
- ``dqn_loss(q, actions, rewards, next_q_target, terminated, gamma) -> float``: the mean Huber
  loss (delta 1) between ``Q(s, a)`` of the actions taken and the targets.

The loop around them (replay sampling, target sync, exploration) is checked in
:mod:`livedqn_edu.exercises.dqn_loop`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, run_checks

__all__ = ["check_dqn_loss", "check_huber_loss", "check_td_targets"]


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


# ------------------------------------------------------------------------------ losses
def check_huber_loss(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(errors, delta) -> float``: the mean over ``errors`` of the Huber loss.

    ``0.5 * e**2`` where ``|e| <= delta``, else ``delta * (|e| - 0.5 * delta)``.
    """
    cases = [
        Case(
            "small errors [0.5, -0.5], delta 1",
            (np.array([0.5, -0.5]), 1.0),
            0.125,  # 0.5 * 0.25 each, mean 0.125
            "inside [-delta, delta] the loss is 0.5 * error**2 (do not forget the 0.5)",
        ),
        Case(
            "a large error [3], delta 1",
            (np.array([3.0]), 1.0),
            2.5,  # 1 * (3 - 0.5) = 2.5 (squared error / 2 would be 4.5)
            "beyond delta the loss grows linearly: delta * (|error| - 0.5 * delta), which "
            "meets 0.5 * delta**2 at |error| = delta",
        ),
        Case(
            "mixed errors [-2, 0.2], delta 1",
            (np.array([-2.0, 0.2]), 1.0),
            0.76,  # (1 * (2 - 0.5) + 0.5 * 0.04) / 2 = (1.5 + 0.02) / 2 = 0.76
            "use |error| for negative errors, and return the MEAN over the batch",
        ),
        Case(
            "delta 2, error [3]",
            (np.array([3.0]), 2.0),
            4.0,  # 2 * (3 - 0.5 * 2) = 4
            "delta sets both the threshold and the slope: delta * (|error| - 0.5 * delta)",
        ),
        Case(
            "the mean, not the sum: four errors of 0.5, delta 1",
            (np.full(4, 0.5), 1.0),
            0.125,  # 0.125 each, mean 0.125 (the sum would be 0.5)
            "return the mean over the batch (np.mean), not the sum",
        ),
    ]
    return run_checks("huber_loss", fn, cases)


def check_dqn_loss(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(q, actions, rewards, next_q_target, terminated, gamma) -> float``.

    ``q`` ``(B, A)`` online Q-values of the states, ``actions`` ``(B,)`` int, ``rewards`` and
    ``terminated`` ``(B,)``, ``next_q_target`` ``(B, A)`` target-network Q-values of the next
    states. Returns the mean Huber loss (delta 1) of ``targets - q[i, actions[i]]``.
    """
    q = np.array([[1.0, 2.0], [0.0, 5.0]])
    nxt = np.array([[3.0, 1.0], [2.0, 2.0]])
    cases = [
        Case(
            "small errors: the second transition terminated",
            (q, np.array([1, 0]), _arr(1.0, 0.0), nxt, _arr(0.0, 1.0), 0.5),
            # targets: 1 + 0.5 * 3 = 2.5 and 0 (terminated); Q(s, a): 2 and 0; errors 0.5, 0
            0.0625,  # Huber: 0.5 * 0.25 = 0.125 and 0; mean 0.0625
            "compare each target with Q(s, a) of the action TAKEN, q[i, actions[i]] "
            "(np.take_along_axis or q[np.arange(B), actions]), not with max(q[i])",
        ),
        Case(
            "a large error: Huber, not squared",
            (q, np.array([1, 0]), _arr(10.0, 0.0), nxt, _arr(0.0, 1.0), 0.5),
            # target 10 + 1.5 = 11.5, error 9.5 -> 9.5 - 0.5 = 9; second 0; mean 4.5
            4.5,
            "use the Huber loss with delta 1 (linear beyond |error| = 1), averaged over the batch",
        ),
        Case(
            "no bootstrap after the end of an episode",
            (q, np.array([0, 0]), _arr(0.0, 1.0), nxt, _arr(1.0, 1.0), 0.9),
            # targets 0 and 1 (both terminated); Q(s, a) = 1 and 0; errors -1 and 1 -> 0.5 each
            0.5,
            "a terminated transition's target is its reward alone (multiply the bootstrap by "
            "1 - terminated)",
        ),
        Case(
            "the target network's best next action",
            (
                q,
                np.array([0, 1]),
                _arr(0.0, 0.0),
                np.array([[0.0, 4.0], [6.0, 1.0]]),
                _arr(0.0, 0.0),
                0.5,
            ),
            # targets 0.5 * 4 = 2 and 0.5 * 6 = 3; Q(s, a) = 1 and 5; errors 1, -2 -> 0.5, 1.5
            1.0,
            "targets bootstrap from max over next_q_target's row (the target network), "
            "r + gamma * max(next_q_target[i])",
        ),
    ]
    return run_checks("dqn_loss", fn, cases)
