"""Recommender policies over the world's batched observations: one interface, many baselines.

A policy maps the batched observation dict of :class:`~livedqn_edu.envs.world.World` (``user``
``(N, U)``, ``candidates`` ``(N, K, F)``, ``mask`` ``(N, K)``, ``room_ids`` ``(N, K)``) to
``(N,)`` int64 slots, always a valid (unmasked) slot when the row has one::

    policy = FollowedFirst()
    slots = policy(obs)                  # (N,) int64
    ranking = policy.scores(obs)         # (N, K) float64, -inf in empty slots

Baselines here (no world knowledge): :class:`Random`, :class:`MostViewers`,
:class:`FollowedFirst` (repeat consumption, Rappaz, McAuley & Aberer, RecSys 2021),
:class:`LinUCB` (Li et al., WWW 2010, with parameters shared over candidates) and
:class:`AgentPolicy` (a trained :class:`~livedqn_edu.dqn.DQNAgent`, greedy). Policies that read the
true world (oracles) and the learned myopic model live in :mod:`livedqn_edu.recsys.oracles`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from livedqn_edu.envs.features import FeatureSpec, feature_spec

__all__ = [
    "Policy",
    "Random",
    "MostViewers",
    "FollowedFirst",
    "LinUCB",
    "AgentPolicy",
    "EpsilonMix",
    "masked_argmax",
    "feature",
    "policy_probabilities",
]

Obs = dict[str, np.ndarray]


def masked_argmax(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Best valid slot per row, ``(N, K) -> (N,)`` int64 (slot 0 for a row with no valid slot).

    Ties go to the lowest slot index; NaN scores count as the worst valid score.
    """
    s = np.where(mask, np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=-1e300), -np.inf)
    return s.argmax(axis=1).astype(np.int64)


def feature(obs: Obs, name: str, spec: FeatureSpec | None = None) -> np.ndarray:
    """One candidate column by name, ``(N, K)`` float64 (NaN -> 0).

    Args:
        obs: a batched observation of the world.
        name: a candidate feature of ``spec`` (e.g. ``"followed"``, ``"log_audience"``).
        spec: the world's feature spec (``world.features``); default the default world's.

    Raises:
        ValueError: if ``name`` is not a candidate feature (the message lists them), or the
            observation does not have the spec's width (pass the world's own spec).
    """
    spec = spec or feature_spec()
    names = spec.names("candidates")
    if name not in names:
        raise ValueError(f"name must be a candidate feature, one of {names}; got {name!r}")
    return spec.column(obs, name)


def _check_obs(obs: Any) -> np.ndarray:
    if not isinstance(obs, dict) or "mask" not in obs or "candidates" not in obs:
        got = sorted(obs) if isinstance(obs, dict) else type(obs).__name__
        raise TypeError(
            f"obs must be the world's observation dict with 'candidates' and 'mask', got {got}"
        )
    mask = np.asarray(obs["mask"], dtype=bool)
    if mask.ndim != 2 or obs["candidates"].shape[:2] != mask.shape:
        raise ValueError(
            f"obs['mask'] must be (N, K) and obs['candidates'] (N, K, F); got {mask.shape} and "
            f"{obs['candidates'].shape}"
        )
    return mask


class Policy:
    """Base of every recommender policy: greedy over :meth:`scores` unless overridden.

    Subclasses implement :meth:`scores` (higher is better). Stochastic policies override
    :meth:`probabilities` and :meth:`__call__`.
    """

    name: str = "policy"
    """short name used in tables and plots."""
    spec: FeatureSpec | None = None
    """the feature spec of the observations (None: the default world's)."""

    def scores(self, obs: Obs) -> np.ndarray:
        """Score of each slot, ``(N, K)`` float64, ``-inf`` in empty slots."""
        raise NotImplementedError

    def __call__(self, obs: Obs) -> np.ndarray:
        """The slot to show each viewer, ``(N,)`` int64, a valid slot when the row has one."""
        mask = _check_obs(obs)
        return masked_argmax(self.scores(obs), mask)

    def probabilities(self, obs: Obs) -> np.ndarray:
        """Probability of each slot, ``(N, K)`` float64 (one-hot for a deterministic policy)."""
        mask = _check_obs(obs)
        probs = np.zeros(mask.shape)
        probs[np.arange(mask.shape[0]), self(obs)] = 1.0
        return probs * mask  # a row with no valid slot gets all zeros

    def reset(self, seed: int | None = None) -> None:
        """Forget what was learned online and reseed (nothing to do for a fixed policy)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def policy_probabilities(policy: Any, obs: Obs) -> np.ndarray:
    """``policy.probabilities(obs)`` if it has one, else the one-hot of its action, ``(N, K)``."""
    if hasattr(policy, "probabilities"):
        return np.asarray(policy.probabilities(obs), dtype=np.float64)
    mask = _check_obs(obs)
    probs = np.zeros(mask.shape)
    probs[np.arange(mask.shape[0]), np.asarray(policy(obs))] = 1.0
    return probs


class Random(Policy):
    """A uniformly random valid slot (its own generator, seeded)."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    def reset(self, seed: int | None = None) -> None:  # noqa: D102
        self.rng = np.random.default_rng(self.seed if seed is None else seed)

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102  (random scores: a random ranking)
        mask = _check_obs(obs)
        return np.where(mask, self.rng.random(mask.shape), -np.inf)

    def probabilities(self, obs: Obs) -> np.ndarray:  # noqa: D102
        mask = _check_obs(obs).astype(np.float64)
        return mask / np.maximum(mask.sum(axis=1, keepdims=True), 1.0)


