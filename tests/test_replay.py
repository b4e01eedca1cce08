"""Tests of livedqn_edu.replay: the ring buffer's bookkeeping, sampling and errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livedqn_edu.replay import Batch, ReplayBuffer


def _fill(buf: ReplayBuffer, n: int, start: int = 0) -> None:
    """Add n transitions whose observation is [i, i] and reward i (i = start, start + 1, ...)."""
    for i in range(start, start + n):
        o = np.full(2, i, dtype=np.float32)
        buf.add(o, i % 3, float(i), o + 1, terminated=i % 5 == 0, truncated=i % 7 == 0)


@settings(max_examples=60, deadline=None)
@given(capacity=st.integers(1, 20), n=st.integers(0, 60))
def test_ring_wraps_around_and_keeps_the_newest(capacity: int, n: int) -> None:
    buf = ReplayBuffer(capacity, np.zeros(2))
    _fill(buf, n)
    assert len(buf) == min(n, capacity)
    assert buf.pos == n % capacity
    assert buf.full == (n >= capacity)
    # the stored rewards are exactly the last min(n, capacity) ones, each in slot i % capacity
    newest = range(max(0, n - capacity), n)
    assert sorted(buf.rewards[: len(buf)].tolist()) == list(newest)
    assert all(buf.rewards[i % capacity] == i for i in newest)


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.integers(2, 30),
    n=st.integers(1, 30),
    batch=st.integers(1, 8),
    seed=st.integers(0, 1000),
)
def test_sample_never_returns_unwritten_slots(capacity: int, n: int, batch: int, seed: int) -> None:
    buf = ReplayBuffer(capacity, np.zeros(2))
    _fill(buf, n, start=1)  # rewards 1..n, so an unwritten slot would show reward 0
    batch = min(batch, len(buf))
    b = buf.sample(batch, np.random.default_rng(seed), n_batches=3)
    assert b.rewards.shape == (3, batch)
    assert np.all(b.rewards >= max(1, n - capacity + 1))
    # every field of a sampled transition belongs to the same transition
    np.testing.assert_array_equal(b.observations[..., 0], b.rewards)
    np.testing.assert_array_equal(b.next_observations[..., 0], b.rewards + 1)
    np.testing.assert_array_equal(b.actions, b.rewards.astype(int) % 3)
    np.testing.assert_array_equal(b.terminated, (b.rewards.astype(int) % 5 == 0))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 25), k=st.integers(1, 4))
def test_dict_observations_keep_keys_shapes_and_dtypes(n: int, k: int) -> None:
    example = {"user": np.zeros(3), "candidates": np.zeros((k, 2)), "mask": np.ones(k, bool)}
    buf = ReplayBuffer(10, example)
    for i in range(n):
        obs = {
            "user": np.full(3, i),
            "candidates": np.full((k, 2), i),
            "mask": np.arange(k) <= i % k,
        }
        nxt = {**obs, "user": np.full(3, i + 1)}
        buf.add(obs, 0, float(i), nxt, terminated=False, truncated=True)
    b = buf.sample(min(4, len(buf)), np.random.default_rng(0))
    assert b.observations["user"].shape == (min(4, len(buf)), 3)
    assert b.observations["candidates"].shape == (min(4, len(buf)), k, 2)
    assert b.observations["mask"].dtype == np.bool_
    assert b.observations["user"].dtype == np.float32
    np.testing.assert_array_equal(b.observations["user"][:, 0], b.rewards)
    np.testing.assert_array_equal(b.next_observations["user"][:, 0], b.rewards + 1)
    np.testing.assert_array_equal(b.truncated, 1.0)
    np.testing.assert_array_equal(b.terminated, 0.0)


def test_terminated_is_kept_apart_from_truncated() -> None:
    buf = ReplayBuffer(4, np.zeros(1))
    buf.add(np.zeros(1), 0, 1.0, np.zeros(1), terminated=True, truncated=False)
    buf.add(np.zeros(1), 0, 2.0, np.zeros(1), terminated=False, truncated=True)
    np.testing.assert_array_equal(buf.terminated[:2], [1.0, 0.0])
    np.testing.assert_array_equal(buf.truncated[:2], [0.0, 1.0])


def test_elapsed_is_stored_sampled_and_checked() -> None:
    buf = ReplayBuffer(4, np.zeros(1))
    buf.add(np.zeros(1), 0, 1.0, np.zeros(1), False, False)  # default: one step
    buf.add(np.zeros(1), 0, 2.0, np.zeros(1), False, False, elapsed=2.5)
    np.testing.assert_array_equal(buf.elapsed[:2], [1.0, 2.5])
    batch = buf.sample(2, np.random.default_rng(0), n_batches=32)
    np.testing.assert_array_equal(batch.elapsed, np.where(batch.rewards == 1.0, 1.0, 2.5))
    assert set(batch.rewards.ravel()) == {1.0, 2.0}
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="elapsed must be a finite number >= 0"):
            buf.add(np.zeros(1), 0, 0.0, np.zeros(1), False, False, elapsed=bad)
    assert len(buf) == 2  # a rejected transition is not stored


def test_sample_is_reproducible_and_a_batch_namedtuple() -> None:
    buf = ReplayBuffer(50, np.zeros(2))
    _fill(buf, 50)
    a = buf.sample(8, np.random.default_rng(3))
    b = buf.sample(8, np.random.default_rng(3))
    assert isinstance(a, Batch)
    np.testing.assert_array_equal(a.rewards, b.rewards)


def test_batch_larger_than_content_is_a_clear_error() -> None:
    buf = ReplayBuffer(100, np.zeros(2))
    _fill(buf, 5)
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, 5\].*got 6"):
        buf.sample(6, np.random.default_rng(0))


def test_bad_shapes_and_arguments_are_clear_errors() -> None:
    buf = ReplayBuffer(10, np.zeros(4))
    with pytest.raises(ValueError, match=r"obs has shape \(3,\).*stores shape \(4,\)"):
        buf.add(np.zeros(3), 0, 0.0, np.zeros(4), False, False)
    with pytest.raises(ValueError, match="capacity must be >= 1"):
        ReplayBuffer(0, np.zeros(4))
    small = ReplayBuffer(10, np.zeros(2))
    _fill(small, 2)
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        small.sample(1, 0)  # type: ignore[arg-type]
    dict_buf = ReplayBuffer(10, {"a": np.zeros(2)})
    with pytest.raises(ValueError, match=r"keys \['a'\]"):
        dict_buf.add({"b": np.zeros(2)}, 0, 0.0, {"a": np.zeros(2)}, False, False)


def test_nbytes_counts_the_preallocated_arrays() -> None:
    # obs + next_obs: 2 * 10 * 4 float32 = 320 bytes; actions 10 int64 = 80;
    # rewards, terminated, truncated, elapsed: 4 * 10 float32 = 160; total 560
    assert ReplayBuffer(10, np.zeros(4)).nbytes == 560
