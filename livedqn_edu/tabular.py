"""Q-tables: epsilon-greedy selection, the Q-learning and SARSA updates, train and evaluate loops.

Everything here works for any gymnasium environment whose observation and action spaces are
both ``Discrete`` (FrozenLake, CliffWalking, Taxi...). A Q-table is a ``(n_states, n_actions)``
float64 array: ``q[s, a]`` estimates the discounted return of taking action ``a`` in state ``s``
and acting well afterwards.

The two update rules are pure functions: they read the table and return the NEW VALUE of
``q[s, a]`` as a float, without modifying anything; the caller writes it back
(``q[s, a] = q_learning_update(...)``). Termination and truncation are kept apart: a transition
into a terminal state (``terminated=True``: a hole, the goal) has no future, so its target is the
reward alone; a time-limit cut (``truncated``) is not the end of the task, so the caller passes
``terminated=False`` and the target still bootstraps from ``s_next``.

Example:
    >>> import gymnasium as gym
    >>> env = gym.make("FrozenLake-v1")
    >>> history = train_tabular(env, episodes=200, seed=0, progress=False)
    >>> history["q"].shape
    (16, 4)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from tqdm.auto import tqdm

from livedqn_edu.dp import discrete_sizes, optimal_return

__all__ = [
    "EpsilonSchedule",
    "epsilon_greedy",
    "q_learning_update",
    "sarsa_update",
    "train_tabular",
    "greedy_policy",
    "evaluate_tabular",
    "greedy_path",
    "optimal_return",  # lives in livedqn_edu.dp; kept here for older imports
]

ALGORITHMS = ("q_learning", "sarsa")


def _check_unit(name: str, value: float, hint: str) -> None:
    """Raise a ValueError unless ``0 <= value <= 1`` (NaN fails too)."""
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}; {hint}")


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha <= 1.0:
        raise ValueError(
            f"alpha (the learning rate) must be in (0, 1], got {alpha!r}; "
            "typical values are 0.05 to 0.5"
        )


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    """Pick an action: at random with probability ``epsilon``, else greedily.

    The random action is drawn uniformly among ALL actions (the greedy one included), so with
    ``n`` actions the greedy action has probability ``1 - epsilon + epsilon / n``. Ties among
    greedy actions are broken uniformly at random with ``rng``, so that an untrained agent (all
    values equal) does not always pick action 0.

    Args:
        q_values: ``(n_actions,)`` float array, the row ``q[s]`` of a Q-table.
        epsilon: exploration probability in [0, 1].
        rng: the random generator to draw from (e.g. ``np.random.default_rng(seed)``).

    Returns:
        An action index (Python int) in ``[0, n_actions)``.
    """
    _check_unit("epsilon", epsilon, "0 is always greedy, 1 is always random")
    values = q_values.tolist() if isinstance(q_values, np.ndarray) else list(q_values)
    n = len(values)
    if epsilon > 0.0 and rng.random() < epsilon:
        return min(int(rng.random() * n), n - 1)
    best = max(values)
    ties = [i for i, v in enumerate(values) if v == best]
    if len(ties) == 1:
        return ties[0]
    return ties[min(int(rng.random() * len(ties)), len(ties) - 1)]


def q_learning_update(
    q: np.ndarray,
    s: int,
    a: int,
    r: float,
    s_next: int,
    terminated: bool,
    alpha: float,
    gamma: float,
) -> float:
    """The Q-learning update of one transition; returns the new ``q[s, a]``, leaves ``q`` alone.

    ``target = r + gamma * max_a' q[s_next, a']`` (just ``r`` when ``terminated``), and
    ``new = q[s, a] + alpha * (target - q[s, a])``. Off-policy: the target uses the best next
    action whatever the agent will actually do. Pass ``terminated=False`` for a time-limit
    truncation, so that the target still bootstraps.

    Args:
        q: ``(n_states, n_actions)`` float Q-table (not modified).
        s, a: the state and the action taken.
        r: the reward received.
        s_next: the state reached.
        terminated: True when ``s_next`` is terminal (no future rewards).
        alpha: learning rate in (0, 1].
        gamma: discount factor in [0, 1].

    Returns:
        The updated value of ``q[s, a]`` (float).

    Example:
        >>> q = np.array([[0.0, 2.0], [4.0, 6.0]])
        >>> q_learning_update(q, 0, 1, 1.0, 1, False, alpha=0.5, gamma=0.9)  # 2 + .5*(6.4 - 2)
        4.2
    """
    _check_alpha(alpha)
    _check_unit("gamma", gamma, "0.9 to 0.99 are usual; 1 only for episodic tasks")
    future = 0.0 if terminated else float(q[s_next].max())
    old = float(q[s, a])
    return old + alpha * (r + gamma * future - old)


def sarsa_update(
    q: np.ndarray,
    s: int,
    a: int,
    r: float,
    s_next: int,
    a_next: int,
    terminated: bool,
    alpha: float,
    gamma: float,
) -> float:
    """The SARSA update of one transition; returns the new ``q[s, a]``, leaves ``q`` alone.

    ``target = r + gamma * q[s_next, a_next]`` (just ``r`` when ``terminated``), where
    ``a_next`` is the action the agent WILL take (epsilon-greedy included): SARSA is on-policy,
    it learns the value of the exploring policy, which makes it wary of risky states.

    Args:
        q: ``(n_states, n_actions)`` float Q-table (not modified).
        s, a: the state and the action taken.
        r: the reward received.
        s_next: the state reached.
        a_next: the action chosen in ``s_next`` (ignored when ``terminated``).
        terminated: True when ``s_next`` is terminal (no future rewards).
        alpha: learning rate in (0, 1].
        gamma: discount factor in [0, 1].

    Returns:
        The updated value of ``q[s, a]`` (float).

    Example:
        >>> q = np.array([[0.0, 2.0], [4.0, 6.0]])
        >>> sarsa_update(q, 0, 1, 1.0, 1, 0, False, alpha=0.5, gamma=0.9)  # 2 + .5*(4.6 - 2)
        3.3
    """
    _check_alpha(alpha)
    _check_unit("gamma", gamma, "0.9 to 0.99 are usual; 1 only for episodic tasks")
    future = 0.0 if terminated else float(q[s_next, a_next])
    old = float(q[s, a])
    return old + alpha * (r + gamma * future - old)


@dataclass(frozen=True)
class EpsilonSchedule:
    """Exploration rate decaying linearly per episode, then held: call it with an episode index."""

    start: float = 1.0
    """epsilon at episode 0, in [0, 1]"""
    end: float = 0.05
    """epsilon from episode ``decay_episodes`` on, in [0, 1]"""
    decay_episodes: int = 1_000
    """episodes over which epsilon goes from ``start`` to ``end``"""

    def __post_init__(self) -> None:
        _check_unit("start", self.start, "it is an exploration probability")
        _check_unit("end", self.end, "it is an exploration probability")
        if self.decay_episodes < 1:
            raise ValueError(f"decay_episodes must be >= 1, got {self.decay_episodes!r}")

    def __call__(self, episode: int) -> float:
        frac = min(max(episode, 0) / self.decay_episodes, 1.0)
        return self.start + frac * (self.end - self.start)


def train_tabular(
    env: gym.Env,
    algorithm: str = "q_learning",
    episodes: int = 1_000,
    alpha: float = 0.1,
    gamma: float = 0.99,
    epsilon: float | Callable[[int], float] = 0.1,
    seed: int = 0,
    max_steps: int = 10_000,
    progress: bool = True,
    q_init: float = 0.0,
) -> dict[str, Any]:
    """Learn a Q-table by interacting with ``env`` (Q-learning or SARSA), epsilon-greedy.

    The env is reset with ``seed`` at the first episode (then continues its own random stream)
    and actions are drawn from ``np.random.default_rng(seed)``: same seed, same history.

    Args:
        env: a gymnasium env with Discrete observation and action spaces.
        algorithm: ``"q_learning"`` (off-policy, max over next actions) or ``"sarsa"``.
        episodes: number of episodes to run.
        alpha: learning rate in (0, 1].
        gamma: discount factor in [0, 1].
        epsilon: exploration rate in [0, 1], or a function ``episode -> epsilon`` such as
            :class:`EpsilonSchedule`.
        seed: seeds the env's first reset and the action sampling.
        max_steps: safety cap on steps per episode (treated as a truncation), for envs without
            a time limit such as CliffWalking-v1.
        progress: show a tqdm progress bar.
        q_init: initial value of every entry (> 0 is "optimism", which drives exploration).

    Returns:
        A history dict: ``q`` the ``(n_states, n_actions)`` float64 table; per-episode
        ``(episodes,)`` arrays ``charts/episodic_return`` (undiscounted sum of rewards),
        ``charts/episode_length`` (steps, int), ``charts/epsilon``, ``charts/terminated``
        (bool: reached a terminal state rather than a time limit) and ``losses/td_error`` (mean
        absolute TD error over the episode's steps: it shrinks as the table settles);
        ``time/seconds`` (wall time) and ``config`` (the arguments).
    """
    n_states, n_actions = discrete_sizes(env)
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    if isinstance(episodes, bool) or not isinstance(episodes, (int, np.integer)) or episodes < 1:
        raise ValueError(f"episodes must be a positive integer, got {episodes!r}")
    if max_steps < 1:
        raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
    _check_alpha(alpha)
    _check_unit("gamma", gamma, "0.9 to 0.99 are usual; 1 only for episodic tasks")
    schedule = epsilon if callable(epsilon) else None
    if schedule is None:
        _check_unit("epsilon", epsilon, "0 is always greedy, 1 is always random")
    sarsa = algorithm == "sarsa"
    rng = np.random.default_rng(seed)
    q = np.full((n_states, n_actions), float(q_init))
    returns = np.zeros(episodes)
    lengths = np.zeros(episodes, dtype=np.int64)
    epsilons = np.zeros(episodes)
    ended = np.zeros(episodes, dtype=bool)
    td_errors = np.zeros(episodes)
    start = time.perf_counter()
    bar = tqdm(range(episodes), desc=algorithm, disable=not progress, mininterval=0.5)
    for ep in bar:
        eps = float(schedule(ep)) if schedule is not None else float(epsilon)
        _check_unit("epsilon", eps, f"the schedule returned it at episode {ep}")
        obs, _ = env.reset(seed=seed) if ep == 0 else env.reset()
        s = int(obs)
        a = epsilon_greedy(q[s], eps, rng)
        total, abs_td, terminated = 0.0, 0.0, False
        for t in range(1, max_steps + 1):  # noqa: B007  (t is the episode length after the loop)
            obs, reward, terminated, truncated, _ = env.step(a)
            s_next, r = int(obs), float(reward)
            old = q[s, a]
            if sarsa:
                a_next = epsilon_greedy(q[s_next], eps, rng)
                new = sarsa_update(q, s, a, r, s_next, a_next, terminated, alpha, gamma)
            else:
                new = q_learning_update(q, s, a, r, s_next, terminated, alpha, gamma)
            q[s, a] = new
            abs_td += abs(new - old)
            total += r
            if terminated or truncated:
                break
            s = s_next
            a = a_next if sarsa else epsilon_greedy(q[s], eps, rng)
        returns[ep], lengths[ep], epsilons[ep], ended[ep] = total, t, eps, terminated
        td_errors[ep] = abs_td / (alpha * t)  # |new - old| = alpha * |TD error|
        if progress and (ep + 1) % max(1, episodes // 50) == 0:
            bar.set_postfix(ret=f"{returns[max(0, ep - 99) : ep + 1].mean():.3f}", eps=f"{eps:.2f}")
    return {
        "q": q,
        "charts/episodic_return": returns,
        "charts/episode_length": lengths,
        "charts/epsilon": epsilons,
        "charts/terminated": ended,
        "losses/td_error": td_errors,
        "time/seconds": time.perf_counter() - start,
        "config": {
            "algorithm": algorithm,
            "episodes": int(episodes),
            "alpha": alpha,
            "gamma": gamma,
            "epsilon": epsilon,
            "seed": seed,
            "q_init": q_init,
        },
    }


def greedy_policy(q: np.ndarray) -> np.ndarray:
    """The greedy action of every state: ``(n_states,)`` int64, ``argmax_a q[s, a]``.

    Ties go to the lowest action index (deterministic, so that a policy can be drawn and compared).

    Args:
        q: ``(n_states, n_actions)`` float Q-table.
    """
    q = np.asarray(q, dtype=float)
    if q.ndim != 2:
        raise ValueError(f"q must be a 2-D (n_states, n_actions) table, got shape {q.shape}")
    return q.argmax(axis=1)


def _as_action_fn(policy: Any, n_states: int, n_actions: int) -> Callable[[int], int]:
    """Turn a Q-table, an action table or a callable into ``state -> action``."""
    if callable(policy):
        return lambda s: int(policy(s))
    table = np.asarray(policy)
    if table.ndim == 2:
        if table.shape != (n_states, n_actions):
            raise ValueError(
                f"a Q-table policy must have shape ({n_states}, {n_actions}) for this env, "
                f"got {table.shape}"
            )
        table = greedy_policy(table)
    if table.shape != (n_states,) or not np.issubdtype(table.dtype, np.integer):
        raise ValueError(
            "policy must be a Q-table (n_states, n_actions), an integer action table "
            f"(n_states,) = ({n_states},), or a function state -> action; got shape "
            f"{table.shape}, dtype {table.dtype}"
        )
    actions = table.tolist()
    return lambda s: actions[s]


def evaluate_tabular(
    env: gym.Env, policy: Any, episodes: int = 1_000, seed: int = 0, max_steps: int = 10_000
) -> dict[str, Any]:
    """Run a fixed policy for ``episodes`` episodes and measure it (no learning, no exploration).

    Args:
        env: a gymnasium env with Discrete observation and action spaces.
        policy: a Q-table ``(n_states, n_actions)`` (acted on greedily), an integer action
            table ``(n_states,)``, or a function ``state -> action``.
        episodes: number of evaluation episodes.
        seed: seeds the env's first reset (episodes differ, the whole run is reproducible).
        max_steps: cap on steps per episode (for envs without a time limit).

    Returns:
        A dict: ``returns`` ``(episodes,)`` float64, ``lengths`` ``(episodes,)`` int64, and the
        scalars ``mean_return``, ``std_return``, ``mean_length``, ``terminated_rate`` (share of
        episodes that reached a terminal state) and ``success_rate`` (share that reached a
        terminal state with a positive last reward: FrozenLake's goal, Taxi's drop-off).
    """
    n_states, n_actions = discrete_sizes(env)
    if isinstance(episodes, bool) or not isinstance(episodes, (int, np.integer)) or episodes < 1:
        raise ValueError(f"episodes must be a positive integer, got {episodes!r}")
    act = _as_action_fn(policy, n_states, n_actions)
    returns = np.zeros(episodes)
    lengths = np.zeros(episodes, dtype=np.int64)
    terminal = np.zeros(episodes, dtype=bool)
    success = np.zeros(episodes, dtype=bool)
    for ep in range(episodes):
        obs, _ = env.reset(seed=seed) if ep == 0 else env.reset()
        total, r, terminated = 0.0, 0.0, False
        for t in range(1, max_steps + 1):  # noqa: B007  (t is the episode length after the loop)
            obs, reward, terminated, truncated, _ = env.step(act(int(obs)))
            r = float(reward)
            total += r
            if terminated or truncated:
                break
        returns[ep], lengths[ep] = total, t
        terminal[ep], success[ep] = terminated, terminated and r > 0
    return {
        "returns": returns,
        "lengths": lengths,
        "mean_return": float(returns.mean()),
        "std_return": float(returns.std()),
        "mean_length": float(lengths.mean()),
        "terminated_rate": float(terminal.mean()),
        "success_rate": float(success.mean()),
    }


def greedy_path(env: gym.Env, policy: Any, seed: int = 0, max_steps: int = 200) -> list[int]:
    """The states one episode visits under ``policy``, start state first.

    In a deterministic env (CliffWalking) this is THE path of the policy: ``len(path) - 1`` is
    its number of steps (13 for the optimal CliffWalking path). A policy that loops is stopped
    after ``max_steps`` steps.

    Args:
        env: a gymnasium env with Discrete observation and action spaces.
        policy: a Q-table, an integer action table or a function ``state -> action``.
        seed: seed of the env's reset.
        max_steps: cap on the number of steps.

    Returns:
        The visited states as a list of ints, of length ``steps + 1``.
    """
    n_states, n_actions = discrete_sizes(env)
    act = _as_action_fn(policy, n_states, n_actions)
    obs, _ = env.reset(seed=seed)
    path = [int(obs)]
    for _ in range(max_steps):
        obs, _, terminated, truncated, _ = env.step(act(path[-1]))
        path.append(int(obs))
        if terminated or truncated:
            break
    return path
