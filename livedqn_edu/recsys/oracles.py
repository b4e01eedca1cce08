"""Policies that know more than a platform could: oracles on the true world, and a myopic model.

- :class:`MyopicOracle` reads the world's hidden parameters and shows the room of largest
  *expected immediate* reward (:meth:`~livedqn_edu.envs.world.World.expected_immediate_reward`):
  the best any myopic recommender could do.
- :class:`LookaheadOracle` plans: for its best few candidates it simulates futures on forks of the
  true world (Monte-Carlo rollouts, long enough to reach the viewer's next visit) and shows the
  one with the best rollout value. It is an *upper reference* for planning, not a recommender a
  platform could build; it is costly, ``top * n_rollouts * depth`` world steps per real step
  (:attr:`~LookaheadOracle.world_steps` and :attr:`~LookaheadOracle.seconds` report the cost),
  and it sees only the effects that show within its rollouts. The course's planner reference is
  the cheaper :class:`~livedqn_edu.recsys.planner.ValuePlanner` (one step, with the world's
  measured long-term values); at the calibrated world neither beats the myopic oracle
  measurably (``docs/live-room-world.md``).
- :class:`MyopicModel` is what a platform *can* build: a small Keras model of the immediate reward,
  trained on logged impressions, acting greedily. TensorFlow is imported only when it is built.

Oracles must see the world the evaluation runs: ``policy.attach(world)`` (done by
:func:`livedqn_edu.recsys.evaluation.evaluate_policies`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from livedqn_edu.envs.world import World
from livedqn_edu.recsys.policies import Obs, Policy, _check_obs, masked_argmax

__all__ = ["MyopicOracle", "LookaheadOracle", "MyopicModel", "pair_features"]


class _WorldPolicy(Policy):
    world: World | None = None

    def attach(self, world: World) -> None:
        """Read the hidden state of ``world`` (the world the policy is evaluated in)."""
        if not isinstance(world, World):
            raise TypeError(f"world must be a World, got {type(world).__name__}")
        self.world = world

    def _world(self, obs: Obs) -> World:
        if self.world is None:
            raise RuntimeError(
                f"{type(self).__name__} reads the true world: call policy.attach(world) first"
            )
        if self.world.n != obs["mask"].shape[0]:
            raise ValueError(
                f"the attached world has {self.world.n} viewers but obs has "
                f"{obs['mask'].shape[0]} rows: attach the world that produced this observation"
            )
        return self.world


class _TimedWorldPolicy(_WorldPolicy):
    """A world policy that keeps its cost: ``seconds`` of wall time spent in :meth:`scores`."""

    seconds: float = 0.0

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102
        start = time.perf_counter()
        out = self._scores(obs)
        self.seconds += time.perf_counter() - start
        return out

    def _scores(self, obs: Obs) -> np.ndarray:
        raise NotImplementedError


class MyopicOracle(_WorldPolicy):
    """The room of largest true expected immediate reward (reads the world's hidden parameters)."""

    name = "myopic_oracle"

    def __init__(self, world: World | None = None) -> None:
        if world is not None:
            self.attach(world)

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102
        mask = _check_obs(obs)
        return np.where(mask, self._world(obs).expected_immediate_reward(), -np.inf)


class LookaheadOracle(_TimedWorldPolicy):
    """Monte-Carlo lookahead on forks of the true world: an upper reference for planning.

    For each of the ``top`` candidates of largest expected immediate reward, ``n_rollouts``
    forks of the world show it, then follow the myopic oracle for ``depth - 1`` more steps
    (long enough to end the session and start the next visit). A candidate's value in a
    rollout is its expected immediate reward plus the expected rewards collected along the
    rollout (discounted by ``gamma``), which counts what a recommendation does to the viewer's
    future (closing the app, fatigue, follows, tomorrow's visit). The rollouts of all candidates
    share random numbers, so their differences are less noisy. The planner leaves the myopic
    choice only when a candidate's mean gain over it exceeds ``min_t`` standard errors (a noisy
    estimate picked as the best of several is biased upwards: without this guard the planner
    loses to the myopic oracle it starts from).

    Args:
        world: the true world (or :meth:`attach` later).
        depth: steps simulated per rollout, >= 1 (1 = the myopic oracle).
        n_rollouts: rollouts per candidate, >= 1.
        top: candidates evaluated by rollouts (the others keep their immediate value), >= 1.
        gamma: discount per step inside the rollout, in [0, 1].
        min_t: evidence needed to leave the myopic choice, in standard errors of the paired
            rollout gains, >= 0.
        seed: seed of the rollouts' generator.

    Attributes:
        world_steps: world steps (each over all viewers) simulated so far, the oracle's cost.
        seconds: wall time spent planning so far.
    """

    name = "lookahead_oracle"

    def __init__(
        self,
        world: World | None = None,
        depth: int = 16,
        n_rollouts: int = 4,
        top: int = 3,
        gamma: float = 1.0,
        min_t: float = 2.0,
        seed: int = 0,
    ) -> None:
        for arg, value in (("depth", depth), ("n_rollouts", n_rollouts), ("top", top)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{arg} must be an int >= 1, got {value!r}")
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
        if not min_t >= 0.0:
            raise ValueError(f"min_t must be >= 0 (standard errors), got {min_t!r}")
        self.depth, self.n_rollouts, self.top, self.gamma = depth, n_rollouts, top, gamma
        self.min_t = float(min_t)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.world_steps = 0
        self.seconds = 0.0
        if world is not None:
            self.attach(world)

    def reset(self, seed: int | None = None) -> None:  # noqa: D102  (the cost counters go on)
        self.rng = np.random.default_rng(self.seed if seed is None else seed)

    def _scores(self, obs: Obs) -> np.ndarray:
        mask = _check_obs(obs)
        world = self._world(obs)
        expected = world.expected_immediate_reward()  # 0 in empty slots
        immediate = np.where(mask, expected, -np.inf)
        n, k = mask.shape
        rows = np.arange(n)
        top = min(self.top, k)
        slots = np.argsort(-immediate, axis=1, kind="stable")[:, :top]  # (N, top); 0: myopic
        future = np.zeros((self.n_rollouts, n, top))
        active = ~world.done
        for r in range(self.n_rollouts):
            seed = int(self.rng.integers(2**63))
            for j in range(top):
                sim = world.fork(np.random.default_rng(seed))  # never the real draws
                a = np.where(mask[rows, slots[:, j]], slots[:, j], slots[:, 0])
                sim.step(a)
                self.world_steps += 1
                discount = 1.0
                for _ in range(self.depth - 1):
                    discount *= self.gamma
                    value = sim.expected_immediate_reward()
                    future[r, :, j] += discount * value.max(axis=1, initial=0.0) * active
                    if sim.done.all():
                        break
                    sim.step(masked_argmax(value, sim.mask))
                    self.world_steps += 1
        # each candidate's gain over the myopic choice, paired rollout by rollout
        gain = np.take_along_axis(expected, slots, axis=1)[None] + future
        gain = gain - gain[..., :1]  # (R, N, top)
        mean = gain.mean(axis=0)
        se = gain.std(axis=0, ddof=1) / np.sqrt(self.n_rollouts) if self.n_rollouts > 1 else 0.0
        sure = (mean > 0) & (mean > self.min_t * se) & mask[rows[:, None], slots]
        sure[:, 0] = True  # the myopic choice needs no evidence
        best = np.where(sure, mean, -np.inf).argmax(axis=1)
        out = immediate.copy()
        out[rows, slots[rows, best]] = 1e6  # the chosen slot ranks first
        return np.where(mask, out, -np.inf)


def pair_features(obs: Obs) -> np.ndarray:
    """Viewer context next to each candidate's features, ``(N, K, U + F)`` float32 (NaN -> 0)."""
    user = np.nan_to_num(np.asarray(obs["user"], dtype=np.float32))
    cands = np.nan_to_num(np.asarray(obs["candidates"], dtype=np.float32))
    tiled = np.broadcast_to(user[:, None, :], (*cands.shape[:2], user.shape[-1]))
    return np.concatenate([tiled, cands], axis=-1)


class MyopicModel(Policy):
    """A small Keras model of the immediate reward of showing a room, acting greedily.

    Trained on logged impressions (only the shown room's reward is known for each): a regression
    of the reward on the pair (viewer context, candidate features) with a mean squared error. It
    knows nothing of the hidden world; what separates it from :class:`MyopicOracle` is what the
    logs and the features do not tell.

    Args:
        hidden: units of the hidden layers.
        epochs: passes over the logged data in :meth:`fit`.
        seed: seed of the weights and of the shuffling.
    """

    name = "myopic_model"

    def __init__(self, hidden: tuple[int, ...] = (32, 32), epochs: int = 3, seed: int = 0):
        self.hidden, self.epochs, self.seed = tuple(hidden), int(epochs), int(seed)
        self.model: Any = None
        self._forward: Any = None

    def fit(
        self, obs: Obs, actions: np.ndarray, rewards: np.ndarray, batch_size: int = 512
    ) -> MyopicModel:
        """Fit on logged impressions: ``obs`` of ``n`` rows, shown ``actions`` and ``rewards``.

        Returns:
            ``self``, trained; :meth:`scores` then predicts the reward of every candidate.
        """
        from livedqn_edu.networks import numpy_forward
        from livedqn_edu.runtime import import_tensorflow, seed_everything

        import_tensorflow()
        import keras

        mask = _check_obs(obs)
        a, r = np.asarray(actions, dtype=np.int64), np.asarray(rewards, dtype=np.float32)
        if a.shape != (mask.shape[0],) or r.shape != a.shape:
            raise ValueError(
                f"actions and rewards must have shape ({mask.shape[0]},), got {a.shape}, {r.shape}"
            )
        x = pair_features(obs)[np.arange(a.size), a]  # (n, U + F): the shown rooms only
        seed_everything(self.seed)
        init = keras.initializers.GlorotUniform
        layers = [keras.Input(shape=(x.shape[1],))]
        layers += [
            keras.layers.Dense(h, "relu", kernel_initializer=init(seed=self.seed + i))
            for i, h in enumerate(self.hidden)
        ]
        layers.append(keras.layers.Dense(1, kernel_initializer=init(seed=self.seed + 99)))
        self.model = keras.Sequential(layers)
        self.model.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3), loss="mse")
        self.model.fit(x, r, batch_size=batch_size, epochs=self.epochs, shuffle=True, verbose=0)
        self._forward = numpy_forward(self.model)
        return self

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102
        if self.model is None:
            raise RuntimeError("MyopicModel is not trained: call fit(obs, actions, rewards) first")
        mask = _check_obs(obs)
        x = pair_features(obs)
        flat = x.reshape(-1, x.shape[-1])
        if self._forward is not None:
            pred = self._forward(flat)
        else:
            pred = np.asarray(self.model(flat, training=False))
        return np.where(mask, pred.reshape(mask.shape).astype(np.float64), -np.inf)
