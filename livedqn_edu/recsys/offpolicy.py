"""Learning and evaluating from logs: bandit logs with observations, ranking, OPE against truth.

:func:`collect_logs` runs the world under the course's stochastic logging policy (the one behind
the shipped ``data/live_room_logs.csv.gz``, :mod:`livedqn_edu.recsys.logging_policy`) and keeps,
for every impression, what a learner needs and what only a simulator can give:

- the observation the logging policy saw (so any policy can be asked what *it* would have shown),
  the shown slot, the exact probability of every slot, and the reward;
- the true expected immediate reward of every candidate (from the world's hidden parameters),
  so that the *true* value of any target policy on the same impressions is known exactly.

:func:`rollout_logs` records a *deployed* policy the same way, on the same viewers (common random
numbers): the states it visits can then be set beside the logged ones
(:mod:`livedqn_edu.recsys.shift`). :func:`ope_table` puts the direct method, IPS, SNIPS and doubly
robust estimates of each policy's value per impression beside that truth, with intervals from a
bootstrap of viewers and the weight diagnostics that say when IPS breaks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.evaluation import hit_rate_at_k, ndcg_at_k
from livedqn_edu.recsys.logging_policy import (
    LoggingPolicyConfig,
    logging_propensities,
    sample_slots,
)
from livedqn_edu.recsys.ope import model_value, ope_estimates, weight_summary
from livedqn_edu.recsys.policies import Policy, policy_probabilities

__all__ = [
    "BanditLogs",
    "collect_logs",
    "rollout_logs",
    "shipped_logs",
    "ranking_metrics",
    "ope_table",
]


@dataclass(frozen=True)
class BanditLogs:
    """Logged impressions with their observations (``n`` rows, ``K`` slots)."""

    obs: dict[str, np.ndarray]
    """the observation of each impression: ``user`` (n, U), ``candidates`` (n, K, F), ``mask``
    (n, K), ``room_ids`` (n, K)."""
    actions: np.ndarray
    """(n,) int64, the slot shown."""
    propensities: np.ndarray
    """(n, K) float64, the logging policy's probability of every slot (rows sum to 1)."""
    rewards: np.ndarray
    """(n,) float64, the reward received (config weights)."""
    clicks: np.ndarray
    """(n,) bool, the viewer clicked the shown room."""
    expected: np.ndarray
    """(n, K) float64, true expected immediate reward of every slot (hidden in real logs)."""
    viewers: np.ndarray
    """(n,) int64, the viewer of each impression (rows are in time order within a viewer)."""

    def __len__(self) -> int:
        return int(self.actions.shape[0])

    @property
    def logged_propensity(self) -> np.ndarray:
        """(n,) float64, the probability of the slot actually shown."""
        return self.propensities[np.arange(len(self)), self.actions]

    def subset(self, rows: np.ndarray) -> BanditLogs:
        """The logs restricted to ``rows`` (a bool mask or indices)."""
        return BanditLogs(
            {k: v[rows] for k, v in self.obs.items()}, self.actions[rows],
            self.propensities[rows], self.rewards[rows], self.clicks[rows], self.expected[rows],
            self.viewers[rows],
        )  # fmt: skip


def _record(
    world: World, obs: dict[str, np.ndarray], choose: Callable[..., tuple[np.ndarray, np.ndarray]]
) -> BanditLogs:
    """Step ``world`` to the end of every viewer's week; ``choose(obs, rows)`` gives the
    ``(len(rows), K)`` probabilities and ``(N,)`` slots of each step; every impression is kept."""
    chunks: dict[str, list[np.ndarray]] = {k: [] for k in ("a", "p", "r", "c", "e", "v", *obs)}
    while not world.done.all():
        rows = np.flatnonzero(~world.done & obs["mask"].any(axis=1))
        probs, actions = choose(obs, rows)
        expected = world.expected_immediate_reward()
        rewards, parts = world.step(actions)
        for key in obs:
            chunks[key].append(obs[key][rows])
        chunks["a"].append(actions[rows])
        chunks["p"].append(probs)
        chunks["r"].append(rewards[rows])
        chunks["c"].append(parts["click"][rows])
        chunks["e"].append(expected[rows])
        chunks["v"].append(rows)
        obs = world.observe()
    cat = {k: np.concatenate(v) for k, v in chunks.items()}
    return BanditLogs(
        {k: cat[k] for k in obs}, cat["a"], cat["p"], cat["r"], cat["c"].astype(bool), cat["e"],
        cat["v"],
    )  # fmt: skip


