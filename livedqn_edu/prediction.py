"""Learning the values of a fixed policy from experience: Monte Carlo versus TD(0).

Both estimate ``V^pi(s)``, the expected discounted return from ``s`` when following ``pi``, from
episodes alone (no model):

- **Monte Carlo** waits for the end of the episode and moves ``V(s_t)`` towards the return that
  really followed, ``G_t = r_{t+1} + gamma r_{t+2} + ...``: an unbiased sample of ``V^pi(s_t)``,
  but a noisy one (it sums every random step until the end).
- **TD(0)** moves ``V(s_t)`` after one step towards ``r_{t+1} + gamma V(s_{t+1})``: it bootstraps
  on its own current estimate, so it is biased while that estimate is wrong, but its target
  holds one random step instead of all of them, so it varies far less.

:func:`prediction_runs` feeds the same episodes to both (Sutton & Barto 2018, sections 5.1, 6.1
and example 6.2 compare them the same way), for many independent runs, so their bias and spread
can be measured against the exact values from :func:`livedqn_edu.dp.policy_evaluation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import gymnasium as gym
import numpy as np

from livedqn_edu.dp import discrete_sizes

__all__ = [
    "Episode",
    "sample_episodes",
    "first_visit_mc_update",
    "td0_update",
    "mc_prediction",
    "td0_prediction",
    "prediction_runs",
]


class Episode(NamedTuple):
    """One episode: ``states`` ``(T + 1,)`` int (the last one is where it ended), ``rewards``
    ``(T,)`` float (``rewards[t]`` follows ``states[t]``), and whether it ``terminated``."""

    states: np.ndarray
    rewards: np.ndarray
    terminated: bool


def sample_episodes(
    env: gym.Env, policy: np.ndarray, episodes: int, seed: int = 0, max_steps: int = 10_000
) -> list[Episode]:
    """Play ``episodes`` episodes of a fixed deterministic policy (first reset seeded).

    Args:
        env: a gymnasium env with Discrete spaces. Its time limit cuts episodes (a truncated
            episode's returns miss their tail); make it large for prediction,
            e.g. ``gym.make("FrozenLake-v1", max_episode_steps=1_000)``.
        policy: ``(n_states,)`` int, the action of each state.
        episodes: how many episodes.
        seed: seed of the first reset.
        max_steps: safety cap on an episode's length.

    Returns:
        The episodes, in order.
    """
    n_states, _ = discrete_sizes(env)
    actions = np.asarray(policy).tolist()
    if len(actions) != n_states:
        raise ValueError(f"policy must give one action per state ({n_states}), got {len(actions)}")
    out = []
    for i in range(episodes):
        obs, _ = env.reset(seed=seed) if i == 0 else env.reset()
        states, rewards, terminated = [int(obs)], [], False
        for _ in range(max_steps):
            obs, reward, terminated, truncated, _ = env.step(actions[states[-1]])
            states.append(int(obs))
            rewards.append(float(reward))
            if terminated or truncated:
                break
        out.append(Episode(np.array(states), np.array(rewards), bool(terminated)))
    return out


def first_visit_mc_update(
    v: np.ndarray, states: Sequence[int], rewards: Sequence[float], gamma: float, alpha: float
) -> np.ndarray:
    """Constant-step first-visit Monte Carlo: ``V(s) += alpha * (G_t - V(s))`` at each state's
    first visit ``t`` in the episode; returns a new array.

    Args:
        v: ``(n_states,)`` current estimates (not modified).
        states: ``s_0 ... s_{T-1}`` (the states that were left; the final state is not needed).
        rewards: ``r_1 ... r_T`` (``rewards[t]`` followed ``states[t]``).
        gamma: discount factor.
        alpha: step size in (0, 1].

    Example:
        >>> # s_0 = 0, s_1 = 1, s_2 = 0; G_2 = 4, G_1 = 0 + 0.5 * 4 = 2, G_0 = 1 + 0.5 * 2 = 2
        >>> first_visit_mc_update(np.zeros(2), [0, 1, 0], [1.0, 0.0, 4.0], 0.5, 1.0)
        array([2., 2.])
    """
    v = np.array(v, dtype=np.float64)
    returns = np.zeros(len(rewards))
    g = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        g = float(rewards[t]) + gamma * g
        returns[t] = g
    seen: set[int] = set()
    for t, s in enumerate(states[: len(rewards)]):
        if s not in seen:
            seen.add(s)
            v[s] += alpha * (returns[t] - v[s])
    return v


def td0_update(
    v: np.ndarray, s: int, r: float, s_next: int, terminated: bool, alpha: float, gamma: float
) -> float:
    """TD(0): the new ``V(s)`` after one step, ``V(s) + alpha * (r + gamma V(s') - V(s))``.

    ``V(s')`` counts as 0 when ``terminated``. Returns a float; ``v`` is not modified.

    Example:
        >>> td0_update(np.array([1.0, 4.0]), 0, 1.0, 1, False, alpha=0.5, gamma=0.5)  # 1 + .5*2
        2.0
    """
    future = 0.0 if terminated else gamma * float(v[s_next])
    return float(v[s]) + alpha * (r + future - float(v[s]))


def mc_prediction(
    episodes: Sequence[Episode], n_states: int, gamma: float, alpha: float
) -> np.ndarray:
    """First-visit constant-step MC over the episodes; ``(len(episodes), n_states)`` estimates,
    row ``i`` after episode ``i``."""
    v = np.zeros(n_states)
    history = np.zeros((len(episodes), n_states))
    for i, ep in enumerate(episodes):
        v = first_visit_mc_update(v, ep.states, ep.rewards, gamma, alpha)
        history[i] = v
    return history


def td0_prediction(
    episodes: Sequence[Episode], n_states: int, gamma: float, alpha: float
) -> np.ndarray:
    """TD(0) over the episodes, updating after every step; ``(len(episodes), n_states)``."""
    v = np.zeros(n_states)
    history = np.zeros((len(episodes), n_states))
    for i, ep in enumerate(episodes):
        states, rewards = ep.states.tolist(), ep.rewards.tolist()
        last = len(rewards) - 1
        for t, r in enumerate(rewards):
            done = ep.terminated and t == last
            v[states[t]] = td0_update(v, states[t], r, states[t + 1], done, alpha, gamma)
        history[i] = v
    return history


def prediction_runs(
    env: gym.Env,
    policy: np.ndarray,
    runs: int,
    episodes: int,
    gamma: float,
    alpha: float,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Monte Carlo and TD(0) on the same episodes, for ``runs`` independent runs.

    Run ``i`` plays ``episodes`` episodes of ``policy`` (first reset seeded ``seed + i``) and
    feeds the same episodes to both methods, from ``V = 0``.

    Returns:
        ``{"mc": ..., "td": ...}``, each ``(runs, episodes, n_states)`` float64: the estimates
        after each episode of each run.
    """
    n_states, _ = discrete_sizes(env)
    out = {"mc": np.zeros((runs, episodes, n_states)), "td": np.zeros((runs, episodes, n_states))}
    for i in range(runs):
        eps = sample_episodes(env, policy, episodes, seed=seed + i)
        out["mc"][i] = mc_prediction(eps, n_states, gamma, alpha)
        out["td"][i] = td0_prediction(eps, n_states, gamma, alpha)
    return out
