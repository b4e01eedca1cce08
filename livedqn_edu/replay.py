"""Experience replay: a preallocated numpy ring buffer of transitions.

A DQN agent learns from random minibatches of past transitions ``(s, a, r, s', terminated)``
rather than from the last step only: consecutive steps are strongly correlated, and reusing each
transition many times makes learning far more sample-efficient (Mnih et al., 2015).

The buffer is a ring: arrays of ``capacity`` slots are allocated once; ``pos`` is the next slot to
write and wraps to 0 when the buffer is full, so the oldest transitions are overwritten first.
Observations may be arrays or dicts of arrays (for the recommender: ``{"user": (F,),
"candidates": (K, F), "mask": (K,) bool}``); each key gets its own preallocated array.

``terminated`` (the episode really ended: no future reward) is stored apart from ``truncated``
(a time limit cut the episode short: the future still counts), so that targets bootstrap past a
time limit but never past a real end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Batch", "ReplayBuffer", "Observation"]

Observation = np.ndarray | dict[str, np.ndarray]
"""An observation: an array, or a dict mapping names to arrays."""


class Batch(NamedTuple):
    """A minibatch of transitions; leading dims ``(B,)`` or ``(G, B)`` for ``G`` stacked batches.

    Attributes:
        observations: ``(..., *obs_shape)`` float32 array, or a dict of such arrays.
        actions: ``(...,)`` int64 actions taken.
        rewards: ``(...,)`` float32 rewards received.
        next_observations: same structure as ``observations``: the state after the action.
        terminated: ``(...,)`` float32, 1.0 where the episode really ended (no bootstrap).
        truncated: ``(...,)`` float32, 1.0 where a time limit cut the episode (still bootstraps).
        elapsed: ``(...,)`` float32, the time each transition took in units of the discount
            period (the agent discounts its target by ``gamma ** elapsed``); ``None`` means one
            step each, the usual per-step discount.
    """

    observations: Observation
    actions: np.ndarray
    rewards: np.ndarray
    next_observations: Observation
    terminated: np.ndarray
    truncated: np.ndarray
    elapsed: np.ndarray | None = None


def _spec_of(example: Any) -> dict[str | None, tuple[tuple[int, ...], np.dtype]]:
    """Shapes and dtypes of an example observation; key ``None`` for a plain array."""
    if isinstance(example, Mapping):
        if not example:
            raise ValueError("a dict observation needs at least one key, got an empty dict")
        return {str(k): _spec_of(v)[None] for k, v in example.items()}
    arr = np.asarray(example)
    dtype = np.dtype(np.bool_) if arr.dtype == np.bool_ else np.dtype(np.float32)
    return {None: (tuple(arr.shape), dtype)}


class ReplayBuffer:
    """A fixed-size ring buffer of transitions, preallocated in numpy.

    Args:
        capacity: maximum number of transitions kept; the oldest are overwritten first.
        example_observation: one observation (array or dict of arrays), used only for the shapes
            and dtypes of the storage. Boolean arrays (masks) stay boolean; the rest is stored as
            float32.

    Example:
        >>> buf = ReplayBuffer(1_000, np.zeros(4))
        >>> buf.add(np.zeros(4), 1, 1.0, np.ones(4), terminated=False, truncated=False)
        >>> batch = buf.sample(1, np.random.default_rng(0))
        >>> batch.actions
        array([1])
    """

    def __init__(self, capacity: int, example_observation: Observation) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, (int, np.integer)):
            raise TypeError(f"capacity must be an int, got {type(capacity).__name__}")
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}; e.g. capacity=100_000")
        self.capacity = int(capacity)
        self._spec = _spec_of(example_observation)
        self._is_dict = None not in self._spec
        self._obs = self._alloc()
        self._next_obs = self._alloc()
        self.actions = np.zeros(self.capacity, dtype=np.int64)
        self.rewards = np.zeros(self.capacity, dtype=np.float32)
        self.terminated = np.zeros(self.capacity, dtype=np.float32)
        self.truncated = np.zeros(self.capacity, dtype=np.float32)
        self.elapsed = np.ones(self.capacity, dtype=np.float32)
        self.pos = 0
        """Index of the next slot to write."""
        self.full = False
        """True once every slot has been written at least once."""

    def _alloc(self) -> dict[str | None, np.ndarray]:
        return {
            k: np.zeros((self.capacity, *shape), dtype=dt) for k, (shape, dt) in self._spec.items()
        }

    def __len__(self) -> int:
        """Number of transitions stored (at most ``capacity``)."""
        return self.capacity if self.full else self.pos

    @property
    def nbytes(self) -> int:
        """Memory held by the preallocated arrays, in bytes."""
        arrays = [*self._obs.values(), *self._next_obs.values()]
        arrays += [self.actions, self.rewards, self.terminated, self.truncated, self.elapsed]
        return int(sum(a.nbytes for a in arrays))

    def _write(self, store: dict[str | None, np.ndarray], obs: Observation, name: str) -> None:
        if self._is_dict:
            if not isinstance(obs, Mapping) or set(obs) != set(store):
                got = sorted(obs) if isinstance(obs, Mapping) else type(obs).__name__
                raise ValueError(f"{name} must be a dict with keys {sorted(store)}, got {got}")
            items = [(k, obs[k]) for k in store]
        else:
            if isinstance(obs, Mapping):
                raise ValueError(
                    f"{name} must be an array of shape {self._spec[None][0]}, got a dict"
                )
            items = [(None, obs)]
        for key, value in items:
            value = np.asarray(value)
            shape = self._spec[key][0]
            if value.shape != shape:
                where = name if key is None else f"{name}[{key!r}]"
                raise ValueError(
                    f"{where} has shape {value.shape}, but the buffer stores shape {shape}; "
                    "every observation must have the shape of the example given to ReplayBuffer"
                )
            store[key][self.pos] = value

    def add(
        self,
        obs: Observation,
        action: int,
        reward: float,
        next_obs: Observation,
        terminated: bool,
        truncated: bool,
        elapsed: float = 1.0,
    ) -> None:
        """Store one transition, overwriting the oldest one when the buffer is full.

        Args:
            obs: the observation before the action (shape of the example observation).
            action: the action taken, an int.
            reward: the reward received.
            next_obs: the observation after the action (for a final step, the final observation).
            terminated: the episode really ended (no future reward to bootstrap).
            truncated: a time limit cut the episode short (the future still counts).
            elapsed: the time the transition took, in units of the discount period (default 1:
                one step). A semi-MDP discounts the next state's value by ``gamma ** elapsed``.
        """
        if not (math.isfinite(elapsed) and elapsed >= 0):
            raise ValueError(
                f"elapsed must be a finite number >= 0 (the transition's duration in discount "
                f"periods), got {elapsed!r}"
            )
        self._write(self._obs, obs, "obs")
        self._write(self._next_obs, next_obs, "next_obs")
        self.actions[self.pos] = action
        self.rewards[self.pos] = reward
        self.terminated[self.pos] = float(terminated)
        self.truncated[self.pos] = float(truncated)
        self.elapsed[self.pos] = elapsed
        self.pos += 1
        if self.pos == self.capacity:
            self.pos = 0
            self.full = True

    def _gather(self, store: dict[str | None, np.ndarray], idx: np.ndarray) -> Observation:
        if self._is_dict:
            return {k: v[idx] for k, v in store.items()}
        return store[None][idx]

    def sample(
        self, batch_size: int, rng: np.random.Generator, n_batches: int | None = None
    ) -> Batch:
        """Draw transitions uniformly at random (with replacement) from the stored ones.

        Args:
            batch_size: transitions per minibatch; at most ``len(self)``.
            rng: the random generator (``np.random.default_rng(seed)``).
            n_batches: if given, stack that many minibatches: every field then has leading dims
                ``(n_batches, batch_size)``, ready for several gradient steps in one call.

        Returns:
            A :class:`Batch`; fields have leading dim ``(batch_size,)`` (or
            ``(n_batches, batch_size)``).

        Raises:
            ValueError: if ``batch_size`` is not in ``[1, len(self)]``.
        """
        n = len(self)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"batch_size must be an int, got {type(batch_size).__name__}")
        if not 1 <= batch_size <= n:
            raise ValueError(
                f"batch_size must be in [1, {n}] (the transitions stored so far), "
                f"got {batch_size}; "
                "add more transitions first (learning_starts >= batch_size) or use a smaller batch"
            )
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a np.random.Generator, got {type(rng).__name__}")
        shape = (batch_size,) if n_batches is None else (int(n_batches), batch_size)
        idx = rng.integers(0, n, size=shape)
        return Batch(
            observations=self._gather(self._obs, idx),
            actions=self.actions[idx],
            rewards=self.rewards[idx],
            next_observations=self._gather(self._next_obs, idx),
            terminated=self.terminated[idx],
            truncated=self.truncated[idx],
            elapsed=self.elapsed[idx],
        )