class MostViewers(Policy):
    """The live room with the largest current audience (popularity)."""

    name = "most_viewers"

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102
        return np.where(_check_obs(obs), feature(obs, "log_audience", self.spec), -np.inf)


class FollowedFirst(Policy):
    """Repeat consumption: a followed room, else the most-watched room, else the most viewers.

    Lexicographic score: followed rooms first, then minutes watched before (``log_past_minutes``),
    then audience (``log_audience``). Rappaz, McAuley & Aberer (RecSys 2021) found that most
    consumption on Twitch repeats streamers watched before, which makes this a strong baseline.
    """

    name = "followed_first"

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102
        key = (
            1e6 * feature(obs, "followed")
            + 1e3 * feature(obs, "log_past_minutes")
            + feature(obs, "log_audience", self.spec)
        )
        return np.where(_check_obs(obs), key, -np.inf)


class EpsilonMix(Policy):
    """With probability ``epsilon`` a uniformly random valid slot, else ``base``'s choice.

    Useful for off-policy evaluation: its probabilities are known exactly, and ``epsilon``
    moves it towards (or away from) the logging policy.
    """

    def __init__(self, base: Policy, epsilon: float, seed: int = 0, name: str | None = None):
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError(f"epsilon must be a probability in [0, 1], got {epsilon!r}")
        self.base, self.epsilon, self.seed = base, float(epsilon), seed
        self.rng = np.random.default_rng(seed)
        self.name = name or f"{base.name}+eps{epsilon:g}"

    def reset(self, seed: int | None = None) -> None:  # noqa: D102
        self.base.reset(seed)
        self.rng = np.random.default_rng(self.seed if seed is None else seed)

    def probabilities(self, obs: Obs) -> np.ndarray:  # noqa: D102
        mask = _check_obs(obs).astype(np.float64)
        uniform = mask / np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
        return self.epsilon * uniform + (1.0 - self.epsilon) * policy_probabilities(self.base, obs)

    def __call__(self, obs: Obs) -> np.ndarray:  # noqa: D102
        mask = _check_obs(obs)
        explore = self.rng.random(mask.shape[0]) < self.epsilon
        rand = masked_argmax(self.rng.random(mask.shape), mask)
        return np.where(explore, rand, np.asarray(self.base(obs), dtype=np.int64))

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102  (it ranks as its base does)
        return self.base.scores(obs)


