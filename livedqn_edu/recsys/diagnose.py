"""Diagnosing a live-room DQN: how heavy the rewards' tails are, and whether Q is a value.

A Q-network is supposed to predict the discounted return that follows a recommendation. Two
checks say whether it does, on states the world really produces:

- :func:`reward_tails`: the per-step rewards a policy collects (most steps are skips worth 0; a
  watch's minutes are log-normal), the scale every target is built from;
- :func:`q_calibration`: the agent's ``Q(s, a)`` of the rooms it shows, beside the return that
  really followed (discounted per day as in training). A network that diverged predicts values
  thousands of times the return; one trained with a Huber loss on heavy-tailed rewards predicts
  something nearer a median than a mean;
- :func:`taste_by_category` and :class:`CategoryTasteOracle`: how much of the hidden taste is a
  taste for categories, and what knowing it exactly (and nothing else hidden) is worth.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import VALIDATION, Population
from livedqn_edu.envs.world import World

__all__ = ["reward_tails", "q_calibration", "taste_by_category", "CategoryTasteOracle"]


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


def taste_by_category(world: World) -> dict[str, float]:
    """How much of the viewers' hidden taste-room match is a taste for categories.

    Args:
        world: a world after ``reset`` (its viewers are read).

    Returns:
        ``between_share``: the share of the variance of each viewer's match over the rooms that
        lies between the categories' means (averaged over viewers); ``share_correlation``: the
        correlation, per viewer, of their share of past watch minutes per category (a visible
        feature) with their mean match per category, averaged over viewers with a history.
    """
    v, cat = world.viewers, world.rooms.category
    match = v.match[:, :-1].astype(np.float64)
    n_cat = world.config.n_categories
    means = np.stack([match[:, cat == c].mean(axis=1) for c in range(n_cat)], axis=1)
    weights = np.array([(cat == c).mean() for c in range(n_cat)])
    within = sum(weights[c] * match[:, cat == c].var(axis=1) for c in range(n_cat))
    total = match.var(axis=1)
    minutes = v.category_minutes
    share = minutes / np.maximum(minutes.sum(axis=1, keepdims=True), 1e-12)
    ok = share.std(axis=1) > 0
    corr = [np.corrcoef(share[i], means[i])[0, 1] for i in np.flatnonzero(ok)]
    return {"between_share": float(1.0 - (within / total).mean()),
            "share_correlation": float(np.mean(corr))}  # fmt: skip


class CategoryTasteOracle:
    """The myopic oracle knowing less: each viewer's taste per *category* (the mean match of
    the category's rooms) instead of per room, and no room quality (0 for every room).

    What knowing a viewer's category taste exactly is worth, set beside the myopic oracle and
    the recommenders that must infer it. A diagnostic that reads the hidden world: call
    ``attach(world)`` (the evaluation helpers do).
    """

    name = "category_taste_oracle"

    def __init__(self) -> None:
        self.world: World | None = None
        self._match: np.ndarray | None = None

    def attach(self, world: World) -> None:  # noqa: D102
        self.world, self._match = world, None

    def __call__(self, obs: dict[str, np.ndarray]) -> np.ndarray:  # noqa: D102
        w = self.world
        if w is None:
            raise RuntimeError("CategoryTasteOracle reads the true world: call attach(world)")
        v, cat = w.viewers, np.append(w.rooms.category, 0)
        if self._match is None or self._match.shape != v.match.shape:
            self._match = v.match.astype(np.float32)
            for c in range(w.config.n_categories):
                cols = np.flatnonzero(cat[:-1] == c)
                self._match[:, cols] = v.match[:, cols].mean(axis=1, keepdims=True)
        saved = (v.match, w._quality)
        v.match, w._quality = self._match, np.zeros_like(w._quality)
        try:
            value = w.expected_immediate_reward()
        finally:
            v.match, w._quality = saved
        return np.where(obs["mask"], value, -np.inf).argmax(axis=1)
