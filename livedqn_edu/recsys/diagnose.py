"""Diagnosing a live-room DQN: how heavy the rewards' tails are, and whether Q is a value.

A Q-network is supposed to predict the discounted return that follows a recommendation. Two
checks say whether it does, on states the world really produces:

- :func:`reward_tails`: the per-step rewards a policy collects (most steps are skips worth 0; a
  watch's minutes are log-normal), the scale every target is built from;
- :func:`q_calibration`: the agent's ``Q(s, a)`` of the rooms it shows, beside the return that
  really followed (discounted per day as in training). A network that diverged predicts values
  thousands of times the return; one trained with a Huber loss on heavy-tailed rewards predicts
  something nearer a median than a mean.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import VALIDATION, Population
from livedqn_edu.envs.world import World

__all__ = ["reward_tails", "q_calibration"]


def reward_tails(
    policy: Any,
    population: Population = VALIDATION,
    n_viewers: int = 1_000,
    seed: int | None = None,
) -> dict[str, float]:
    """The per-step rewards of ``policy`` over one week: share of zeros, quantiles, mean, max.

    Returns:
        ``steps``, ``nonzero_share``, ``mean``, ``median_nonzero``, ``p90_nonzero``,
        ``p99_nonzero``, ``max``, and ``top1_share`` (share of all reward earned by the largest
        1% of the steps' rewards).
    """
    world = World(population.config())
    obs = world.reset(n_viewers, seed=population.seeds[0] if seed is None else seed)
    if hasattr(policy, "attach"):
        policy.attach(world)
    rewards = []
    while not world.done.all():
        active = ~world.done
        r, _ = world.step(np.asarray(policy(obs), dtype=np.int64))
        rewards.append(r[active])
        obs = world.observe()
    r = np.concatenate(rewards)
    nz = r[r > 0]
    top = np.sort(r)[::-1][: max(1, r.size // 100)]
    q = np.quantile(nz, [0.5, 0.9, 0.99]) if nz.size else np.zeros(3)
    return {
        "steps": float(r.size), "nonzero_share": float(nz.size / r.size), "mean": float(r.mean()),
        "median_nonzero": float(q[0]), "p90_nonzero": float(q[1]), "p99_nonzero": float(q[2]),
        "max": float(r.max()), "top1_share": float(top.sum() / max(r.sum(), 1e-12)),
    }  # fmt: skip


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation, NaN when either side is constant."""
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def q_calibration(
    agent: Any,
    gamma: float,
    population: Population = VALIDATION,
    n_viewers: int = 500,
    seed: int | None = None,
    discount_minutes: float = 1440.0,
    config: WorldConfig | None = None,
) -> dict[str, float]:
    """The greedy agent's ``Q(s, a)`` of the rooms it shows vs the return that followed.

    The agent acts greedily for one week; at each step the Q-value of the shown room is kept,
    and afterwards the realised return from that step on, discounted by ``gamma`` per
    ``discount_minutes`` of the viewer's clock (as the trainer discounts), is computed backwards.

    Args:
        agent: a :class:`~livedqn_edu.dqn.DQNAgent` whose network reads the world's observation.
        gamma: the agent's discount per ``discount_minutes`` (0: the immediate reward).
        population, n_viewers, seed, config: the viewers (default validation, its first seed).
        discount_minutes: the discount period.

    Returns:
        ``mean_q`` and ``mean_return`` (over all shown rooms), ``ratio`` (mean_q /
        mean_return), ``correlation`` of Q with the realised return (NaN for a constant Q),
        ``max_q``, and
        ``first_q`` / ``first_return`` (the first recommendation of each viewer's week).
    """
    from livedqn_edu.recsys.train import agent_observation

    world = World(population.config(config))
    obs = world.reset(n_viewers, seed=population.seeds[0] if seed is None else seed)
    q_taken, rewards, elapsed, alive = [], [], [], []
    rows = np.arange(n_viewers)
    while not world.done.all():
        x = agent_observation(obs)
        q = np.where(x["mask"], agent.q_values(x), -np.inf)
        a = q.argmax(axis=1)
        active, t0 = ~world.done, world.t.copy()
        r, _ = world.step(a)
        q_taken.append(np.where(active, q[rows, a], 0.0))
        rewards.append(np.where(active, r, 0.0))
        elapsed.append((world.t - t0) / discount_minutes)
        alive.append(active)
        obs = world.observe()
    g, ret = np.zeros(n_viewers), np.zeros((len(rewards), n_viewers))
    for t in range(len(rewards) - 1, -1, -1):
        discount = gamma ** np.maximum(elapsed[t], 1e-9) if gamma > 0 else 0.0
        g = np.where(alive[t], rewards[t] + discount * g, 0.0)
        ret[t] = g
    live = np.array(alive)
    qs, gs = np.array(q_taken)[live], ret[live]
    return {
        "mean_q": float(qs.mean()), "mean_return": float(gs.mean()),
        "ratio": float(qs.mean() / gs.mean()), "correlation": _correlation(qs, gs),
        "max_q": float(qs.max()), "first_q": float(np.array(q_taken)[0].mean()),
        "first_return": float(ret[0].mean()),
    }  # fmt: skip