class LinUCB(Policy):
    """LinUCB with one parameter vector shared by all candidates (Li et al., WWW 2010).

    Each candidate is described by ``x = [1, candidate features]`` (``d = F + 1``). With
    ``A = lam I + sum x x^T`` and ``b = sum r x`` over the shown candidates, ``theta = A^-1 b`` (a
    ridge regression of the reward) and the score is ``theta . x + alpha sqrt(x^T A^-1 x)``: the
    predicted reward plus an exploration bonus that shrinks as similar candidates are shown.

    Args:
        alpha: width of the exploration bonus, >= 0 (0 = greedy ridge regression).
        lam: ridge regularisation, > 0 (the prior precision).

    Attributes:
        A: ``(d, d)`` float64; b: ``(d,)`` float64; theta: ``(d,)`` float64.
    """

    name = "linucb"

    def __init__(self, alpha: float = 1.0, lam: float = 1.0) -> None:
        if not alpha >= 0:
            raise ValueError(f"alpha must be >= 0 (width of the exploration bonus), got {alpha!r}")
        if not lam > 0:
            raise ValueError(f"lam must be > 0 (ridge regularisation), got {lam!r}")
        self.alpha, self.lam = float(alpha), float(lam)
        self.A: np.ndarray | None = None
        self.b: np.ndarray | None = None
        self._prior: tuple[np.ndarray, np.ndarray] | None = None
        self._last: tuple[Obs, np.ndarray] | None = None

    @staticmethod
    def features(candidates: np.ndarray) -> np.ndarray:
        """``[1, candidate features]``: ``(..., F) -> (..., F + 1)`` float64 (NaN -> 0)."""
        c = np.nan_to_num(np.asarray(candidates, dtype=np.float64))
        return np.concatenate([np.ones((*c.shape[:-1], 1)), c], axis=-1)

    def _init(self, d: int) -> None:
        if self.A is None:
            self.A, self.b = self.lam * np.eye(d), np.zeros(d)

    @property
    def theta(self) -> np.ndarray:
        """Ridge estimate ``A^-1 b``, ``(d,)`` float64."""
        if self.A is None or self.b is None:
            raise RuntimeError("LinUCB has seen no data yet: call update() or act first")
        return np.linalg.solve(self.A, self.b)

    def update(self, obs: Obs, actions: np.ndarray, rewards: np.ndarray) -> None:
        """Add the shown candidates and their rewards: ``A += sum x x^T``, ``b += sum r x``.

        Rows whose action is on an empty slot (viewers already done) are skipped.

        Args:
            obs: the observation the actions were chosen on (``N`` rows).
            actions: ``(N,)`` int slots shown.
            rewards: ``(N,)`` float rewards received.
        """
        mask = _check_obs(obs)
        a, r = np.asarray(actions, dtype=np.int64), np.asarray(rewards, dtype=np.float64)
        if a.shape != (mask.shape[0],) or r.shape != a.shape:
            raise ValueError(
                f"actions and rewards must both have shape ({mask.shape[0]},), got {a.shape} "
                f"and {r.shape}"
            )
        rows = np.arange(a.size)
        ok = mask[rows, np.clip(a, 0, mask.shape[1] - 1)] & (a >= 0) & (a < mask.shape[1])
        x = self.features(obs["candidates"][rows[ok], a[ok]])  # (n_ok, d)
        self._init(x.shape[1])
        self.A += x.T @ x
        self.b += x.T @ r[ok]

    def fit(self, obs: Obs, actions: np.ndarray, rewards: np.ndarray) -> LinUCB:
        """Warm start on logged data (same as :meth:`update`); :meth:`reset` returns here."""
        self.update(obs, actions, rewards)
        self._prior = (self.A.copy(), self.b.copy())
        return self

    def reset(self, seed: int | None = None) -> None:  # noqa: D102
        self._last = None
        if self._prior is None:
            self.A = self.b = None
        else:
            self.A, self.b = self._prior[0].copy(), self._prior[1].copy()

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102
        mask = _check_obs(obs)
        x = self.features(obs["candidates"])  # (N, K, d)
        self._init(x.shape[-1])
        a_inv = np.linalg.inv(self.A)
        mean = x @ np.linalg.solve(self.A, self.b)
        bonus = np.sqrt(np.maximum(np.einsum("nkd,de,nke->nk", x, a_inv, x), 0.0))
        return np.where(mask, mean + self.alpha * bonus, -np.inf)

    def __call__(self, obs: Obs) -> np.ndarray:  # noqa: D102
        actions = super().__call__(obs)
        self._last = (obs, actions)
        return actions

    def learn(self, rewards: np.ndarray) -> None:
        """Online feedback: :meth:`update` with the last observation and actions it chose."""
        if self._last is not None:
            self.update(self._last[0], self._last[1], rewards)
            self._last = None


class AgentPolicy(Policy):
    """A trained :class:`~livedqn_edu.dqn.DQNAgent`, greedy over its Q-values of valid slots.

    Args:
        agent: an agent whose network takes ``{"user", "candidates", "mask"}``.
        name: name in tables (default ``"dqn"``).
    """

    def __init__(self, agent: Any, name: str = "dqn") -> None:
        if not hasattr(agent, "q_values"):
            raise TypeError(f"agent must be a DQNAgent (with q_values), got {type(agent).__name__}")
        self.agent, self.name = agent, name

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102
        mask = _check_obs(obs)
        x = {
            "user": np.nan_to_num(np.asarray(obs["user"], dtype=np.float32)),
            "candidates": np.nan_to_num(np.asarray(obs["candidates"], dtype=np.float32)),
            "mask": mask,
        }
        q = np.asarray(self.agent.q_values(x), dtype=np.float64)
        return np.where(mask, q, -np.inf)
