"""Maximisation bias in a table: Sutton & Barto's example 6.7, Q-learning versus Double Q-learning.

The MDP (Sutton & Barto 2018, section 6.7, figure 6.5): every episode starts in state A, which
has two actions. *Right* ends the episode with reward 0. *Left* moves to state B with reward 0;
from B, each of ``n_b`` actions ends the episode with a reward drawn from N(-0.1, 1). Going left
is worth -0.1 on average, so the best policy goes right; an epsilon-greedy learner with
``epsilon = 0.1`` then goes left ``epsilon / 2 = 5%`` of the time.

Q-learning's target for (A, left) is ``max_b Q(B, b)``: the max of ``n_b`` noisy estimates of
-0.1, which is positive for a long while, so Q-learning goes left far more often than 5% at
first. Double Q-learning (van Hasselt, 2010) keeps two tables: one picks the best action in B,
the other says what it is worth, ``Q2(B, argmax_b Q1(B, b))``, an unbiased estimate.

:func:`maximisation_bias_runs` runs both on many independent runs at once (vectorised over runs);
:func:`double_q_update` is the one-transition update of Double Q-learning.
"""

from __future__ import annotations

import numpy as np

__all__ = ["double_q_update", "maximisation_bias_runs", "LEFT", "RIGHT"]

LEFT, RIGHT = 0, 1
"""Actions in state A."""


def double_q_update(
    q_update: np.ndarray,
    q_other: np.ndarray,
    s: int,
    a: int,
    r: float,
    s_next: int,
    terminated: bool,
    alpha: float,
    gamma: float,
) -> float:
    """Double Q-learning: the new ``q_update[s, a]``; ``q_update`` picks, ``q_other`` evaluates.

    ``target = r + gamma * q_other[s_next, argmax_a' q_update[s_next, a']]`` (just ``r`` when
    ``terminated``). The caller flips a coin each step to choose which table plays
    ``q_update``. Neither table is modified.

    Example:
        >>> q1 = np.array([[0.0, 0.0], [5.0, 1.0]])  # table 1 thinks action 0 is best in state 1
        >>> q2 = np.array([[0.0, 0.0], [2.0, 9.0]])  # table 2 says action 0 is worth 2
        >>> double_q_update(q1, q2, 0, 1, 1.0, 1, False, alpha=0.5, gamma=1.0)  # .5 * (1 + 2)
        1.5
    """
    future = 0.0 if terminated else float(q_other[s_next, int(np.argmax(q_update[s_next]))])
    old = float(q_update[s, a])
    return old + alpha * (r + gamma * future - old)


def _choose(values: np.ndarray, epsilon: float, rng: np.random.Generator) -> np.ndarray:
    """Epsilon-greedy over the rows of ``values`` ``(runs, k)``, ties broken at random."""
    runs, k = values.shape
    best = values == values.max(axis=1, keepdims=True)
    greedy = np.argmax(np.where(best, rng.random((runs, k)), -1.0), axis=1)
    explore = rng.random(runs) < epsilon
    return np.where(explore, rng.integers(k, size=runs), greedy)


def maximisation_bias_runs(
    runs: int,
    episodes: int = 300,
    n_b: int = 10,
    alpha: float = 0.1,
    epsilon: float = 0.1,
    gamma: float = 1.0,
    reward_mean: float = -0.1,
    seed: int = 0,
) -> dict[str, dict[str, np.ndarray]]:
    """Q-learning and Double Q-learning on example 6.7, ``runs`` independent runs each.

    Args:
        runs: independent runs (all tables start at 0).
        episodes: episodes per run.
        n_b: actions in state B.
        alpha: step size.
        epsilon: exploration rate (behaviour: epsilon-greedy on Q, or on Q1 + Q2 for Double).
        gamma: discount.
        reward_mean: mean of B's rewards (standard deviation 1).
        seed: seed of the random stream (each method gets its own generator from it).

    Returns:
        ``{"q_learning": {...}, "double_q": {...}}``, each with ``"left"`` ``(episodes,)`` the
        share of runs that went left from A at each episode, and ``"q_left"`` ``(episodes,)``
        the mean estimate of Q(A, left) after each episode (Double: the mean of both tables).
    """
    out = {}
    for method, tables in (("q_learning", 1), ("double_q", 2)):
        rng = np.random.default_rng([seed, tables])
        qa = np.zeros((tables, runs, 2))
        qb = np.zeros((tables, runs, n_b))
        rows = np.arange(runs)
        left_share, q_left = np.zeros(episodes), np.zeros(episodes)
        for ep in range(episodes):
            a = _choose(qa.sum(axis=0), epsilon, rng)
            left = a == LEFT
            # which table learns at each of the (up to) two steps; always 0 for Q-learning
            t1 = rng.integers(tables, size=runs)
            t2 = rng.integers(tables, size=runs)
            other = tables - 1 - t1  # Double: the other table evaluates (Q-learning: itself)
            pick = np.argmax(qb[t1, rows], axis=1)
            boot = qb[other, rows, pick]  # = max_b Q(B, b) for Q-learning
            target = np.where(left, gamma * boot, 0.0)  # right ends the episode with reward 0
            qa[t1, rows, a] += alpha * (target - qa[t1, rows, a])
            b = _choose(qb.sum(axis=0), epsilon, rng)
            reward = reward_mean + rng.standard_normal(runs)
            idx = (t2[left], rows[left], b[left])
            qb[idx] += alpha * (reward[left] - qb[idx])
            left_share[ep] = left.mean()
            q_left[ep] = qa[:, :, LEFT].mean()
        out[method] = {"left": left_share, "q_left": q_left}
    return out
