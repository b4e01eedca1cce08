"""Checkers for lesson 03 (the article's DQN and its silent bugs).

The learner writes the one-sample Q-learning target that keeps the two endings of an episode
apart: a *terminated* transition (the pole fell) has no future, so its target is the reward
alone; a *truncated* one (the 500-step time limit) still has a future, so its target bootstraps:
``reward + gamma * max(next_q)``. The article merged both into one ``done`` flag.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from livedqn_edu.exercises._core import Case, CheckResult, run_checks

__all__ = ["check_bootstrap_target"]

_MERGED = (
    "your target stops bootstrapping on truncation too: that is the article's merged `done`. "
    "Only `terminated` ends the future; a time limit does not, so use "
    "reward + gamma * max(next_q) when only `truncated` is True"
)


def _cases() -> list[Case]:
    return [
        Case(
            "ordinary step: r=1, next_q=[2, 5], gamma=0.9",
            (1.0, [2.0, 5.0], False, False, 0.9),
            5.5,  # 1 + 0.9 * max(2, 5) = 1 + 4.5 = 5.5
            "bootstrap with the *largest* next Q-value: reward + gamma * max(next_q)",
        ),
        Case(
            "terminated: r=-1, next_q=[2, 5]",
            (-1.0, [2.0, 5.0], True, False, 0.9),
            -1.0,  # the pole fell: no future, target = reward
            "a terminated transition has no next state worth anything: return the reward alone",
        ),
        Case(
            "truncated by the time limit: r=1, next_q=[3, 2], gamma=0.95",
            (1.0, [3.0, 2.0], False, True, 0.95),
            3.85,  # 1 + 0.95 * 3 = 3.85
            _MERGED,
        ),
        Case(
            "terminated and truncated on the same step: r=0.5",
            (0.5, [3.0, 2.0], True, True, 0.95),
            0.5,  # termination wins: no future
            "when `terminated` is True the target is the reward, whatever `truncated` says",
        ),
        Case(
            "negative Q-values: r=0, next_q=[-4, -2], gamma=0.5",
            (0.0, [-4.0, -2.0], False, False, 0.5),
            -1.0,  # 0 + 0.5 * max(-4, -2) = -1
            "use max(next_q), not the sum, the mean or the absolute value",
        ),
    ]


def check_bootstrap_target(func: Callable[..., Any]) -> CheckResult:
    """Check ``func(reward, next_q, terminated, truncated, gamma) -> float``.

    ``next_q`` is the list of Q-values of the next state, one per action.
    """
    return run_checks("check_bootstrap_target", func, _cases())
