"""Checkers for lesson 01 (Q-tables): the return, epsilon-greedy, the Q-learning and SARSA updates.

The learner's functions must have the signatures the notebook asks for:

- ``discounted_return(rewards, gamma) -> float``
- ``epsilon_greedy(q_values, epsilon, rng) -> int``
- ``q_learning_update(q, s, a, r, s_next, terminated, alpha, gamma) -> float`` (the new
  ``q[s, a]``; a time-limit truncation is passed as ``terminated=False``, so it bootstraps)
- ``sarsa_update(q, s, a, r, s_next, a_next, terminated, alpha, gamma) -> float``

and the self-check of the lesson, ``check_taxi_q_table(q)``, grades a Q-table trained on Taxi-v4.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, WrongAnswer, answer_array, run_checks

__all__ = [
    "check_discounted_return",
    "check_epsilon_greedy",
    "check_q_learning_update",
    "check_sarsa_update",
    "check_taxi_q_table",
]

# A small 3-state, 2-action Q-table used by the update cases (row 2 is all negative).
_Q = np.array([[1.0, 2.0], [4.0, 6.0], [-5.0, -3.0]])


def check_discounted_return(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(rewards, gamma)`` returns ``sum_t gamma**t * rewards[t]`` (``t`` from 0).

    Args:
        fn: the learner's function; ``rewards`` is a list of floats, ``gamma`` a float.

    Returns:
        A :class:`CheckResult`, truthy when every case passed.
    """
    first = "the first reward is not discounted: it is multiplied by gamma**0 = 1"
    cases = [
        Case(
            "rewards [1, 1, 1], gamma 0.9",
            ([1.0, 1.0, 1.0], 0.9),
            2.71,  # 1 + 0.9 * 1 + 0.81 * 1 = 2.71
            first,
        ),
        Case(
            "rewards [0, 0, 1] (FrozenLake-like), gamma 0.5",
            ([0.0, 0.0, 1.0], 0.5),
            0.25,  # 0 + 0.5 * 0 + 0.25 * 1 = 0.25
            "the reward at step t is multiplied by gamma**t: a late goal is worth less",
        ),
        Case(
            "rewards [3, -1, 2], gamma 1",
            ([3.0, -1.0, 2.0], 1.0),
            4.0,  # 3 - 1 + 2 = 4: with gamma = 1 the return is the plain sum
            "with gamma = 1 the return is the plain sum of rewards",
        ),
        Case(
            "rewards [5, 10], gamma 0",
            ([5.0, 10.0], 0.0),
            5.0,  # 5 * 1 + 10 * 0 = 5: with gamma = 0 only the first reward counts
            "with gamma = 0 only the first reward counts (0**0 = 1)",
        ),
        Case(
            "rewards [1, 2, 4], gamma 0.5 (order matters)",
            ([1.0, 2.0, 4.0], 0.5),
            3.0,  # 1 + 0.5 * 2 + 0.25 * 4 = 3 (reversed order would give 4 + 1 + 0.25 = 5.25)
            "discount the rewards in time order: rewards[0] first, with weight 1",
        ),
        Case("no rewards at all", ([], 0.9), 0.0, "the return of an empty episode is 0"),
    ]
    return run_checks("discounted_return", fn, cases)


