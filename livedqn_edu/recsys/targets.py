"""Policies defined by the logging policy: itself, its support, and a recommender far from it.

- :class:`LoggingPolicy`: the epsilon-mix logging policy of the shipped logs
  (:mod:`livedqn_edu.recsys.logging_policy`) as a :class:`~livedqn_edu.recsys.policies.Policy`,
  so that it can be deployed and compared like any recommender;
- :class:`LoggerSupport`: the slots it favours in any observation (what a behaviour-constrained
  learner may choose from);
- :class:`NewRoomsFirst`: a reward model's best room among those the viewer has never watched,
  the kind of target a platform wants to evaluate (promoting new streamers) and the kind the
  logging policy rarely shows: where importance sampling breaks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from livedqn_edu.envs.features import FeatureSpec, feature_spec
from livedqn_edu.recsys.fitted_q import behaviour_support
from livedqn_edu.recsys.logging_policy import (
    LoggingPolicyConfig,
    logging_propensities,
    sample_slots,
)
from livedqn_edu.recsys.policies import Obs, Policy

__all__ = ["logger_probabilities", "LoggingPolicy", "LoggerSupport", "NewRoomsFirst"]


def logger_probabilities(
    obs: Obs, audience: Any, config: LoggingPolicyConfig | None = None,
    spec: FeatureSpec | None = None,
) -> np.ndarray:  # fmt: skip
    """The logging policy's probability of every slot, ``(N, K)`` (zeros for a row with no room).

    Args:
        obs: a batched observation (its ``room_ids`` and the ``followed`` column are read).
        audience: ``(n_rooms,)`` the rooms' audiences (``world.rooms.audience``).
        config: the logging policy (default: the shipped logs' ``LoggingPolicyConfig()``).
        spec: the world's feature spec.
    """
    mask = np.asarray(obs["mask"], bool)
    aud = np.append(np.asarray(audience, np.float64), 0.0)  # room id -1: an empty slot
    out = np.zeros(mask.shape)
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size:
        sub = {k: np.asarray(v)[rows] for k, v in obs.items()}
        followed = (spec or feature_spec()).column(sub, "followed") > 0
        out[rows] = logging_propensities(aud[sub["room_ids"]], followed, mask[rows],
                                         config or LoggingPolicyConfig())  # fmt: skip
    return out


class LoggingPolicy(Policy):
    """The logging policy of the shipped logs, deployable like any recommender.

    Its draws come from ``default_rng([seed, 1])``, as in
    :func:`~livedqn_edu.recsys.offpolicy.collect_logs`: deployed with ``rollout_logs`` on the
    same viewers and seed, it replays the logs impression for impression.

    Args:
        audience: ``(n_rooms,)`` the rooms' audiences (``world.rooms.audience``).
        config: epsilon and mix (default as the shipped logs).
        seed: seed of its draws (``reset(seed)`` reseeds).
    """

    name = "logging_policy"

    def __init__(self, audience: Any, config: LoggingPolicyConfig | None = None,
                 seed: int = 0) -> None:  # fmt: skip
        self.audience, self.config, self.seed = np.asarray(audience), config, seed
        self.reset(seed)

    def reset(self, seed: int | None = None) -> None:  # noqa: D102
        self.rng = np.random.default_rng([self.seed if seed is None else seed, 1])

    def probabilities(self, obs: Obs) -> np.ndarray:  # noqa: D102
        return logger_probabilities(obs, self.audience, self.config, self.spec)

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102  (ranks by its probabilities)
        return np.where(obs["mask"], self.probabilities(obs), -np.inf)

    def __call__(self, obs: Obs) -> np.ndarray:  # noqa: D102
        probs = self.probabilities(obs)
        slots = np.zeros(probs.shape[0], dtype=np.int64)
        rows = np.flatnonzero(probs.sum(axis=1) > 0)
        slots[rows] = sample_slots(probs[rows], self.rng)
        return slots


class LoggerSupport:
    """The slots the logging policy favours: ``obs -> (N, K)`` bool.

    A slot is in the support if the logging policy shows it with at least ``threshold`` x the
    probability of its favourite slot (:func:`~livedqn_edu.recsys.fitted_q.behaviour_support`).

    Args:
        audience: ``(n_rooms,)`` the rooms' audiences (``world.rooms.audience``).
        threshold: in [0, 1].
        config: the logging policy.
    """

    def __init__(self, audience: Any, threshold: float,
                 config: LoggingPolicyConfig | None = None) -> None:  # fmt: skip
        self.audience, self.threshold, self.config = np.asarray(audience), threshold, config
        behaviour_support(np.ones((1, 1)), np.ones((1, 1), bool), threshold)  # checks it

    def __call__(self, obs: Obs) -> np.ndarray:  # noqa: D102
        probs = logger_probabilities(obs, self.audience, self.config)
        return behaviour_support(probs, obs["mask"], self.threshold)


class NewRoomsFirst(Policy):
    """A reward model's best room among those new to the viewer (never watched, not followed).

    With no new room live, the model's best room overall.

    Args:
        model: any policy whose ``scores`` rank rooms (e.g. a ridge model: ``LinUCB(alpha=0)``).
        name: name in tables.
    """

    def __init__(self, model: Policy, name: str = "new_rooms_first") -> None:
        self.model, self.name = model, name

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102
        spec = self.spec or feature_spec()
        seen = (spec.column(obs, "followed") > 0) | (spec.column(obs, "log_past_minutes") > 0)
        s = np.asarray(self.model.scores(obs), dtype=np.float64)
        rank = np.argsort(np.argsort(np.where(obs["mask"], s, -np.inf), axis=1), axis=1)
        return np.where(obs["mask"], rank + obs["mask"].shape[1] * ~seen, -np.inf)
