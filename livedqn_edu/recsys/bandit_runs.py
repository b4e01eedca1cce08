"""Bandit learners of :mod:`livedqn_edu.recsys.bandits` learning online in the live-room world.

At every step of the world each active viewer is shown the slot the learner selects; the learner
then learns from the rewards of the shown rooms (one update per step, over all viewers). The
regret is measured against the myopic oracle *in the states the learner visits*: at each step,
the largest true expected immediate reward among the viewer's candidates minus the true expected
immediate reward of the room shown (``World.expected_immediate_reward``), the per-context regret
of bandit theory. Its cumulative sum is what exploration buys down::

    runs = bandit_runs(lambda seed: LinUCBBandit(N_FEATURES, alpha=0.1, seed=seed), seeds)
    curve = regret_curves(runs["learner"], runs["oracle"])     # cumulative regret, interval

A learner sees ``[1, candidate features]`` (:data:`N_FEATURES` columns), as
:class:`~livedqn_edu.recsys.policies.LinUCB` does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.features import feature_spec
from livedqn_edu.envs.populations import TRAIN, Population
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.bandits import (
    EpsilonGreedyBandit,
    LinearBandit,
    LinUCBBandit,
    ThompsonBandit,
)
from livedqn_edu.recsys.policies import LinUCB

__all__ = [
    "N_FEATURES",
    "LEARNERS",
    "bandit_features",
    "run_bandit",
    "bandit_runs",
    "regret_table",
    "regret_per_impression",
]

N_FEATURES = feature_spec().width("candidates") + 1
"""Columns a learner sees per candidate: a constant 1 and the candidate features."""

LEARNERS: dict[str, Callable[[int], Any]] = {
    "greedy": lambda seed: LinearBandit(N_FEATURES, seed=seed),
    "epsilon_greedy": lambda seed: EpsilonGreedyBandit(N_FEATURES, epsilon=0.1, seed=seed),
    "linucb": lambda seed: LinUCBBandit(N_FEATURES, alpha=1.0, seed=seed),
    "thompson": lambda seed: ThompsonBandit(N_FEATURES, v=1.0, seed=seed),
}
"""The learners of lesson 07's bandit section (textbook settings, not tuned): seed -> learner."""


def bandit_features(obs: dict[str, np.ndarray]) -> np.ndarray:
    """``[1, candidate features]`` of every slot, ``(N, K, N_FEATURES)`` float64 (NaN -> 0)."""
    return LinUCB.features(obs["candidates"])


def run_bandit(
    learner: Any,
    n_viewers: int,
    seed: int,
    population: Population = TRAIN,
    days: int = 7,
    config: WorldConfig | None = None,
) -> dict[str, np.ndarray]:
    """Run one learner online over ``n_viewers`` viewers for ``days`` days.

    Args:
        learner: a bandit with ``select(features, mask)`` and ``update(chosen, rewards)``
            (:mod:`livedqn_edu.recsys.bandits`).
        n_viewers: viewers, >= 1 (the learner sees all of them at each step).
        seed: viewer seed.
        population: the rooms (and the meaning of ``seed``); learning demos use :data:`TRAIN`.
        days: horizon.
        config: the world's knobs (default ``WorldConfig()``).

    Returns:
        ``learner`` and ``oracle``: ``(steps,)`` mean over viewers of the true expected
        immediate reward of the room shown, and of the best candidate in the same state (0 for
        viewers already done); ``rewards``: ``(steps,)`` mean reward received; ``active``:
        ``(steps,)`` share of viewers shown a room at that step.
    """
    config = dataclasses.replace(population.config(config), days=int(days))
    world = World(config)
    obs = world.reset(n_viewers, seed=seed)
    rows = np.arange(world.n)
    learned, best, received, shown = [], [], [], []
    while not world.done.all():
        active = ~world.done & obs["mask"].any(axis=1)
        x = bandit_features(obs)
        slots = np.asarray(learner.select(x, obs["mask"]), dtype=np.int64)
        expected = np.where(obs["mask"], world.expected_immediate_reward(), -np.inf)
        learned.append(float(np.where(active, expected[rows, slots], 0.0).sum() / world.n))
        best.append(float(np.where(active, expected.max(axis=1), 0.0).sum() / world.n))
        rewards, _ = world.step(np.where(active, slots, 0))
        received.append(float(rewards.sum() / world.n))
        shown.append(float(active.mean()))
        if active.any():
            learner.update(x[rows[active], slots[active]], rewards[active])
        obs = world.observe()
    return {"learner": np.array(learned), "oracle": np.array(best),
            "rewards": np.array(received), "active": np.array(shown)}  # fmt: skip


