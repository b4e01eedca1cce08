"""Checkers for lesson 01's foundations: the Bellman backup, Monte Carlo and TD(0) prediction.

The learner's functions must have the signatures the notebook asks for:

- ``bellman_backup(P, R, terminal, v, gamma) -> (S, A)``: ``P`` ``(S, A, S)`` transition
  probabilities, ``R`` ``(S, A)`` expected rewards, ``terminal`` ``(S,)`` bool, ``v`` ``(S,)``;
  returns ``R + gamma * sum_s' P[s, a, s'] * (1 - terminal[s']) * v[s']``;
- ``first_visit_mc_update(v, states, rewards, gamma, alpha) -> (S,)``: the estimates after one
  episode, each state moved towards the return after its FIRST visit;
- ``td0_update(v, s, r, s_next, terminated, alpha, gamma) -> float``: the new ``v[s]``.

The package's tested versions are :func:`livedqn_edu.dp.bellman_backup`,
:func:`livedqn_edu.prediction.first_visit_mc_update` and :func:`livedqn_edu.prediction.td0_update`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, run_checks

__all__ = ["check_bellman_backup", "check_first_visit_mc_update", "check_td0_update"]


def _mdp(split: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """3 states, 2 actions; state 2 is terminal. From state 0, action 1 stays in 0 with
    probability ``split`` and falls into the terminal state 2 otherwise."""
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = 1.0  # 0 --a0--> 1
    P[0, 1, 0], P[0, 1, 2] = split, 1.0 - split  # 0 --a1--> 0 or 2
    P[1, 0, 2] = 1.0  # 1 --a0--> 2 (terminal)
    P[1, 1, 1] = 1.0  # 1 --a1--> 1
    P[2, :, 2] = 1.0  # terminal: stays
    R = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    return P, R, np.array([False, False, True])


def check_bellman_backup(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(P, R, terminal, v, gamma)`` returns the ``(S, A)`` backed-up action values.

    Uses a 3-state, 2-action MDP whose state 2 is terminal, with ``v = [2, 4, 10]`` (the 10 of
    the terminal state must be ignored).
    """
    P, R, terminal = _mdp()
    v = np.array([2.0, 4.0, 10.0])
    terminal_hint = (
        "a terminal next state is worth 0 whatever v says: multiply v[s'] by (1 - terminal[s']) "
        "(here v = 10 for the terminal state must not count)"
    )
    cases = [
        Case(
            "gamma 0.5, v = [2, 4, 10], state 2 terminal",
            (P, R, terminal, v, 0.5),
            # Q[0,0] = 0 + 0.5 * 4 = 2;  Q[0,1] = 1 + 0.5 * (0.5 * 2 + 0.5 * 0) = 1.5
            # Q[1,0] = 1 + 0.5 * 0 = 1;   Q[1,1] = 0 + 0.5 * 4 = 2;   Q[2, :] = 0
            np.array([[2.0, 1.5], [1.0, 2.0], [0.0, 0.0]]),
            terminal_hint + "; return Q for every (state, action): shape (S, A), not V",
        ),
        Case(
            "gamma 0: only the expected reward counts",
            (P, R, terminal, v, 0.0),
            R.copy(),  # Q = R + 0 * (...)
            "gamma multiplies the next state's value only, never the reward: Q = R + gamma * ...",
        ),
        Case(
            "gamma 1, state 0 action 1 stays with probability 0.25",
            (*_mdp(0.25), v, 1.0),
            # Q[0,1] = 1 + 0.25 * 2 + 0.75 * 0 = 1.5 (falls into the terminal state 3/4 of the time)
            np.array([[4.0, 1.5], [1.0, 4.0], [0.0, 0.0]]),
            "weight each next state's value by its probability P[s, a, s'] (e.g. P @ values); "
            "do not average the next states equally",
        ),
        Case(
            "values of the NEXT states, not of the current one",
            (P, R, terminal, np.array([0.0, 6.0, 0.0]), 1.0),
            # Q[0,0] = 0 + 6 (state 1's value) = 6;  Q[0,1] = 1 + 0.5 * 0 = 1
            # Q[1,0] = 1 + 0 = 1;  Q[1,1] = 0 + 6 = 6
            np.array([[6.0, 1.0], [1.0, 6.0], [0.0, 0.0]]),
            "bootstrap from v[s'] of the state you land in (sum over s' of P[s, a, s'] * "
            "v[s']), not from v[s] of the state you are in",
        ),
    ]
    return run_checks("bellman_backup", fn, cases)


