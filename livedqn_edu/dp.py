"""Dynamic programming on a known model: the Bellman backup, value iteration, policy evaluation.

Toy-text environments (FrozenLake, CliffWalking, Taxi) expose their exact model,
``env.unwrapped.P[s][a] = [(probability, next_state, reward, terminated), ...]``. With it, the
optimal values need no experience at all: repeat the **Bellman optimality backup**

    Q(s, a) = R(s, a) + gamma * sum_s' P(s' | s, a) * (1 - terminal(s')) * V(s')
    V(s)    = max_a Q(s, a)

until nothing changes (value iteration, Bellman 1957; Sutton & Barto 2018, section 4.4). A
learner never sees this model; lesson 01 uses the result as the yardstick Q-learning is measured
against, and the values of a fixed policy (:func:`policy_evaluation`) as the truth that Monte
Carlo and TD estimates are compared with.

Example:
    >>> import gymnasium as gym
    >>> model = tabular_model(gym.make("FrozenLake-v1"))
    >>> model.P.shape, model.R.shape, int(model.terminal.sum())  # 4 holes + the goal
    ((16, 4, 16), (16, 4), 5)
"""

from __future__ import annotations

from typing import NamedTuple

import gymnasium as gym
import numpy as np

__all__ = [
    "TabularModel",
    "discrete_sizes",
    "tabular_model",
    "bellman_backup",
    "value_iteration",
    "policy_evaluation",
    "optimal_return",
]


class TabularModel(NamedTuple):
    """An MDP's model as arrays.

    Attributes:
        P: ``(S, A, S)`` float64, ``P[s, a, s']`` the probability of moving to ``s'``.
        R: ``(S, A)`` float64, the expected immediate reward of action ``a`` in state ``s``.
        terminal: ``(S,)`` bool, True for states that end the episode (their value is 0).
        start: ``(S,)`` float64, the distribution of the first state.
    """

    P: np.ndarray
    R: np.ndarray
    terminal: np.ndarray
    start: np.ndarray


def discrete_sizes(env: gym.Env) -> tuple[int, int]:
    """``(n_states, n_actions)`` of an env with Discrete spaces, else a ValueError."""
    for name in ("observation_space", "action_space"):
        space = getattr(env, name, None)
        if not isinstance(space, gym.spaces.Discrete):
            raise ValueError(
                f"Q-tables need Discrete observation and action spaces, but env.{name} is "
                f"{space!r}; use a toy-text env (FrozenLake-v1, CliffWalking-v1, Taxi-v4) or a "
                "function approximator (lesson 02) for continuous states"
            )
    if env.observation_space.start != 0 or env.action_space.start != 0:
        raise ValueError("Discrete spaces must start at 0 to index a Q-table")
    return int(env.observation_space.n), int(env.action_space.n)


def tabular_model(env: gym.Env) -> TabularModel:
    """The exact model of a toy-text env as arrays (see :class:`TabularModel`).

    Raises:
        ValueError: if the env does not expose ``P``, or if whether a transition ends the
            episode depends on more than the state it reaches.
    """
    n_states, n_actions = discrete_sizes(env)
    base = env.unwrapped
    if not hasattr(base, "P") or not hasattr(base, "initial_state_distrib"):
        raise ValueError(f"{type(base).__name__} does not expose its model (P); toy-text envs do")
    P = np.zeros((n_states, n_actions, n_states))
    R = np.zeros((n_states, n_actions))
    rows = [(s, a, p, s2, r, bool(d)) for s in range(n_states) for a in range(n_actions)
            for p, s2, r, d in base.P[s][a] if p > 0]  # fmt: skip
    terminal = np.zeros(n_states, dtype=bool)
    for _, _, _, s2, _, done in rows:
        terminal[s2] |= done
    for s, a, p, s2, r, _ in rows:
        P[s, a, s2] += p
        R[s, a] += p * r
    start = np.asarray(base.initial_state_distrib, dtype=np.float64)
    # from the states an episode can visit, entering a terminal state must end the episode
    reachable, frontier = start > 0, start > 0
    while frontier.any():
        nxt = (P[frontier & ~terminal].sum(axis=(0, 1)) > 0) & ~reachable
        reachable, frontier = reachable | nxt, nxt
    for s, _, _, s2, _, done in rows:
        if reachable[s] and not terminal[s] and terminal[s2] and not done:
            raise ValueError(
                f"state {s2} is reached both by terminal and non-terminal transitions; this "
                "model format needs 'terminated' to depend on the next state only"
            )
    return TabularModel(P, R, terminal, start)


