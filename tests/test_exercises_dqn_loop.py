"""Tests for lesson 04's loop checkers: replay sampling, the soft target update, epsilon."""

from __future__ import annotations

import random

import numpy as np
import pytest

from livedqn_edu.dqn import linear_epsilon
from livedqn_edu.exercises import check_linear_epsilon, check_sample_batch, check_soft_update
from livedqn_edu.replay import ReplayBuffer


def _stub(*args):
    raise NotImplementedError("write it")


# ---------------------------------------------------------------- sampling


def _sample_right(observations, actions, rewards, size, batch_size, rng):
    idx = rng.integers(0, size, size=batch_size)
    return observations[idx], actions[idx], rewards[idx]


def _sample_capacity(observations, actions, rewards, size, batch_size, rng):
    idx = rng.integers(0, len(rewards), size=batch_size)  # empty slots too
    return observations[idx], actions[idx], rewards[idx]


def _sample_misaligned(observations, actions, rewards, size, batch_size, rng):
    pick = lambda: rng.integers(0, size, size=batch_size)  # noqa: E731
    return observations[pick()], actions[pick()], rewards[pick()]


def _sample_recent(observations, actions, rewards, size, batch_size, rng):
    idx = np.arange(batch_size) % size  # a fixed slice, not random
    return observations[idx], actions[idx], rewards[idx]


def _sample_global(observations, actions, rewards, size, batch_size, rng):
    idx = np.array([random.randrange(size) for _ in range(batch_size)])  # ignores rng
    return observations[idx], actions[idx], rewards[idx]


def _sample_off_by_one(observations, actions, rewards, size, batch_size, rng):
    idx = rng.integers(0, size - 1, size=batch_size)  # never the newest slot
    return observations[idx], actions[idx], rewards[idx]


@pytest.mark.parametrize(
    "wrong",
    [_stub, _sample_capacity, _sample_misaligned, _sample_recent, _sample_global,
     _sample_off_by_one],
)  # fmt: skip
def test_sample_batch_rejects(wrong, capsys) -> None:
    assert not check_sample_batch(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_sample_batch_accepts(capsys) -> None:
    assert check_sample_batch(_sample_right)

    def with_choice(observations, actions, rewards, size, batch_size, rng):
        idx = rng.choice(size, size=batch_size)
        return observations[idx], actions[idx], rewards[idx]

    assert check_sample_batch(with_choice)


def test_sample_batch_agrees_with_the_package_buffer() -> None:
    # the package's ring buffer draws its indices the same way
    buf = ReplayBuffer(10, np.zeros(2))
    for i in range(6):
        buf.add(np.array([i + 1.0, 10.0 * (i + 1)]), i % 2, i + 1.0, np.zeros(2), False, False)
    batch = buf.sample(5, np.random.default_rng(3))
    obs = np.zeros((10, 2))
    _, a, r = _sample_right(obs, buf.actions, buf.rewards, 6, 5, np.random.default_rng(3))
    np.testing.assert_array_equal(batch.rewards, r)
    np.testing.assert_array_equal(batch.actions, a)
    np.testing.assert_array_equal(batch.observations[:, 0], r)


def test_sample_batch_names_the_mistakes(capsys) -> None:
    check_sample_batch(_sample_misaligned)
    assert "ONE array of indices" in capsys.readouterr().out
    check_sample_batch(_sample_capacity)
    assert "stored so far" in capsys.readouterr().out


# ---------------------------------------------------------------- soft update


def _soft_right(target_weights, online_weights, tau):
    return [(1 - tau) * t + tau * o for t, o in zip(target_weights, online_weights, strict=True)]


def _soft_swapped(target_weights, online_weights, tau):
    return [tau * t + (1 - tau) * o for t, o in zip(target_weights, online_weights, strict=True)]


def _soft_copy(target_weights, online_weights, tau):
    return [o.copy() for o in online_weights]


def _soft_first_only(target_weights, online_weights, tau):
    return [(1 - tau) * target_weights[0] + tau * online_weights[0], target_weights[1]]


def _soft_in_place(target_weights, online_weights, tau):
    for t, o in zip(target_weights, online_weights, strict=True):
        t += tau * (o - t)  # right, but returns None


@pytest.mark.parametrize(
    "wrong", [_stub, _soft_swapped, _soft_copy, _soft_first_only, _soft_in_place]
)
def test_soft_update_rejects(wrong, capsys) -> None:
    assert not check_soft_update(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_soft_update_accepts(capsys) -> None:
    assert check_soft_update(_soft_right)

    def in_place_and_returned(target_weights, online_weights, tau):
        for t, o in zip(target_weights, online_weights, strict=True):
            t += tau * (o - t)
        return target_weights

    assert check_soft_update(in_place_and_returned)
    check_soft_update(_soft_in_place)
    assert "returned None" in capsys.readouterr().out


# ---------------------------------------------------------------- epsilon schedule


def _eps_no_clip(step, start, end, duration):
    return start + (step / duration) * (end - start)


def _eps_to_zero(step, start, end, duration):
    return max(start * (1 - step / duration), 0.0)


def _eps_exponential(step, start, end, duration):
    return max(end, start * 0.999**step)


def _eps_defaults(step, start, end, duration):
    return linear_epsilon(step, 1.0, 0.04, 8_000)


@pytest.mark.parametrize("wrong", [_stub, _eps_no_clip, _eps_to_zero, _eps_exponential,
                                   _eps_defaults])  # fmt: skip
def test_linear_epsilon_rejects(wrong, capsys) -> None:
    assert not check_linear_epsilon(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_linear_epsilon_accepts_the_package() -> None:
    assert check_linear_epsilon(linear_epsilon)
    assert check_linear_epsilon(
        lambda step, start, end, duration: start + min(step / duration, 1) * (end - start)
    )
