"""Tests for livedqn_edu.discretize: equal-width bins and the CartPole wrapper."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from livedqn_edu.discretize import (
    CARTPOLE_BOUNDS,
    DiscretizeObservation,
    bucket,
    discretize,
    table_size,
)
from livedqn_edu.tabular import train_tabular


def test_bucket_by_hand() -> None:
    assert bucket(0.5, 0.0, 1.0, 4) == 2  # width 0.25: floor(0.5 / 0.25) = 2
    assert bucket(-0.1, -2.4, 2.4, 6) == 2  # width 0.8: floor(2.3 / 0.8) = floor(2.875) = 2
    assert bucket(-7.0, 0.0, 1.0, 4) == 0  # below low: first bin
    assert bucket(3.0, 0.0, 1.0, 4) == 3  # above high: last bin
    assert bucket(1.0, 0.0, 1.0, 4) == 3  # exactly high: floor(4) = 4, clipped to 3
    assert bucket(0.0, 0.0, 1.0, 4) == 0
    assert isinstance(bucket(0.5, 0.0, 1.0, 4), int)


def test_discretize_combines_row_major() -> None:
    bins, bounds = [3, 4], [(0.0, 3.0), (0.0, 4.0)]
    # bins (2, 1): index 2 * 4 + 1 = 9
    assert discretize(np.array([2.5, 1.5]), bins, bounds) == 9
    # corners: (0, 0) -> 0, (2, 3) -> 2 * 4 + 3 = 11
    assert discretize(np.array([-5.0, -5.0]), bins, bounds) == 0
    assert discretize(np.array([9.0, 9.0]), bins, bounds) == 11


@given(
    st.lists(st.floats(-100, 100, allow_nan=False), min_size=4, max_size=4),
    st.integers(1, 12),
)
def test_discretize_always_in_range(obs: list[float], n: int) -> None:
    s = discretize(np.array(obs), [n] * 4, CARTPOLE_BOUNDS)
    assert 0 <= s < n**4


@given(st.floats(-3.0, 3.0, allow_nan=False), st.floats(-3.0, 3.0, allow_nan=False))
def test_bucket_is_monotone(x: float, y: float) -> None:
    lo, hi = min(x, y), max(x, y)
    assert bucket(lo, -2.0, 2.0, 7) <= bucket(hi, -2.0, 2.0, 7)


def test_table_size_blows_up() -> None:
    assert table_size(10, 4, 2) == 20_000  # 10**4 states * 2 actions
    assert table_size(6, 4, 2) == 2_592  # 1296 * 2
    assert table_size([3, 4], 2, 5) == 60  # 3 * 4 * 5


@pytest.mark.parametrize(
    ("bins", "bounds", "match"),
    [
        ([3], [(0.0, 1.0), (0.0, 1.0)], "one bin count"),
        ([0, 3], [(0.0, 1.0), (0.0, 1.0)], r"bins\[0\]"),
        ([3, 3], [(1.0, 0.0), (0.0, 1.0)], r"bounds\[0\]"),
        ([3, 3], [(0.0, np.inf), (0.0, 1.0)], "finite"),
    ],
)
def test_bad_bins_or_bounds(bins: list[int], bounds: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        discretize(np.zeros(2), bins, bounds)


def test_wrapper_on_cartpole() -> None:
    env = DiscretizeObservation(gym.make("CartPole-v1"), bins=6, bounds=CARTPOLE_BOUNDS)
    assert env.observation_space == gym.spaces.Discrete(6**4)
    obs, _ = env.reset(seed=0)
    assert isinstance(obs, int) and 0 <= obs < 6**4
    # a start state is near 0 in every component: the middle bins (3 of 0..5) almost surely
    raw = env.unwrapped.state
    assert obs == discretize(np.asarray(raw), [6] * 4, CARTPOLE_BOUNDS)
    obs, *_ = env.step(0)
    assert 0 <= obs < 6**4


def test_wrapper_needs_finite_bounds_and_box() -> None:
    with pytest.raises(ValueError, match="finite"):
        DiscretizeObservation(gym.make("CartPole-v1"), bins=6)  # velocities are unbounded
    with pytest.raises(TypeError, match="Box"):
        DiscretizeObservation(gym.make("FrozenLake-v1"))
    with pytest.raises(ValueError, match="entries"):
        DiscretizeObservation(gym.make("CartPole-v1"), bins=[3, 3], bounds=CARTPOLE_BOUNDS[:2])


def test_train_tabular_runs_on_wrapped_cartpole() -> None:
    env = DiscretizeObservation(gym.make("CartPole-v1"), bins=3, bounds=CARTPOLE_BOUNDS)
    h1 = train_tabular(env, episodes=20, seed=0, progress=False)
    h2 = train_tabular(env, episodes=20, seed=0, progress=False)
    assert h1["q"].shape == (81, 2)
    np.testing.assert_array_equal(h1["charts/episodic_return"], h2["charts/episodic_return"])