def bellman_backup(
    P: np.ndarray, R: np.ndarray, terminal: np.ndarray, v: np.ndarray, gamma: float
) -> np.ndarray:
    """One Bellman backup of every state and action at once.

    ``Q[s, a] = R[s, a] + gamma * sum_s' P[s, a, s'] * (1 - terminal[s']) * v[s']``.

    Args:
        P: ``(S, A, S)`` transition probabilities.
        R: ``(S, A)`` expected immediate rewards.
        terminal: ``(S,)`` bool, states whose value is 0 (nothing follows them).
        v: ``(S,)`` current state values.
        gamma: discount factor in [0, 1].

    Returns:
        ``(S, A)`` float64 action values.

    Example:
        >>> P = np.array([[[0.5, 0.5]], [[0.0, 1.0]]])  # 2 states, 1 action; state 1 terminal
        >>> bellman_backup(P, np.array([[1.0], [0.0]]), np.array([False, True]),
        ...                np.array([4.0, 9.0]), 0.5)  # 1 + 0.5 * (0.5 * 4 + 0.5 * 0)
        array([[2.],
               [0.]])
    """
    future = np.where(np.asarray(terminal, dtype=bool), 0.0, np.asarray(v, dtype=np.float64))
    return np.asarray(R, dtype=np.float64) + gamma * np.asarray(P, dtype=np.float64) @ future


def value_iteration(
    model: TabularModel, gamma: float, tol: float = 1e-10, max_sweeps: int = 100_000
) -> dict[str, np.ndarray | int]:
    """Repeat the Bellman optimality backup until the values move less than ``tol``.

    Args:
        model: the MDP (:func:`tabular_model`).
        gamma: discount factor in [0, 1) (1 converges only if every policy reaches a terminal).
        tol: stop when the largest change of ``V`` in a sweep is below it.
        max_sweeps: give up (RuntimeError) after this many sweeps.

    Returns:
        ``{"v": (S,), "q": (S, A), "policy": (S,) int64 greedy actions (ties: lowest index),
        "sweeps": int, "deltas": (sweeps,) largest change per sweep}``.
    """
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
    v = np.zeros(model.P.shape[0])
    deltas = []
    for _ in range(max_sweeps):
        q = bellman_backup(model.P, model.R, model.terminal, v, gamma)
        new = q.max(axis=1)
        deltas.append(float(np.max(np.abs(new - v))))
        v = new
        if deltas[-1] < tol:
            return {"v": v, "q": q, "policy": q.argmax(axis=1), "sweeps": len(deltas),
                    "deltas": np.array(deltas)}  # fmt: skip
    raise RuntimeError(
        f"value iteration did not converge in {max_sweeps} sweeps (last change {deltas[-1]:.3g});"
        " with gamma = 1 some policy may never end: use gamma < 1"
    )


def policy_evaluation(model: TabularModel, policy: np.ndarray, gamma: float) -> np.ndarray:
    """The exact values ``V^pi`` of a deterministic policy: solves ``V = R_pi + gamma P_pi V``.

    Args:
        model: the MDP.
        policy: ``(S,)`` int actions.
        gamma: discount factor in [0, 1).

    Returns:
        ``(S,)`` float64 values (0 in terminal states).
    """
    policy = np.asarray(policy)
    n = model.P.shape[0]
    if policy.shape != (n,) or not np.issubdtype(policy.dtype, np.integer):
        raise ValueError(f"policy must be an int array of shape ({n},), got {policy.shape}")
    rows = np.arange(n)
    live = ~model.terminal
    P_pi = model.P[rows, policy] * live[None, :]  # no value flows out of terminal states
    R_pi = np.where(live, model.R[rows, policy], 0.0)
    A = np.eye(n) - gamma * P_pi * live[:, None]
    return np.linalg.solve(A, R_pi)


def optimal_return(env: gym.Env, horizon: int | None = None) -> float:
    """The best expected return any policy can get within ``horizon`` steps, from the model.

    Backward induction: ``horizon`` undiscounted Bellman backups from ``V = 0``, averaged over
    the start-state distribution. Q-learning never sees the model; the number is the yardstick
    it is measured against. For FrozenLake (reward 1 at the goal only) it is the best success
    probability within the time limit (about 0.744 in 100 steps).

    Args:
        env: a toy-text env (FrozenLake, CliffWalking, Taxi) exposing ``P``.
        horizon: steps available (default: the env's time limit, ``env.spec.max_episode_steps``).

    Returns:
        The optimal expected undiscounted return from the start (float).
    """
    model = tabular_model(env)
    horizon = horizon or (env.spec.max_episode_steps if env.spec is not None else None)
    if not horizon or horizon < 1:
        raise ValueError(f"horizon must be a positive number of steps, got {horizon!r}")
    value = np.zeros(model.P.shape[0])
    for _ in range(horizon):
        value = bellman_backup(model.P, model.R, model.terminal, value, 1.0).max(axis=1)
    return float(np.dot(model.start, value))