def collect_logs(
    n_viewers: int = 1_000,
    days: int = 7,
    seed: int = 0,
    logging: LoggingPolicyConfig | None = None,
    config: WorldConfig | None = None,
) -> BanditLogs:
    """Run the world under the epsilon-mix logging policy; keep every impression.

    Args:
        n_viewers: viewers logged, >= 1.
        days: days logged, >= 1.
        seed: seed of the viewers, their responses and the logging policy's draws.
        logging: the logging policy (default ``LoggingPolicyConfig()``, as the shipped logs).
        config: the world (default ``WorldConfig()``); ``days`` replaces its own.

    Returns:
        :class:`BanditLogs`, one row per impression of a viewer not yet done.
    """
    logging = logging or LoggingPolicyConfig()
    world = World(dataclasses.replace(config or WorldConfig(), days=int(days)))
    obs = world.reset(n_viewers, seed=seed)
    rng = np.random.default_rng([seed, 1])
    audience = np.append(world.rooms.audience, 0.0)

    def choose(obs: dict[str, np.ndarray], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        followed = world.viewers.followed[rows[:, None], obs["room_ids"][rows]]
        probs = logging_propensities(
            audience[obs["room_ids"][rows]], followed, obs["mask"][rows], logging
        )
        actions = np.zeros(world.n, dtype=np.int64)
        actions[rows] = sample_slots(probs, rng)
        return probs, actions

    return _record(world, obs, choose)


def _own_probabilities(policy: Any) -> bool:
    """True if ``policy`` computes its probabilities itself (not as the base class does, by
    calling the policy again, which would draw twice or update its memory twice)."""
    own = getattr(type(policy), "probabilities", None)
    return own is not None and own is not Policy.probabilities


def rollout_logs(
    policy: Any, n_viewers: int, days: int = 7, seed: int = 0, config: WorldConfig | None = None
) -> BanditLogs:
    """Deploy ``policy`` in the world and keep every impression, as :func:`collect_logs` does.

    The same viewers and random numbers as the logs of the same ``seed`` and world (common
    random numbers), so the states a deployed policy visits can be set beside the logged ones.
    ``propensities`` holds the policy's own probabilities (one-hot for a deterministic policy).

    Args:
        policy: a :class:`~livedqn_edu.recsys.policies.Policy` (or any batched policy); it is
            ``reset(seed)`` and, if it reads the world (an oracle), attached to it.
        n_viewers: viewers, >= 1.
        days: days, >= 1.
        seed: seed of the viewers and their responses.
        config: the world (default ``WorldConfig()``); ``days`` replaces its own.
    """
    world = World(dataclasses.replace(config or WorldConfig(), days=int(days)))
    if hasattr(policy, "reset"):
        policy.reset(seed)
    if hasattr(policy, "attach"):
        policy.attach(world)
    obs = world.reset(n_viewers, seed=seed)

    def choose(obs: dict[str, np.ndarray], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        actions = np.asarray(policy(obs), dtype=np.int64)
        probs = np.zeros(obs["mask"].shape)
        probs[np.arange(actions.size), actions] = 1.0
        if _own_probabilities(policy):
            probs = np.asarray(policy.probabilities(obs), dtype=np.float64)
        return probs[rows], actions

    return _record(world, obs, choose)


def shipped_logs(verify: bool = True) -> BanditLogs:
    """The shipped ``data/live_room_logs.csv.gz`` impressions, with their observations.

    The CSV keeps what a platform logs; a learner also needs the features the logging policy
    saw. Both come from the same run (calibrated world, seed 0, 2,000 viewers, 7 days, the same
    generators as :func:`livedqn_edu.recsys.logs.generate_logs`), so this replays it.

    Args:
        verify: check that the replay shows the same rooms and clicks as the shipped CSV.

    Raises:
        ValueError: if the replay and the shipped file differ (regenerate the data).
    """
    from livedqn_edu.recsys.calibration import CALIBRATED
    from livedqn_edu.recsys.datacard import SHIPPED
    from livedqn_edu.recsys.logs import load_logs

    logs = collect_logs(SHIPPED.n_viewers, SHIPPED.days, SHIPPED.seed, config=CALIBRATED)
    if verify:
        df = load_logs()
        order = np.argsort(logs.viewers, kind="stable")  # by viewer, then time, as the CSV
        rooms = logs.obs["room_ids"][order, logs.actions[order]]
        same = len(df) == len(logs) and (
            (df["room_id"].to_numpy() == rooms).all()
            and (df["click"].to_numpy() == logs.clicks[order]).all()
        )
        if not same:
            raise ValueError(
                "the replayed logs differ from data/live_room_logs.csv.gz: the world or the "
                "logging policy changed since the data was written; run `livedqn-edu data "
                "--regenerate`"
            )
    return logs


def ranking_metrics(
    policy: Any, logs: BanditLogs, ks: tuple[int, ...] = (1, 5)
) -> dict[str, float]:
    """LiveRec-style HR@k and NDCG@k of ``policy.scores`` on the logged clicks.

    Only the candidates live at the moment of each click (the row's valid slots) are ranked; the
    target is the room the viewer clicked.

    Returns:
        ``{"HR@1": ..., "NDCG@1": ..., ...}`` floats in [0, 1].
    """
    clicked = logs.subset(logs.clicks)
    if len(clicked) == 0:
        raise ValueError("logs hold no click: ranking metrics need at least one clicked room")
    scores = policy.scores(clicked.obs)
    out: dict[str, float] = {}
    for k in ks:
        out[f"HR@{k}"] = hit_rate_at_k(scores, clicked.actions, clicked.obs["mask"], k)
        out[f"NDCG@{k}"] = ndcg_at_k(scores, clicked.actions, clicked.obs["mask"], k)
    return out


def ope_table(
    policies: Mapping[str, Any],
    logs: BanditLogs,
    reward_model: Callable[[dict[str, np.ndarray]], np.ndarray] | None = None,
    n_boot: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Off-policy estimates of each policy's value per impression beside the true value.

    The true value is ``mean_i sum_a pi(a | x_i) E[r | x_i, a]`` on the logged impressions, from
    the world's hidden parameters: exactly what the estimators aim at (the value of one
    recommendation in the states the *logging* policy visited, not the value of deploying).

    Args:
        policies: name -> policy with ``probabilities`` (or a deterministic policy).
        logs: from :func:`collect_logs` or :func:`shipped_logs`.
        reward_model: ``obs -> (n, K)`` predicted rewards (e.g. a fitted
            :class:`~livedqn_edu.recsys.policies.LinUCB` ``.scores`` with ``alpha = 0``); adds
            the direct method (``dm``) and doubly robust (``dr``) estimates.
        n_boot: bootstrap resamples of the *viewers* (all rows of a viewer together: a viewer's
            impressions are not independent draws), >= 1.
        seed: seed of the bootstrap (every policy and estimator gets the same viewer draws).
        level: coverage of the intervals.

    Returns:
        One row per policy: ``true``; for each estimator (``dm``, ``ips``, ``snips``, ``dr``)
        its estimate, ``*_low`` / ``*_high`` (viewer-clustered percentile interval), ``*_sd``
        (bootstrap standard error) and ``*_bias`` (estimate - true); the weight diagnostics of
        :func:`~livedqn_edu.recsys.ope.weight_summary` (``ess``, ``ess_share``, ``max_weight``,
        ``top1_share``) and ``match_share`` (rows where the target could show the logged room).
    """
    rows = np.arange(len(logs))
    mu, mask = logs.logged_propensity, logs.obs["mask"]
    extra: dict[str, np.ndarray] = {}
    if reward_model is not None:
        pred = np.asarray(reward_model(logs.obs), dtype=np.float64)
        rhat_all = np.where(mask, np.nan_to_num(pred), 0.0)
    out = []
    for name, policy in policies.items():
        if hasattr(policy, "reset"):
            policy.reset(seed)
        probs = policy_probabilities(policy, logs.obs)
        pi = probs[rows, logs.actions]
        if reward_model is not None:
            extra = {"reward_pred": rhat_all[rows, logs.actions],
                     "target_reward_pred": model_value(probs, rhat_all, mask)}  # fmt: skip
        est = ope_estimates(logs.rewards, mu, pi, logs.viewers, **extra, n_resamples=n_boot,
                            level=level, rng=seed)  # fmt: skip
        true = float(np.mean((probs * logs.expected).sum(axis=1)))
        row: dict[str, Any] = {"policy": name, "true": true}
        for key, r in est.iterrows():
            row.update({key: r["estimate"], f"{key}_low": r["ci_low"], f"{key}_high": r["ci_high"],
                        f"{key}_sd": r["se"], f"{key}_bias": r["estimate"] - true})  # fmt: skip
        w = weight_summary(pi / mu)
        row.update({k: w[k] for k in ("ess", "ess_share", "max_weight", "top1_share")})
        row["match_share"] = float(np.mean(pi > 0))
        out.append(row)
    return pd.DataFrame(out).set_index("policy")
