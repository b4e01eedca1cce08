"""Checkers for lesson 05 (improving DQN): Double Q-learning, the Double DQN target, dueling.

The learner's functions must have the signatures the notebook asks for:

- ``double_q_update(q_update, q_other, s, a, r, s_next, terminated, alpha, gamma) -> float``:
  the new ``q_update[s, a]``, with ``q_update`` choosing the next action and ``q_other`` giving
  its value;
- ``double_dqn_targets(rewards, next_q_online, next_q_target, terminated, gamma)``: ``(B,)``
  targets ``r + gamma * (1 - terminated) * next_q_target[i, argmax next_q_online[i]]``;
- ``dueling_q(value, advantages)``: ``value`` ``(B,)``, ``advantages`` ``(B, A)``; returns
  ``(B, A)`` ``Q = V + A - mean over actions of A``.

The package's tested versions are :func:`livedqn_edu.maxbias.double_q_update`,
:func:`livedqn_edu.dqn.double_dqn_targets` and :class:`livedqn_edu.networks.DuelingCombine`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, run_checks

__all__ = ["check_double_dqn_targets", "check_double_q_update", "check_dueling_q"]


def check_double_q_update(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(q_update, q_other, s, a, r, s_next, terminated, alpha, gamma)``.

    Uses two 2-state tables that disagree about state 1: ``q_update`` prefers action 0 there
    (5 > 1), ``q_other`` values action 0 at 2 and action 1 at 9.
    """
    q1 = np.array([[0.0, 1.0], [5.0, 1.0]])
    q2 = np.array([[4.0, 0.0], [2.0, 9.0]])
    cases = [
        Case(
            "one table picks, the other values: s=0, a=1, r=1, s_next=1, alpha 0.5, gamma 1",
            (q1, q2, 0, 1, 1.0, 1, False, 0.5, 1.0),
            # q1 picks action 0 in state 1; q2 says it is worth 2: target 1 + 2 = 3
            2.0,  # 1 + 0.5 * (3 - 1) = 2
            "pick the next action with the table you update (argmax of q_update[s_next]) and "
            "take its value from the OTHER table: q_other[s_next, that action]. Not max(q_other"
            "[s_next]) (9 here), nor max(q_update[s_next]) (plain Q-learning, 5 here)",
        ),
        Case(
            "the roles swapped: q2 updates, q1 values",
            (q2, q1, 1, 0, 0.0, 1, False, 1.0, 0.5),
            # q2 picks action 1 in state 1 (9 > 2); q1 values it at 1: target 0 + 0.5 * 1 = 0.5
            0.5,  # 2 + 1 * (0.5 - 2) = 0.5
            "the first table chooses, the second evaluates: do not hard-code which one is which",
        ),
        Case(
            "the episode ended: s=1, a=1, r=-1, terminated, alpha 0.5",
            (q1, q2, 1, 1, -1.0, 0, True, 0.5, 0.9),
            0.0,  # target -1: 1 + 0.5 * (-1 - 1) = 0
            "after a terminal transition the target is the reward alone",
        ),
        Case(
            "a small step size: s=0, a=0, r=0, s_next=1, alpha 0.1, gamma 0.9",
            (q1, q2, 0, 0, 0.0, 1, False, 0.1, 0.9),
            0.18,  # target 0.9 * q2[1, 0] = 1.8; 0 + 0.1 * (1.8 - 0) = 0.18
            "return q_update[s, a] + alpha * (target - q_update[s, a]), one number",
        ),
    ]
    return run_checks("double_q_update", fn, cases)


def check_double_dqn_targets(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(rewards, next_q_online, next_q_target, terminated, gamma) -> (B,)``."""
    online = np.array([[3.0, 1.0], [0.0, 2.0]])  # picks action 0, then action 1
    target = np.array([[1.0, 3.0], [2.0, 0.5]])
    cases = [
        Case(
            "two transitions, gamma 0.9",
            (np.array([1.0, 1.0]), online, target, np.array([0.0, 0.0]), 0.9),
            # row 0: online picks 0, target values it at 1: 1 + 0.9 * 1 = 1.9
            # row 1: online picks 1, target values it at 0.5: 1 + 0.9 * 0.5 = 1.45
            np.array([1.9, 1.45]),
            "the ONLINE network picks a* = argmax(next_q_online[i]); the TARGET network values "
            "it: next_q_target[i, a*]. max(next_q_target) is plain DQN (3.7, 2.8 here)",
        ),
        Case(
            "the picked action's value is not the online network's",
            (
                np.array([0.0]),
                np.array([[10.0, 0.0]]),
                np.array([[4.0, 8.0]]),
                np.array([0.0]),
                0.5,
            ),
            np.array([2.0]),  # online picks 0; target says 4: 0 + 0.5 * 4 = 2 (online's 10 -> 5)
            "take the value from next_q_target, not from next_q_online",
        ),
        Case(
            "the second transition terminated",
            (np.array([1.0, 2.0]), online, target, np.array([0.0, 1.0]), 0.9),
            np.array([1.9, 2.0]),  # row 1: no bootstrap, target = reward 2
            "multiply the bootstrap by (1 - terminated)",
        ),
        Case(
            "three actions, negative values, gamma 1",
            (
                np.array([0.0]),
                np.array([[-5.0, -1.0, -3.0]]),
                np.array([[-2.0, -4.0, -0.5]]),
                np.array([0.0]),
                1.0,
            ),
            np.array([-4.0]),  # online picks action 1 (-1 is the largest); target says -4
            "argmax picks the largest value, also when all are negative; work row by row "
            "(axis=1) and gather with np.take_along_axis or q[np.arange(B), a]",
        ),
    ]
    return run_checks("double_dqn_targets", fn, cases)


def check_dueling_q(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(value, advantages)``: ``value`` ``(B,)``, ``advantages`` ``(B, A)`` -> ``(B, A)``.

    ``Q[i, a] = value[i] + advantages[i, a] - mean over a' of advantages[i, a']``.
    """
    cases = [
        Case(
            "one state, two actions",
            (np.array([10.0]), np.array([[1.0, 3.0]])),
            np.array([[9.0, 11.0]]),  # mean advantage 2: 10 + (1 - 2), 10 + (3 - 2)
            "subtract the MEAN advantage of the state (not the max, and not nothing): "
            "Q = V + A - mean(A)",
        ),
        Case(
            "two states, two actions: V is per state",
            (np.array([0.0, 100.0]), np.array([[2.0, 0.0], [4.0, 8.0]])),
            # state 0: mean 1 -> [1, -1]; state 1: mean 6 -> 100 + [-2, 2]
            np.array([[1.0, -1.0], [98.0, 102.0]]),
            "value has shape (B,): add it per ROW with value[:, None] (value + advantages "
            "would add it per column); the mean is over actions (axis=1, keepdims=True), "
            "not over the batch",
        ),
        Case(
            "three actions",
            (np.array([-1.0]), np.array([[0.0, 3.0, 6.0]])),
            np.array([[-4.0, -1.0, 2.0]]),  # mean 3: -1 + (0 - 3), -1 + 0, -1 + 3
            "the mean runs over every action of the state",
        ),
    ]
    return run_checks("dueling_q", fn, cases)
