"""Tests for lesson 05's checkers: Double Q-learning, the Double DQN target, the dueling head."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.dqn import double_dqn_targets, td_targets
from livedqn_edu.exercises import check_double_dqn_targets, check_double_q_update, check_dueling_q
from livedqn_edu.maxbias import double_q_update


def _stub(*args):
    raise NotImplementedError("write it")


# ---------------------------------------------------------------- Double Q-learning


def _dq_right(q_update, q_other, s, a, r, s_next, terminated, alpha, gamma):
    future = 0.0 if terminated else q_other[s_next, np.argmax(q_update[s_next])]
    return q_update[s, a] + alpha * (r + gamma * future - q_update[s, a])


def _dq_max_other(q_update, q_other, s, a, r, s_next, terminated, alpha, gamma):
    future = 0.0 if terminated else q_other[s_next].max()
    return q_update[s, a] + alpha * (r + gamma * future - q_update[s, a])


def _dq_plain(q_update, q_other, s, a, r, s_next, terminated, alpha, gamma):
    future = 0.0 if terminated else q_update[s_next].max()
    return q_update[s, a] + alpha * (r + gamma * future - q_update[s, a])


def _dq_swapped(q_update, q_other, s, a, r, s_next, terminated, alpha, gamma):
    # the other table picks, the updated one evaluates
    future = 0.0 if terminated else q_update[s_next, np.argmax(q_other[s_next])]
    return q_update[s, a] + alpha * (r + gamma * future - q_update[s, a])


def _dq_average(q_update, q_other, s, a, r, s_next, terminated, alpha, gamma):
    future = 0.0 if terminated else ((q_update[s_next] + q_other[s_next]) / 2).max()
    return q_update[s, a] + alpha * (r + gamma * future - q_update[s, a])


@pytest.mark.parametrize("wrong", [_stub, _dq_max_other, _dq_plain, _dq_swapped, _dq_average])
def test_double_q_rejects(wrong, capsys) -> None:
    assert not check_double_q_update(wrong)
    assert "[FAIL]" in capsys.readouterr().out


@pytest.mark.parametrize("right", [_dq_right, double_q_update])
def test_double_q_accepts(right) -> None:
    assert check_double_q_update(right)


# ---------------------------------------------------------------- Double DQN targets


def _ddqn_right(rewards, online, target, terminated, gamma):
    a = online.argmax(axis=1)
    return rewards + gamma * (1 - terminated) * target[np.arange(len(a)), a]


def _ddqn_plain(rewards, online, target, terminated, gamma):
    return td_targets(rewards, target, terminated, gamma)


def _ddqn_online_value(rewards, online, target, terminated, gamma):
    return rewards + gamma * (1 - terminated) * online.max(axis=1)


def _ddqn_target_picks(rewards, online, target, terminated, gamma):
    a = target.argmax(axis=1)
    return rewards + gamma * (1 - terminated) * online[np.arange(len(a)), a]


def _ddqn_no_end(rewards, online, target, terminated, gamma):
    a = online.argmax(axis=1)
    return rewards + gamma * target[np.arange(len(a)), a]


def _ddqn_wrong_gather(rewards, online, target, terminated, gamma):
    # indexes the target with the chosen actions on the first row only
    return rewards + gamma * (1 - terminated) * target[0, online.argmax(axis=1)]


@pytest.mark.parametrize(
    "wrong",
    [_stub, _ddqn_plain, _ddqn_online_value, _ddqn_target_picks, _ddqn_no_end, _ddqn_wrong_gather],
)
def test_double_dqn_rejects(wrong, capsys) -> None:
    assert not check_double_dqn_targets(wrong)
    assert "[FAIL]" in capsys.readouterr().out


@pytest.mark.parametrize("right", [_ddqn_right, double_dqn_targets])
def test_double_dqn_accepts(right) -> None:
    assert check_double_dqn_targets(right)


# ---------------------------------------------------------------- dueling


def _duel_right(value, advantages):
    return value[:, None] + advantages - advantages.mean(axis=1, keepdims=True)


def _duel_no_mean(value, advantages):
    return value[:, None] + advantages


def _duel_max(value, advantages):
    return value[:, None] + advantages - advantages.max(axis=1, keepdims=True)


def _duel_batch_mean(value, advantages):
    return value[:, None] + advantages - advantages.mean(axis=0, keepdims=True)


def _duel_broadcast(value, advantages):
    return value + advantages - advantages.mean(axis=1, keepdims=True)  # value per column


@pytest.mark.parametrize("wrong", [_stub, _duel_no_mean, _duel_max, _duel_batch_mean,
                                   _duel_broadcast])  # fmt: skip
def test_dueling_rejects(wrong, capsys) -> None:
    assert not check_dueling_q(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_dueling_accepts_and_matches_the_keras_layer() -> None:
    from livedqn_edu.networks import DuelingCombine

    assert check_dueling_q(_duel_right)

    def with_layer(value, advantages):
        out = DuelingCombine()([value[:, None].astype("float32"), advantages.astype("float32")])
        return np.asarray(out, dtype=np.float64)

    assert check_dueling_q(with_layer)
