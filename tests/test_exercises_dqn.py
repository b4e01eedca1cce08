"""Tests for the lesson-04 checker: it rejects the stub and plausible mistakes, accepts answers."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.dqn import td_targets
from livedqn_edu.exercises import check_dqn_loss, check_huber_loss, check_td_targets


def _stub(*args):
    raise NotImplementedError("write it")


def _right(rewards, next_q, terminated, gamma):
    return rewards + gamma * (1.0 - terminated) * np.max(next_q, axis=1)


def _bootstraps_past_terminated(rewards, next_q, terminated, gamma):
    return rewards + gamma * np.max(next_q, axis=1)


def _ignores_gamma(rewards, next_q, terminated, gamma):
    return rewards + (1.0 - terminated) * np.max(next_q, axis=1)


def _first_action(rewards, next_q, terminated, gamma):
    return rewards + gamma * (1.0 - terminated) * next_q[:, 0]


def _max_over_batch(rewards, next_q, terminated, gamma):
    return rewards + gamma * (1.0 - terminated) * np.max(next_q)


def _terminated_inverted(rewards, next_q, terminated, gamma):
    return rewards + gamma * terminated * np.max(next_q, axis=1)


@pytest.mark.parametrize(
    "wrong",
    [
        _stub,
        _bootstraps_past_terminated,
        _ignores_gamma,
        _first_action,
        _max_over_batch,
        _terminated_inverted,
    ],
)
def test_rejects_stub_and_plausible_mistakes(wrong, capsys) -> None:
    assert not check_td_targets(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_names_the_terminated_mistake(capsys) -> None:
    check_td_targets(_bootstraps_past_terminated)
    assert "ignores `terminated`" in capsys.readouterr().out


def test_names_the_gamma_mistake(capsys) -> None:
    check_td_targets(_ignores_gamma)
    assert "ignore gamma" in capsys.readouterr().out


@pytest.mark.parametrize("right", [_right, td_targets])
def test_accepts_right_answers(right, capsys) -> None:
    assert check_td_targets(right)
    assert "[PASS] td_targets: all 5 cases right." in capsys.readouterr().out


# ---------------------------------------------------------------- Huber loss


def _huber_right(errors, delta):
    a = np.abs(errors)
    return float(np.mean(np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))))


def _huber_mse(errors, delta):
    return float(np.mean(0.5 * np.asarray(errors) ** 2))


def _huber_no_shift(errors, delta):
    a = np.abs(errors)
    return float(np.mean(np.where(a <= delta, 0.5 * a**2, delta * a)))


def _huber_sum(errors, delta):
    a = np.abs(errors)
    return float(np.sum(np.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))))


def _huber_no_half(errors, delta):
    a = np.abs(errors)
    return float(np.mean(np.where(a <= delta, a**2, delta * (a - 0.5 * delta))))


def _huber_ignores_delta(errors, delta):
    return _huber_right(errors, 1.0)


@pytest.mark.parametrize(
    "wrong",
    [_stub, _huber_mse, _huber_no_shift, _huber_sum, _huber_no_half, _huber_ignores_delta],
)
def test_huber_rejects(wrong, capsys) -> None:
    assert not check_huber_loss(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_huber_accepts_numpy_and_keras(capsys) -> None:
    import keras

    assert check_huber_loss(_huber_right)

    def with_keras(errors, delta):  # Keras' Huber of (0, errors): a tensor comes back
        loss = keras.losses.Huber(delta=delta)
        return loss(np.zeros_like(errors)[:, None], np.asarray(errors)[:, None])

    assert check_huber_loss(with_keras)


# ---------------------------------------------------------------- DQN loss


def _loss_right(q, actions, rewards, next_q_target, terminated, gamma):
    targets = rewards + gamma * (1 - terminated) * next_q_target.max(axis=1)
    return _huber_right(targets - q[np.arange(len(q)), actions], 1.0)


def _loss_max_q(q, actions, rewards, next_q_target, terminated, gamma):
    targets = rewards + gamma * (1 - terminated) * next_q_target.max(axis=1)
    return _huber_right(targets - q.max(axis=1), 1.0)


def _loss_squared(q, actions, rewards, next_q_target, terminated, gamma):
    targets = rewards + gamma * (1 - terminated) * next_q_target.max(axis=1)
    return float(np.mean(0.5 * (targets - q[np.arange(len(q)), actions]) ** 2))


def _loss_no_end(q, actions, rewards, next_q_target, terminated, gamma):
    targets = rewards + gamma * next_q_target.max(axis=1)
    return _huber_right(targets - q[np.arange(len(q)), actions], 1.0)


def _loss_next_action_taken(q, actions, rewards, next_q_target, terminated, gamma):
    # bootstraps from the target network's value of the SAME action instead of the max
    nxt = next_q_target[np.arange(len(q)), actions]
    targets = rewards + gamma * (1 - terminated) * nxt
    return _huber_right(targets - q[np.arange(len(q)), actions], 1.0)


@pytest.mark.parametrize(
    "wrong", [_stub, _loss_max_q, _loss_squared, _loss_no_end, _loss_next_action_taken]
)
def test_dqn_loss_rejects(wrong, capsys) -> None:
    assert not check_dqn_loss(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_dqn_loss_accepts_and_matches_the_package(capsys) -> None:
    assert check_dqn_loss(_loss_right)

    def with_package(q, actions, rewards, next_q_target, terminated, gamma):
        targets = td_targets(rewards, next_q_target, terminated, gamma)
        return _huber_right(targets - q[np.arange(len(q)), actions], 1.0)

    assert check_dqn_loss(with_package)
    check_dqn_loss(_loss_max_q)
    assert "of the action TAKEN" in capsys.readouterr().out
