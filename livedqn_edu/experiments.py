"""Multi-seed DQN experiments for lesson 05: ablations, sensitivity, Q over-estimation.

Over-estimation is measured as van Hasselt et al. (2016) do: run the greedy policy, and compare
the network's estimate ``Q(s_t, a_t)`` with the discounted return that actually followed,
``G_t = sum_k gamma^k r_{t+k}``. CartPole episodes are cut at 500 steps, and the agent's
Q-values assume the future goes on; only the first ``first_steps`` states of each episode are
compared, whose remaining horizon (>= 460 steps for 40) makes the cut worth at most
``gamma^460 / (1 - gamma)`` ~ 1 return unit at gamma = 0.99.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import gymnasium as gym
import numpy as np

from livedqn_edu.dqn import DQNAgent, DQNConfig
from livedqn_edu.networks import mlp_q_network
from livedqn_edu.training import CARTPOLE_HIDDEN, EVAL_SEED, History, train

__all__ = ["discounted_returns", "q_overestimation", "run_seeds", "summarise"]


def discounted_returns(rewards: Sequence[float], gamma: float) -> np.ndarray:
    """``G_t = r_t + gamma * G_{t+1}`` for every step of one episode, ``(T,)`` float64.

    Example:
        >>> discounted_returns([1.0, 1.0, 1.0], 0.5).tolist()  # 1 + 0.5 * (1 + 0.5 * 1)
        [1.75, 1.5, 1.0]
    """
    out = np.zeros(len(rewards))
    g = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        g = float(rewards[t]) + gamma * g
        out[t] = g
    return out


def q_overestimation(
    env: gym.Env, agent: DQNAgent, episodes: int = 5, seed: int = EVAL_SEED, first_steps: int = 40
) -> dict[str, float]:
    """Mean predicted ``Q(s_t, a_t)`` against the discounted return that followed (greedy play).

    Args:
        env: the environment.
        agent: the agent; it acts greedily, its ``config.gamma`` discounts the returns.
        episodes: greedy episodes; episode ``i`` resets with ``seed + i``.
        seed: reset seed of the first episode.
        first_steps: compare only the first steps of each episode (see the module docstring).

    Returns:
        ``{"q_estimate", "mc_return", "overestimation"}``: means over the compared states, and
        their difference (positive: the network is too optimistic).
    """
    q_est, mc = [], []
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        states, actions, rewards, done = [], [], [], False
        while not done:
            action = agent.act(obs, 0.0)
            states.append(obs)
            actions.append(action)
            obs, reward, terminated, truncated, _ = env.step(action)
            rewards.append(float(reward))
            done = terminated or truncated
        n = min(first_steps, len(states))
        q = agent.q_values(np.asarray(states[:n], dtype=np.float32))
        q_est.extend(q[np.arange(n), actions[:n]])
        mc.extend(discounted_returns(rewards, agent.config.gamma)[:n])
    q_mean, mc_mean = float(np.mean(q_est)), float(np.mean(mc))
    return {"q_estimate": q_mean, "mc_return": mc_mean, "overestimation": q_mean - mc_mean}


def run_seeds(
    seeds: Sequence[int],
    total_steps: int,
    config: DQNConfig | None = None,
    dueling: bool = False,
    hidden: tuple[int, ...] = CARTPOLE_HIDDEN,
    eval_every: int = 2_000,
    measure_bias: bool = True,
    **overrides: Any,
) -> list[History]:
    """Train one CartPole agent per seed for a fixed budget (no early stop); one history each.

    Args:
        seeds: the seeds (each seeds the network, the agent, the env and the sampling).
        total_steps: env steps per run.
        config: the config (default :class:`DQNConfig`); ``overrides`` replace some fields.
        dueling: use the dueling head.
        hidden: hidden layer sizes.
        eval_every: env steps between evaluations (20 greedy episodes).
        measure_bias: also record ``eval/q_estimate``, ``eval/mc_return`` and
            ``eval/overestimation`` (from :func:`q_overestimation`) at each evaluation.

    Returns:
        The training histories, in the order of ``seeds``.
    """
    cfg = replace(config or DQNConfig(), **overrides)
    return [
        _run_one(seed, total_steps, cfg, dueling, hidden, eval_every, measure_bias)
        for seed in seeds
    ]


def _run_one(
    seed: int,
    total_steps: int,
    cfg: DQNConfig,
    dueling: bool,
    hidden: tuple[int, ...],
    eval_every: int,
    measure_bias: bool,
) -> History:
    agent = DQNAgent(mlp_q_network(4, 2, hidden=hidden, dueling=dueling, seed=seed), cfg, seed)
    env, eval_env = gym.make("CartPole-v1"), gym.make("CartPole-v1")
    bias: dict[str, list[float]] = {"q_estimate": [], "mc_return": [], "overestimation": []}

    def on_eval(step: int, mean: float) -> bool:
        if measure_bias:
            for key, value in q_overestimation(eval_env, agent).items():
                bias[key].append(value)
        return False

    hist = train(
        env,
        agent,
        total_steps,
        seed=seed,
        eval_env=eval_env,
        eval_every=eval_every,
        on_eval=on_eval,
        progress=False,
    )
    if measure_bias:
        hist.update({f"eval/{k}": v for k, v in bias.items()})
    return hist


def summarise(histories: Sequence[History], target: float = 475.0) -> dict[str, float]:
    """Across seeds: mean evaluation return over the run (area under the curve) and solving.

    Returns:
        ``{"auc_median", "auc_min", "auc_max", "solved", "final_median"}``: the per-seed mean of
        ``eval/mean_return`` (median, min and max over seeds), the fraction of seeds whose
        evaluation ever reached ``target``, and the median last evaluation.
    """
    auc = [float(np.mean(h["eval/mean_return"])) for h in histories]
    solved = [max(h["eval/mean_return"]) >= target for h in histories]
    final = [h["eval/mean_return"][-1] for h in histories]
    return {
        "auc_median": float(np.median(auc)),
        "auc_min": min(auc),
        "auc_max": max(auc),
        "solved": float(np.mean(solved)),
        "final_median": float(np.median(final)),
    }