def bandit_runs(
    make: Callable[[int], Any],
    seeds: Sequence[int],
    n_viewers: int = 200,
    population: Population = TRAIN,
    days: int = 7,
) -> dict[str, np.ndarray]:
    """:func:`run_bandit` for each seed (a fresh learner ``make(seed)``, viewers of ``seed``).

    Runs of different lengths are padded with zeros (everyone done: no reward, no regret).

    Returns:
        ``learner``, ``oracle``, ``rewards`` and ``active``, each ``(runs, steps)``; the input of
        :func:`~livedqn_edu.recsys.bandits.regret_curves`.
    """
    if len(seeds) < 1:
        raise ValueError("seeds must hold at least one seed (two for an interval over runs)")
    runs = [run_bandit(make(int(s)), n_viewers, int(s), population, days) for s in seeds]
    steps = max(len(r["learner"]) for r in runs)
    return {
        key: np.stack([np.pad(r[key], (0, steps - len(r[key]))) for r in runs])
        for key in ("learner", "oracle", "rewards", "active")
    }


def regret_table(
    runs: dict[str, dict[str, np.ndarray]], reference: str = "greedy", level: float = 0.95
) -> Any:
    """Per learner: cumulative regret per viewer at the end of the week, paired with ``reference``.

    The runs of every learner must use the same viewer seeds in the same order (as
    :func:`bandit_runs` with one list of seeds does), so run ``i`` of two learners met the same
    viewers and their difference is paired by run.

    Returns:
        A :class:`pandas.DataFrame`, one row per learner: ``regret`` with ``ci_low`` /
        ``ci_high`` (t-interval over runs), ``diff`` (minus the reference's, paired by run) with
        ``diff_low`` / ``diff_high``, ``return`` (mean return per viewer-week) and ``runs``.
    """
    import pandas as pd
    from scipy import stats

    if reference not in runs:
        raise ValueError(f"reference must be one of the learners {list(runs)}, got {reference!r}")
    final = {n: (r["oracle"] - r["learner"]).sum(axis=1) for n, r in runs.items()}
    if len({f.size for f in final.values()}) > 1:
        raise ValueError("every learner needs the same number of runs (the same viewer seeds)")

    def interval(x: np.ndarray) -> tuple[float, float, float]:
        half = stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
        return float(x.mean()), float(x.mean() - half), float(x.mean() + half)

    rows = []
    for name, r in runs.items():
        mean, low, high = interval(final[name])
        diff = (0.0, 0.0, 0.0) if name == reference else interval(final[name] - final[reference])
        rows.append({"learner": name, "regret": mean, "ci_low": low, "ci_high": high,
                     "diff": diff[0], "diff_low": diff[1], "diff_high": diff[2],
                     "return": float(r["rewards"].sum(axis=1).mean()),
                     "runs": int(final[name].size)})  # fmt: skip
    return pd.DataFrame(rows).set_index("learner")


def regret_per_impression(
    run: dict[str, np.ndarray], min_active: float = 0.2, level: float = 0.95
) -> Any:
    """Regret per room shown at each step (the learning curve), mean over runs with a t-interval.

    Steps where on average fewer than ``min_active`` of the viewers are still shown rooms are
    left out (few viewers: noisy).

    Returns:
        A :class:`pandas.DataFrame` with ``step`` (1-based), ``regret`` (per impression),
        ``ci_low``, ``ci_high``.
    """
    import pandas as pd
    from scipy import stats

    active = run["active"]
    keep = active.mean(axis=0) >= min_active
    per = (run["oracle"] - run["learner"])[:, keep] / np.maximum(active[:, keep], 1e-12)
    per = np.where(active[:, keep] > 0, per, np.nan)
    n = np.isfinite(per).sum(axis=0)
    mean = np.nanmean(per, axis=0)
    sd = np.nanstd(per, axis=0, ddof=1)
    half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    return pd.DataFrame({"step": np.flatnonzero(keep) + 1, "regret": mean,
                         "ci_low": mean - half, "ci_high": mean + half})  # fmt: skip