def _frequencies(fn: Callable[..., Any]) -> Callable[..., np.ndarray]:
    """Wrap a learner's ``epsilon_greedy`` into ``(q_values, epsilon, seed, n) -> frequencies``."""

    def run(q_values: np.ndarray, epsilon: float, seed: int, n: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        counts = np.zeros(len(q_values))
        for _ in range(n):
            action = fn(q_values.copy(), epsilon, rng)
            if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
                raise TypeError(f"return an int action index, got {action!r}")
            if not 0 <= action < len(q_values):
                raise ValueError(f"action {action} is outside [0, {len(q_values)})")
            counts[action] += 1
        return counts / n

    return run


def check_epsilon_greedy(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(q_values, epsilon, rng) -> int`` by the frequencies of its choices.

    Each case calls ``fn`` 5,000 times with a seeded ``np.random.default_rng`` and compares the
    share of each action with its probability, within 4.5 binomial standard errors (so a right
    answer fails by bad luck about once in 100,000 checks; probabilities 0 and 1 must be exact).
    The random action is uniform over ALL actions, greedy included; ties among greedy actions are
    broken uniformly at random with ``rng``.

    Returns:
        A :class:`CheckResult`, truthy when every case passed.
    """
    n = 5_000

    def close(got: Any, expected: Any) -> bool:
        got = np.asarray(got, dtype=float)
        tolerance = 4.5 * np.sqrt(expected * (1.0 - expected) / n) + 1e-9
        return got.shape == expected.shape and bool(np.all(np.abs(got - expected) <= tolerance))

    cases = [
        Case(
            "epsilon = 0, one best action (q = [1, 5, 2, 0])",
            (np.array([1.0, 5.0, 2.0, 0.0]), 0.0, 1, n),
            np.array([0.0, 1.0, 0.0, 0.0]),  # always the argmax, action 1
            "with epsilon = 0 always pick the action with the largest Q-value (np.argmax "
            "gives its index; do not return the value itself)",
            compare=close,
        ),
        Case(
            "epsilon = 1 (q = [1, 5, 2, 0])",
            (np.array([1.0, 5.0, 2.0, 0.0]), 1.0, 2, n),
            np.full(4, 0.25),  # uniformly random: 1/4 each
            "with epsilon = 1 every action is equally likely: rng.integers(len(q_values))",
            compare=close,
        ),
        Case(
            "epsilon = 0.2, one best action (q = [1, 5, 2, 0])",
            (np.array([1.0, 5.0, 2.0, 0.0]), 0.2, 3, n),
            # greedy 1 - 0.2 + 0.2 / 4 = 0.85; every other action 0.2 / 4 = 0.05
            np.array([0.05, 0.85, 0.05, 0.05]),
            "explore with probability epsilon (rng.random() < epsilon) and then pick among ALL "
            "actions, the greedy one included: greedy gets 1 - eps + eps / n_actions",
            compare=close,
        ),
        Case(
            "epsilon = 0, a tie between actions 1 and 2 (q = [0, 3, 3, 1])",
            (np.array([0.0, 3.0, 3.0, 1.0]), 0.0, 4, n),
            np.array([0.0, 0.5, 0.5, 0.0]),  # each tied action half of the time
            "break ties at random: np.argmax always returns the FIRST maximum; pick with "
            "rng.choice(np.flatnonzero(q_values == q_values.max()))",
            compare=close,
        ),
        Case(
            "epsilon = 0.4, a tie between actions 0 and 1 (q = [2, 2, 0, 0])",
            (np.array([2.0, 2.0, 0.0, 0.0]), 0.4, 5, n),
            # tied: 0.6 / 2 + 0.4 / 4 = 0.4 each; others 0.4 / 4 = 0.1 each
            np.array([0.4, 0.4, 0.1, 0.1]),
            "combine both rules: explore with probability epsilon, else a random greedy action",
            compare=close,
        ),
    ]
    return run_checks("epsilon_greedy", _frequencies(fn), cases)


def check_q_learning_update(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(q, s, a, r, s_next, terminated, alpha, gamma)`` returns the new ``q[s, a]``.

    Uses the table ``q = [[1, 2], [4, 6], [-5, -3]]`` (3 states, 2 actions).

    Returns:
        A :class:`CheckResult`, truthy when every case passed.
    """
    no_terminal = (
        "your update ignores `terminated`: the target must not bootstrap past the end of an "
        "episode (target = r when terminated)"
    )
    cases = [
        Case(
            "s=0, a=1, r=1, s_next=1, not terminal, alpha=0.5, gamma=0.9",
            (_Q, 0, 1, 1.0, 1, False, 0.5, 0.9),
            4.2,  # target 1 + 0.9 * max(4, 6) = 6.4; 2 + 0.5 * (6.4 - 2) = 4.2
            "new = q[s, a] + alpha * (r + gamma * max(q[s_next]) - q[s, a])",
        ),
        Case(
            "max over next actions: s=0, a=0, r=0, s_next=1, alpha=1, gamma=0.5",
            (_Q, 0, 0, 0.0, 1, False, 1.0, 0.5),
            3.0,  # target 0 + 0.5 * max(4, 6) = 3 (not 0.5 * q[1, 0] = 2); 1 + 1 * (3 - 1) = 3
            "Q-learning bootstraps from max over a' of q[s_next, a'], not from q[s_next, a]",
        ),
        Case(
            "terminated: s=0, a=1, r=1, s_next=1, alpha=0.5, gamma=0.9",
            (_Q, 0, 1, 1.0, 1, True, 0.5, 0.9),
            1.5,  # target = r = 1 (no future); 2 + 0.5 * (1 - 2) = 1.5
            no_terminal,
        ),
        Case(
            "truncated by a time limit (passed as terminated=False) still bootstraps",
            (_Q, 1, 0, 0.0, 0, False, 0.1, 0.99),
            3.7980,  # target 0 + 0.99 * 2 = 1.98; 4 + 0.1 * (1.98 - 4) = 3.798
            "when terminated is False, add gamma * max(q[s_next]) even if the episode was cut",
            atol=1e-9,
        ),
        Case(
            "negative values: s=1, a=1, r=-1, s_next=2, alpha=0.25, gamma=1",
            (_Q, 1, 1, -1.0, 2, False, 0.25, 1.0),
            3.5,  # target -1 + 1 * max(-5, -3) = -4; 6 + 0.25 * (-4 - 6) = 3.5
            "take the max of the next Q-values (the largest, -3), not of their absolute values",
        ),
        Case(
            "return the new value of q[s, a], not the whole table",
            (_Q, 2, 0, 2.0, 0, True, 0.5, 0.9),
            -1.5,  # terminal: target 2; -5 + 0.5 * (2 - -5) = -1.5
            "return one number (the new q[s, a]); the caller stores it with q[s, a] = new",
        ),
    ]
    return run_checks("q_learning_update", fn, cases)


def check_sarsa_update(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(q, s, a, r, s_next, a_next, terminated, alpha, gamma)`` returns new ``q[s, a]``.

    Uses the table ``q = [[1, 2], [4, 6], [-5, -3]]`` (3 states, 2 actions).

    Returns:
        A :class:`CheckResult`, truthy when every case passed.
    """
    cases = [
        Case(
            "s=0, a=1, r=1, s_next=1, a_next=0, alpha=0.5, gamma=0.9",
            (_Q, 0, 1, 1.0, 1, 0, False, 0.5, 0.9),
            3.3,  # target 1 + 0.9 * q[1, 0] = 1 + 3.6 = 4.6; 2 + 0.5 * (4.6 - 2) = 3.3
            "SARSA bootstraps from the action actually taken next, q[s_next, a_next], not from "
            "max(q[s_next]) (that is Q-learning)",
        ),
        Case(
            "s=0, a=0, r=0, s_next=1, a_next=1, alpha=1, gamma=0.5",
            (_Q, 0, 0, 0.0, 1, 1, False, 1.0, 0.5),
            3.0,  # target 0 + 0.5 * q[1, 1] = 3; 1 + 1 * (3 - 1) = 3
            "new = q[s, a] + alpha * (r + gamma * q[s_next, a_next] - q[s, a])",
        ),
        Case(
            "terminated: s=1, a=0, r=2, s_next=2, a_next=1, alpha=0.5, gamma=0.9",
            (_Q, 1, 0, 2.0, 2, 1, True, 0.5, 0.9),
            3.0,  # target = r = 2 (no future); 4 + 0.5 * (2 - 4) = 3
            "your update ignores `terminated`: the target must not bootstrap past the end of an "
            "episode (target = r when terminated)",
        ),
        Case(
            "negative values: s=1, a=1, r=-1, s_next=2, a_next=0, alpha=0.25, gamma=1",
            (_Q, 1, 1, -1.0, 2, 0, False, 0.25, 1.0),
            # target -1 + 1 * q[2, 0] = -6; 6 + 0.25 * (-6 - 6) = 3
            3.0,
            "use q[s_next, a_next] even when it is not the best next value",
        ),
    ]
    return run_checks("sarsa_update", fn, cases)


def check_taxi_q_table(q: Any, episodes: int = 1_000, seed: int = 2024) -> CheckResult:
    """Grade a Q-table trained on Taxi-v4 by the greedy policy it defines.

    Runs ``episodes`` greedy episodes (seeded) and passes when the taxi delivers the passenger
    in at least 95% of them and the mean return is within 1.0 of the optimum (about 7.93, from
    dynamic programming on the env's model).

    Args:
        q: the ``(500, 6)`` Q-table.
        episodes: evaluation episodes.
        seed: seed of the evaluation.

    Returns:
        A :class:`CheckResult`, truthy when both criteria hold.
    """
    import gymnasium as gym

    from livedqn_edu.tabular import evaluate_tabular, optimal_return

    env = gym.make("Taxi-v4")
    best = optimal_return(env)
    cache: dict[str, dict[str, Any]] = {}

    def measure(metric: str) -> float:
        table = answer_array(q, "your Q-table")
        if table.shape != (500, 6):
            raise WrongAnswer(f"a Taxi-v4 Q-table has shape (500, 6), got {table.shape}")
        if not np.all(np.isfinite(table)):
            raise WrongAnswer("the Q-table holds NaN or infinite values")
        if "result" not in cache:
            cache["result"] = evaluate_tabular(env, table, episodes, seed=seed)
        return round(cache["result"][metric], 3)

    cases = [
        Case(
            f"greedy success rate over {episodes:,} episodes >= 0.95",
            ("success_rate",),
            0.95,
            "train longer (more episodes) or explore more: states never visited keep Q = 0 "
            "and the taxi wanders there until the 200-step limit",
            compare=lambda got, want: got >= want,
            timeout=120.0,  # 1,000 episodes of up to 200 steps
        ),
        Case(
            f"greedy mean return >= optimum - 1 = {best - 1:.2f}",
            ("mean_return",),
            round(best - 1.0, 2),
            "the taxi delivers but takes detours: use gamma close to 1 (0.99) so that every "
            "extra step (-1) counts, and let epsilon become small so the table settles",
            compare=lambda got, want: got >= want,
            timeout=120.0,  # 1,000 episodes of up to 200 steps
        ),
    ]
    return run_checks("taxi_q_table", measure, cases)
