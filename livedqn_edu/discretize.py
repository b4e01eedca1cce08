"""Turning a continuous observation into a table index: equal-width bins, for lesson 02.

A Q-table needs a finite set of states. CartPole's observation is four real numbers, so we cut
each into ``n`` equal-width bins between chosen bounds and number the resulting boxes: a state
becomes one of ``n**4`` integers, and :func:`~livedqn_edu.tabular.train_tabular` can run on it
through the :class:`DiscretizeObservation` wrapper. The table grows as ``n**d``: the curse of
dimensionality that motivates function approximation.

Example:
    >>> import gymnasium as gym
    >>> env = DiscretizeObservation(gym.make("CartPole-v1"), bins=6, bounds=CARTPOLE_BOUNDS)
    >>> env.observation_space
    Discrete(1296)
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

__all__ = [
    "CARTPOLE_BOUNDS",
    "DiscretizeObservation",
    "bucket",
    "discretize",
    "table_size",
]

CARTPOLE_BOUNDS: tuple[tuple[float, float], ...] = (
    (-2.4, 2.4),  # cart position, m: the episode terminates beyond +-2.4
    (-3.0, 3.0),  # cart velocity, m/s: unbounded, rarely beyond +-3 in practice
    (-0.2095, 0.2095),  # pole angle, rad: terminates beyond +-12 degrees
    (-3.5, 3.5),  # pole angular velocity, rad/s: unbounded, rarely beyond +-3.5
)
"""Clipping bounds for CartPole-v1's four observation components (the two velocities are
unbounded in the env's observation space, so we pick ranges that cover nearly all visits)."""


def bucket(x: float, low: float, high: float, n_bins: int) -> int:
    """Index of the equal-width bin of ``[low, high]`` that holds ``x``, clipped to the edges.

    The bins have width ``w = (high - low) / n_bins``; ``x`` goes to ``floor((x - low) / w)``,
    clipped to ``[0, n_bins - 1]`` so that values beyond the bounds land in the outer bins
    (``x == high`` lands in the last bin).

    Args:
        x: the value.
        low: lower bound.
        high: upper bound, > ``low``.
        n_bins: number of bins, >= 1.

    Example:
        >>> bucket(0.5, 0.0, 1.0, 4), bucket(-7.0, 0.0, 1.0, 4), bucket(1.0, 0.0, 1.0, 4)
        (2, 0, 3)
    """
    return int(discretize(np.array([x]), [n_bins], [(low, high)]))


def _check(bins: Sequence[int], bounds: Sequence[tuple[float, float]]) -> None:
    if len(bins) != len(bounds):
        raise ValueError(
            f"bins has {len(bins)} entries but bounds has {len(bounds)}; give one bin count "
            "and one (low, high) pair per observation component"
        )
    for i, n in enumerate(bins):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"bins[{i}] must be an int >= 1, got {n!r}")
    for i, (low, high) in enumerate(bounds):
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(
                f"bounds[{i}] must be finite with low < high, got ({low}, {high}); "
                "for unbounded components pick a range that covers most visits"
            )


def discretize(obs: np.ndarray, bins: Sequence[int], bounds: Sequence[tuple[float, float]]) -> int:
    """Map a continuous observation to one integer in ``[0, prod(bins))``.

    Each component ``i`` goes to its bin (see :func:`bucket`); the bin indices are combined in
    row-major order (``np.ravel_multi_index``), so the first component varies slowest.

    Args:
        obs: ``(d,)`` float observation.
        bins: ``d`` bin counts.
        bounds: ``d`` pairs ``(low, high)``.

    Returns:
        The state index, a Python int.
    """
    _check(bins, bounds)
    obs = np.asarray(obs, dtype=np.float64).reshape(-1)
    if obs.shape[0] != len(bins):
        raise ValueError(f"obs has {obs.shape[0]} components but bins has {len(bins)} entries")
    low = np.array([b[0] for b in bounds], dtype=np.float64)
    high = np.array([b[1] for b in bounds], dtype=np.float64)
    n = np.asarray(bins, dtype=np.int64)
    idx = np.floor((obs - low) / (high - low) * n).astype(np.int64)
    idx = np.clip(idx, 0, n - 1)
    return int(np.ravel_multi_index(tuple(idx), tuple(n)))


def table_size(bins: int | Sequence[int], n_dims: int, n_actions: int) -> int:
    """Entries of the Q-table over ``bins`` per dimension: ``prod(bins) * n_actions``.

    Example:
        >>> table_size(10, 4, 2)  # 10**4 states * 2 actions
        20000
    """
    counts = [bins] * n_dims if isinstance(bins, (int, np.integer)) else list(bins)
    return int(np.prod(counts, dtype=np.int64)) * int(n_actions)


class DiscretizeObservation(gym.ObservationWrapper):
    """Wrap an env with a ``Box(d,)`` observation so that it emits ``Discrete(prod(bins))``.

    Args:
        env: the env to wrap (e.g. ``gym.make("CartPole-v1")``).
        bins: bins per component: one int for all, or a sequence of ``d`` ints.
        bounds: ``d`` pairs ``(low, high)``; default: the env's observation bounds, which must
            then be finite (CartPole's velocities are not: pass :data:`CARTPOLE_BOUNDS`).
    """

    def __init__(
        self,
        env: gym.Env,
        bins: int | Sequence[int] = 6,
        bounds: Sequence[tuple[float, float]] | None = None,
    ) -> None:
        super().__init__(env)
        space = env.observation_space
        if not isinstance(space, gym.spaces.Box) or len(space.shape) != 1:
            raise TypeError(f"DiscretizeObservation needs a Box(d,) observation, got {space}")
        d = space.shape[0]
        if bounds is None:
            bounds = list(zip(space.low.tolist(), space.high.tolist(), strict=True))
        self.bins = [int(bins)] * d if isinstance(bins, (int, np.integer)) else list(bins)
        self.bounds = [(float(lo), float(hi)) for lo, hi in bounds]
        _check(self.bins, self.bounds)
        if len(self.bins) != d:
            raise ValueError(f"bins has {len(self.bins)} entries, the observation has {d}")
        self.observation_space = gym.spaces.Discrete(int(np.prod(self.bins, dtype=np.int64)))

    def observation(self, observation: np.ndarray) -> int:
        """The discrete state index of a continuous observation."""
        return discretize(observation, self.bins, self.bounds)