def check_first_visit_mc_update(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(v, states, rewards, gamma, alpha)`` returns the estimates after one episode.

    ``states[t]`` is the state the agent left at step ``t`` and ``rewards[t]`` the reward that
    followed (same length). Each state moves towards the return after its first visit:
    ``v[s] += alpha * (G_t - v[s])``.
    """
    cases = [
        Case(
            "goal reached at the third step, gamma 0.9, alpha 1",
            (np.zeros(4), [0, 1, 2], [0.0, 0.0, 1.0], 0.9, 1.0),
            # G_2 = 1, G_1 = 0 + 0.9 * 1 = 0.9, G_0 = 0 + 0.9 * 0.9 = 0.81; state 3 unvisited
            np.array([0.81, 0.9, 1.0, 0.0]),
            "the return after step t is G_t = rewards[t] + gamma * G_(t+1): compute it backwards "
            "from the end, so earlier states get the more discounted goal",
        ),
        Case(
            "state 0 visited twice, gamma 0.5, alpha 1",
            (np.zeros(3), [0, 1, 0, 2], [1.0, 0.0, 2.0, 4.0], 0.5, 1.0),
            # G_3 = 4, G_2 = 2 + 2 = 4, G_1 = 0 + 0.5 * 4 = 2, G_0 = 1 + 0.5 * 2 = 2;
            # first visits: state 0 at t = 0 (G = 2), state 1 at t = 1 (2), state 2 at t = 3 (4)
            np.array([2.0, 2.0, 4.0]),
            "FIRST-visit: update each state once, with the return after its first visit "
            "(state 0 gets G_0 = 2, not the later G_2 = 4)",
        ),
        Case(
            "alpha 0.5 from v = [1, 1, 1], gamma 1",
            (np.ones(3), [0, 1], [2.0, 3.0], 1.0, 0.5),
            # G_1 = 3, G_0 = 5: v0 = 1 + 0.5 * (5 - 1) = 3, v1 = 1 + 0.5 * (3 - 1) = 2
            np.array([3.0, 2.0, 1.0]),
            "move each estimate part of the way: v[s] + alpha * (G - v[s]), leaving unvisited "
            "states alone",
        ),
    ]
    return run_checks("first_visit_mc_update", fn, cases)


def check_td0_update(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(v, s, r, s_next, terminated, alpha, gamma)`` returns the new ``v[s]``.

    Uses ``v = [1, 4, -2]``.
    """
    v = np.array([1.0, 4.0, -2.0])
    cases = [
        Case(
            "s=0, r=1, s_next=1, alpha 0.5, gamma 0.5",
            (v, 0, 1.0, 1, False, 0.5, 0.5),
            2.0,  # target 1 + 0.5 * 4 = 3; 1 + 0.5 * (3 - 1) = 2
            "new = v[s] + alpha * (r + gamma * v[s_next] - v[s]); return that number",
        ),
        Case(
            "bootstrap from the next state: s=2, r=0, s_next=1, alpha 1, gamma 1",
            (v, 2, 0.0, 1, False, 1.0, 1.0),
            4.0,  # target 0 + 1 * v[1] = 4; -2 + 1 * (4 - -2) = 4
            "the target uses v[s_next], the value of where you landed, not v[s]",
        ),
        Case(
            "the episode ended: s=1, r=1, s_next=2 terminal, alpha 0.5, gamma 0.9",
            (v, 1, 1.0, 2, True, 0.5, 0.9),
            2.5,  # target 1 (nothing follows); 4 + 0.5 * (1 - 4) = 2.5
            "when terminated, nothing follows: the target is r alone",
        ),
        Case(
            "a small step: s=0, r=0, s_next=0, alpha 0.1, gamma 0.9",
            (v, 0, 0.0, 0, False, 0.1, 0.9),
            0.99,  # target 0.9 * 1 = 0.9; 1 + 0.1 * (0.9 - 1) = 0.99
            "alpha scales the whole TD error (target - v[s]), the bootstrapped part included",
        ),
    ]
    return run_checks("td0_update", fn, cases)
