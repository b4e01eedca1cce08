"""Learning and evaluating from logs: bandit logs with observations, ranking, OPE against truth.

:func:`collect_logs` runs the world under the course's stochastic logging policy (the one behind
the shipped ``data/live_room_logs.csv.gz``, :mod:`livedqn_edu.recsys.logging_policy`) and keeps,
for every impression, what a learner needs and what only a simulator can give:

- the observation the logging policy saw (so any policy can be asked what *it* would have shown),
  the shown slot, the exact probability of every slot, and the reward;
- the true expected immediate reward of every candidate (from the world's hidden parameters),
  so that the *true* value of any target policy on the same impressions is known exactly.

:func:`ope_table` then puts IPS, SNIPS and doubly-robust estimates of each policy's value per
impression beside that truth, with bootstrap spreads and the effective sample size, which shows
where IPS breaks: a target far from the logging policy leaves few logs with non-zero weight.
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
from livedqn_edu.recsys.evaluation import (
    doubly_robust,
    effective_sample_size,
    hit_rate_at_k,
    importance_weights,
    ips,
    ndcg_at_k,
    snips,
)
from livedqn_edu.recsys.logging_policy import (
    LoggingPolicyConfig,
    logging_propensities,
    sample_slots,
)
from livedqn_edu.recsys.policies import policy_probabilities

__all__ = ["BanditLogs", "collect_logs", "shipped_logs", "ranking_metrics", "ope_table"]


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
    config = dataclasses.replace(config or WorldConfig(), days=int(days))
    world = World(config)
    obs = world.reset(n_viewers, seed=seed)
    rng = np.random.default_rng([seed, 1])
    audience = np.append(world.rooms.audience, 0.0)
    chunks: dict[str, list[np.ndarray]] = {k: [] for k in ("a", "p", "r", "c", "e", "v", *obs)}
    while not world.done.all():
        rows = np.flatnonzero(~world.done & obs["mask"].any(axis=1))
        mask = obs["mask"]
        probs = np.zeros(mask.shape)
        followed = world.viewers.followed[np.arange(world.n)[:, None], obs["room_ids"]]
        probs[rows] = logging_propensities(
            audience[obs["room_ids"][rows]], followed[rows], mask[rows], logging
        )
        actions = np.zeros(world.n, dtype=np.int64)
        actions[rows] = sample_slots(probs[rows], rng)
        expected = world.expected_immediate_reward()
        rewards, parts = world.step(actions)
        for key in obs:
            chunks[key].append(obs[key][rows])
        chunks["a"].append(actions[rows])
        chunks["p"].append(probs[rows])
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


def _estimates(r, mu, pi, rhat, direct) -> tuple[float, float, float]:  # noqa: ANN001
    return ips(r, mu, pi), snips(r, mu, pi), doubly_robust(r, mu, pi, rhat, direct)


def ope_table(
    policies: Mapping[str, Any],
    logs: BanditLogs,
    reward_model: Callable[[dict[str, np.ndarray]], np.ndarray] | None = None,
    n_boot: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Off-policy estimates of each policy's value per impression beside the true value.

    The true value is ``mean_i sum_a pi(a | x_i) E[r | x_i, a]`` on the logged impressions, from
    the world's hidden parameters: exactly what the estimators aim at.

    Args:
        policies: name -> policy with ``probabilities`` (or a deterministic policy).
        logs: from :func:`collect_logs`.
        reward_model: ``obs -> (n, K)`` predicted rewards for the doubly-robust estimator (e.g. a
            fitted :class:`~livedqn_edu.recsys.policies.LinUCB` ``.scores`` with ``alpha = 0``);
            default: predict 0 (then DR equals IPS).
        n_boot: bootstrap resamples of the impressions for the spread (sd) of each estimate.
        seed: seed of the bootstrap.

    Returns:
        One row per policy: ``true``, ``ips``, ``snips``, ``dr``, their ``*_bias`` (estimate -
        true) and ``*_sd`` (bootstrap), ``ess`` (effective sample size of the weights, out of
        ``n``), ``max_weight`` and ``match_share`` (share of logs where the target could have
        shown the logged room).
    """
    n = len(logs)
    rows = np.arange(n)
    r, mu = logs.rewards, logs.logged_propensity
    mask = logs.obs["mask"]
    rhat_all = np.zeros(mask.shape) if reward_model is None else reward_model(logs.obs)
    rhat_all = np.where(mask, np.nan_to_num(np.asarray(rhat_all, dtype=np.float64)), 0.0)
    rhat = rhat_all[rows, logs.actions]
    rng = np.random.default_rng(seed)
    boots = [rng.integers(0, n, n) for _ in range(n_boot)]
    out = []
    for name, policy in policies.items():
        if hasattr(policy, "reset"):
            policy.reset(seed)
        probs = policy_probabilities(policy, logs.obs)
        pi = probs[rows, logs.actions]
        direct = (probs * rhat_all).sum(axis=1)
        true = float(np.mean((probs * logs.expected).sum(axis=1)))
        est = _estimates(r, mu, pi, rhat, direct)
        spread = np.array([_estimates(r[b], mu[b], pi[b], rhat[b], direct[b]) for b in boots])
        w = importance_weights(mu, pi)
        row = {"policy": name, "true": true}
        for j, key in enumerate(("ips", "snips", "dr")):
            row[key] = est[j]
            row[f"{key}_bias"] = est[j] - true
            row[f"{key}_sd"] = float(np.nanstd(spread[:, j], ddof=1)) if n_boot > 1 else np.nan
        row.update(ess=effective_sample_size(w), max_weight=float(w.max()),
                   match_share=float(np.mean(pi > 0)))  # fmt: skip
        out.append(row)
    return pd.DataFrame(out).set_index("policy")
