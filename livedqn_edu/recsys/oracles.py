"""Policies that know more than a platform could: oracles on the true world, and a myopic model.

- :class:`MyopicOracle` reads the world's hidden parameters and shows the room of largest
  *expected immediate* reward (:meth:`~livedqn_edu.envs.world.World.expected_immediate_reward`):
  the best any myopic recommender could do.
- :class:`LookaheadOracle` plans: for its best few candidates it simulates short futures on copies
  of the true world (Monte-Carlo rollouts) and shows the one with the best rollout value. It is
  costly, ``top * n_rollouts * depth`` world steps per real step (its
  :attr:`~LookaheadOracle.world_steps` counter reports the cost), and it only sees effects that
  show within its rollouts: a few steps, far less than the day that fatigue lasts, so a learned
  planner can beat it (``docs/live-room-planning.md``).
- :class:`MyopicModel` is what a platform *can* build: a small Keras model of the immediate reward,
  trained on logged impressions, acting greedily. TensorFlow is imported only when it is built.

Oracles must see the world the evaluation runs: ``policy.attach(world)`` (done by
:func:`livedqn_edu.recsys.evaluation.evaluate_policies`).
"""

from __future__ import annotations

import copy
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


class MyopicOracle(_WorldPolicy):
    """The room of largest true expected immediate reward (reads the world's hidden parameters)."""

    name = "myopic_oracle"

    def __init__(self, world: World | None = None) -> None:
        if world is not None:
            self.attach(world)

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102
        mask = _check_obs(obs)
        return np.where(mask, self._world(obs).expected_immediate_reward(), -np.inf)


def _fork(world: World, rng: np.random.Generator) -> World:
    """A copy of ``world`` sharing its rooms but with its own viewers' state and generator."""
    sim = copy.copy(world)
    sim.viewers = copy.deepcopy(world.viewers)
    sim.room_ids, sim.mask = world.room_ids.copy(), world.mask.copy()
    sim.rng = rng  # fresh randomness: never peek at the real world's next draws
    return sim


class LookaheadOracle(_WorldPolicy):
    """Monte-Carlo lookahead on copies of the true world.

    For each of the ``top`` candidates of largest expected immediate reward, ``n_rollouts``
    copies of the world show it, then follow the myopic oracle for ``depth - 1`` more steps.
    A candidate's value is its expected immediate reward plus the mean of the expected rewards
    collected along its rollouts (discounted by ``gamma``), which counts what a recommendation
    does to the viewer's next steps (fatigue, closing the app, follows). The rollouts of all
    candidates share random numbers, so their comparison is less noisy.

    Args:
        world: the true world (or :meth:`attach` later).
        depth: steps simulated per rollout, >= 1 (1 = the myopic oracle).
        n_rollouts: rollouts per candidate, >= 1.
        top: candidates evaluated by rollouts (the others keep their immediate value), >= 1.
        gamma: discount per step inside the rollout, in [0, 1].
        seed: seed of the rollouts' generator.

    Attributes:
        world_steps: world steps (each over all viewers) simulated so far, the oracle's cost.
    """

    name = "lookahead_oracle"

    def __init__(
        self,
        world: World | None = None,
        depth: int = 2,
        n_rollouts: int = 4,
        top: int = 3,
        gamma: float = 1.0,
        seed: int = 0,
    ) -> None:
        for arg, value in (("depth", depth), ("n_rollouts", n_rollouts), ("top", top)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{arg} must be an int >= 1, got {value!r}")
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {gamma!r}")
        self.depth, self.n_rollouts, self.top, self.gamma = depth, n_rollouts, top, gamma
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.world_steps = 0
        if world is not None:
            self.attach(world)

    def reset(self, seed: int | None = None) -> None:  # noqa: D102
        self.rng = np.random.default_rng(self.seed if seed is None else seed)
        self.world_steps = 0

    def scores(self, obs: Obs) -> np.ndarray:  # noqa: D102
        mask = _check_obs(obs)
        world = self._world(obs)
        immediate = np.where(mask, world.expected_immediate_reward(), -np.inf)
        n, k = mask.shape
        rows = np.arange(n)
        top = min(self.top, k)
        slots = np.argsort(-immediate, axis=1, kind="stable")[:, :top]  # (N, top)
        future = np.zeros((n, top))
        active = ~world.done
        for _ in range(self.n_rollouts):
            seed = int(self.rng.integers(2**63))
            for j in range(top):
                sim = _fork(world, np.random.default_rng(seed))
                a = np.where(mask[rows, slots[:, j]], slots[:, j], masked_argmax(immediate, mask))
                sim.step(a)
                self.world_steps += 1
                discount = 1.0
                for _ in range(self.depth - 1):
                    discount *= self.gamma
                    value = sim.expected_immediate_reward()
                    future[:, j] += discount * value.max(axis=1, initial=0.0) * active
                    if sim.done.all():
                        break
                    sim.step(masked_argmax(value, sim.mask))
                    self.world_steps += 1
        total = np.take_along_axis(immediate, slots, axis=1) + future / self.n_rollouts
        out = immediate.copy()  # slots outside the top keep their immediate value, below any top
        np.put_along_axis(out, slots, total + 1e6, axis=1)
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
