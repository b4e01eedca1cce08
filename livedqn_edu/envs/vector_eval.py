"""Run any policy over many viewers and days in one call, and measure it per viewer.

A policy is a function from the batched observation dict (``user`` ``(N, U)``, ``candidates``
``(N, K, F)``, ``mask`` ``(N, K)``, ``room_ids`` ``(N, K)``) to an ``(N,)`` int array of slots::

    df = run_policy(random_policy(seed=0), n_viewers=1_000, days=7, seed=1)
    df[["return", "ctr", "churned"]].mean()

Two trivial policies live here for tests and benchmarks; the course's baselines are in
``livedqn_edu.recsys.policies``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.world import World, random_valid_slot

__all__ = ["METRICS", "Policy", "random_policy", "run_policy"]

Policy = Callable[[dict[str, np.ndarray]], np.ndarray]
"""A function from a batched observation dict to ``(N,)`` int slots."""

METRICS: dict[str, str] = {
    "return": "sum of rewards over the horizon (config reward weights)",
    "expected_return": "sum over the shown rooms of their expected immediate reward (the same "
    "mean as the return, without the noise of watch lengths and gifts)",
    "watch_minutes": "total watch minutes",
    "impressions": "recommendations shown",
    "clicks": "recommendations clicked",
    "ctr": "clicks / impressions",
    "repeat_clicks": "clicks on rooms the viewer had watched before",
    "sessions": "sessions started",
    "return_visits": "sessions followed by a visit the next day",
    "churned": "the viewer churned (1) or stayed to the horizon (0)",
    "gifts": "number of gifts",
    "gift_coins": "coins gifted",
    "follows": "new follows",
    "long_tail_share": "share of impressions given to long-tail rooms (outside the top 20% by audience)",  # noqa: E501
    "category_diversity": "normalised entropy of the categories shown, in [0, 1]",
}
"""Columns of :func:`run_policy`'s table and what each means."""


def random_policy(seed: int | None = 0) -> Policy:
    """A policy that picks a uniformly random non-empty slot (its own seeded generator)."""
    rng = np.random.default_rng(seed)

    def policy(obs: dict[str, np.ndarray]) -> np.ndarray:
        return random_valid_slot(obs, rng)

    return policy


def _slots(actions: object, n: int, k: int) -> np.ndarray:
    """The policy's output as ``(n,)`` int64 slots, or a clear error saying what came instead."""
    a = np.asarray(actions)
    if a.shape != (n,) or a.dtype.kind not in "iu":
        hint = ""
        if a.shape == (n, k):
            hint = " (scores or probabilities per slot? return scores.argmax(axis=1))"
        elif a.dtype.kind == "f":
            hint = " (floats: return integer slot indices, e.g. scores.argmax(axis=1))"
        raise TypeError(
            f"a policy must return ({n},) integer slots, one per viewer, in [0, {k}); got an "
            f"array of shape {a.shape} and dtype {a.dtype}{hint}"
        )
    return a.astype(np.int64, copy=False)


def run_policy(
    policy: Policy,
    n_viewers: int,
    days: int,
    seed: int,
    config: WorldConfig | None = None,
    world: World | None = None,
    observer: Callable[[World, np.ndarray], None] | None = None,
) -> pd.DataFrame:
    """Run ``policy`` for ``n_viewers`` viewers over ``days`` days; one row of metrics per viewer.

    Args:
        policy: maps the batched observation dict to ``(N,)`` int slots (see module docstring).
        n_viewers: number of viewers, >= 1.
        days: horizon in days, >= 1 (replaces ``config.days``).
        seed: seed of the viewers and their responses.
        config: the world's configuration; default ``WorldConfig()``.
        world: an already built world to reuse (its rooms; its config's ``days`` must match).
        observer: called as ``observer(world, actions)`` before each step (to measure anything
            about the shown rooms, e.g. their utility terms), actions already checked.

    Returns:
        A DataFrame with ``n_viewers`` rows (index ``viewer``) and the columns of
        :data:`METRICS`.
    """
    if isinstance(days, bool) or not isinstance(days, int | np.integer) or days < 1:
        raise ValueError(f"days must be an int >= 1, got {days!r}")
    config = dataclasses.replace(config or WorldConfig(), days=int(days))
    if world is None or world.config != config:
        world = World(config)
    obs = world.reset(n_viewers, seed=seed)
    n, c = world.n, config
    rows = np.arange(n)
    tail = world.rooms.audience < np.quantile(world.rooms.audience, 0.8)
    tail = np.append(tail, False)
    total = {k: np.zeros(n) for k in METRICS if k not in ("ctr", "churned", "category_diversity")}
    shown_cats = np.zeros((n, c.n_categories))
    while not world.done.all():
        actions = _slots(policy(obs), n, c.k)
        if observer is not None:
            observer(world, actions)
        active = ~world.done
        room = np.where(active, world.room_ids[rows, np.where(active, actions, 0)], -1)
        seen_before = world.viewers.habit[rows, room] > 0
        total["expected_return"] += np.where(active, world.expected_reward(room[:, None])[:, 0], 0)
        rewards, parts = world.step(actions)
        total["return"] += rewards
        total["watch_minutes"] += parts["watch_minutes"]
        total["impressions"] += active
        total["clicks"] += parts["click"]
        total["repeat_clicks"] += parts["click"] & seen_before
        total["return_visits"] += parts["return_visit"]
        total["gifts"] += parts["gift"] > 0
        total["gift_coins"] += parts["gift"]
        total["follows"] += parts["follow"]
        total["long_tail_share"] += active & tail[room]
        shown_cats[rows[active], parts["category"][active]] += 1
        obs = world.observe()
    total["sessions"] = world.viewers.sessions.astype(np.float64)
    imp = np.maximum(total["impressions"], 1)
    df = pd.DataFrame(total)
    df["ctr"] = total["clicks"] / imp
    df["long_tail_share"] = total["long_tail_share"] / imp
    df["churned"] = world.viewers.churned.astype(np.float64)
    share = shown_cats / np.maximum(shown_cats.sum(axis=1, keepdims=True), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.nansum(np.where(share > 0, share * np.log(share), 0.0), axis=1)
    df["category_diversity"] = entropy / np.log(c.n_categories) if c.n_categories > 1 else 0.0
    df.index.name = "viewer"
    return df[list(METRICS)]
