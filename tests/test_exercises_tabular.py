"""Tests for the lesson-01 checkers: they reject the stub and plausible mistakes, accept answers."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from livedqn_edu.exercises import (
    check_discounted_return,
    check_epsilon_greedy,
    check_q_learning_update,
    check_sarsa_update,
    check_taxi_q_table,
)
from livedqn_edu.tabular import (
    EpsilonSchedule,
    epsilon_greedy,
    q_learning_update,
    sarsa_update,
    train_tabular,
)


def _stub(*args):
    raise NotImplementedError("write it")


# ---------------------------------------------------------------- discounted return


def _return_right(rewards, gamma):
    g = 0.0
    for r in reversed(rewards):
        g = r + gamma * g
    return g


def _return_discounts_first(rewards, gamma):
    # multiplies the first reward by gamma too (gamma**(t + 1))
    return sum(gamma ** (t + 1) * r for t, r in enumerate(rewards))


def _return_reversed(rewards, gamma):
    # discounts from the end of the episode instead of the start
    return sum(gamma**t * r for t, r in enumerate(reversed(rewards)))


@pytest.mark.parametrize("wrong", [_stub, _return_discounts_first, _return_reversed, sum])
def test_discounted_return_rejects(wrong, capsys) -> None:
    if wrong is sum:
        wrong = lambda rewards, gamma: sum(rewards)  # noqa: E731  (ignores gamma)
    assert not check_discounted_return(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_discounted_return_accepts(capsys) -> None:
    assert check_discounted_return(_return_right)
    assert "[PASS]" in capsys.readouterr().out


def test_discounted_return_names_the_mistake(capsys) -> None:
    check_discounted_return(_return_discounts_first)
    assert "gamma**0 = 1" in capsys.readouterr().out


# ---------------------------------------------------------------- epsilon-greedy


def _eg_argmax(q_values, epsilon, rng):
    # no random tie-breaking: np.argmax always takes the first maximum
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    return int(np.argmax(q_values))


def _eg_excludes_greedy(q_values, epsilon, rng):
    # explores only among the NON-greedy actions
    best = np.flatnonzero(q_values == q_values.max())
    if rng.random() < epsilon:
        others = [a for a in range(len(q_values)) if a not in best]
        return int(rng.choice(others)) if others else int(rng.choice(best))
    return int(rng.choice(best))


def _eg_inverted(q_values, epsilon, rng):
    # explores with probability 1 - epsilon
    if rng.random() > epsilon:
        return int(rng.integers(len(q_values)))
    return int(rng.choice(np.flatnonzero(q_values == q_values.max())))


def _eg_returns_value(q_values, epsilon, rng):
    # returns the best VALUE, not the action index
    return float(q_values.max())


def _eg_right(q_values, epsilon, rng):
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    return int(rng.choice(np.flatnonzero(q_values == q_values.max())))


@pytest.mark.parametrize(
    "wrong", [_stub, _eg_argmax, _eg_excludes_greedy, _eg_inverted, _eg_returns_value]
)
def test_epsilon_greedy_checker_rejects(wrong, capsys) -> None:
    assert not check_epsilon_greedy(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_epsilon_greedy_checker_names_tie_mistake(capsys) -> None:
    check_epsilon_greedy(_eg_argmax)
    assert "break ties at random" in capsys.readouterr().out


@pytest.mark.parametrize("right", [_eg_right, epsilon_greedy])
def test_epsilon_greedy_checker_accepts(right, capsys) -> None:
    assert check_epsilon_greedy(right)
    assert "[PASS]" in capsys.readouterr().out


# ---------------------------------------------------------------- Q-learning update


def _ql_right(q, s, a, r, s_next, terminated, alpha, gamma):
    target = r if terminated else r + gamma * np.max(q[s_next])
    return q[s, a] + alpha * (target - q[s, a])


def _ql_ignores_terminal(q, s, a, r, s_next, terminated, alpha, gamma):
    # bootstraps past the end of the episode
    return q[s, a] + alpha * (r + gamma * np.max(q[s_next]) - q[s, a])


def _ql_same_action(q, s, a, r, s_next, terminated, alpha, gamma):
    # bootstraps from q[s_next, a] instead of the max
    target = r if terminated else r + gamma * q[s_next, a]
    return q[s, a] + alpha * (target - q[s, a])


def _ql_alpha_misplaced(q, s, a, r, s_next, terminated, alpha, gamma):
    # (1 - alpha) q + alpha r + gamma max: forgets to scale the future term by alpha
    future = 0.0 if terminated else gamma * np.max(q[s_next])
    return (1 - alpha) * q[s, a] + alpha * r + future


def _ql_abs_max(q, s, a, r, s_next, terminated, alpha, gamma):
    # max of absolute values (wrong with negative Q-values)
    target = r if terminated else r + gamma * np.max(np.abs(q[s_next]))
    return q[s, a] + alpha * (target - q[s, a])


def _ql_returns_table(q, s, a, r, s_next, terminated, alpha, gamma):
    # updates in place and returns the whole table
    q[s, a] = _ql_right(q, s, a, r, s_next, terminated, alpha, gamma)
    return q


@pytest.mark.parametrize(
    "wrong",
    [
        _stub,
        _ql_ignores_terminal,
        _ql_same_action,
        _ql_alpha_misplaced,
        _ql_abs_max,
        _ql_returns_table,
    ],
)
def test_q_learning_checker_rejects(wrong, capsys) -> None:
    assert not check_q_learning_update(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_q_learning_checker_names_terminal_mistake(capsys) -> None:
    check_q_learning_update(_ql_ignores_terminal)
    assert "must not bootstrap past the end of an episode" in capsys.readouterr().out


@pytest.mark.parametrize("right", [_ql_right, q_learning_update])
def test_q_learning_checker_accepts(right, capsys) -> None:
    assert check_q_learning_update(right)
    assert "[PASS]" in capsys.readouterr().out


# ---------------------------------------------------------------- SARSA update


def _sarsa_right(q, s, a, r, s_next, a_next, terminated, alpha, gamma):
    target = r if terminated else r + gamma * q[s_next, a_next]
    return q[s, a] + alpha * (target - q[s, a])


def _sarsa_uses_max(q, s, a, r, s_next, a_next, terminated, alpha, gamma):
    # this is Q-learning, not SARSA
    target = r if terminated else r + gamma * np.max(q[s_next])
    return q[s, a] + alpha * (target - q[s, a])


def _sarsa_ignores_terminal(q, s, a, r, s_next, a_next, terminated, alpha, gamma):
    return q[s, a] + alpha * (r + gamma * q[s_next, a_next] - q[s, a])


def _sarsa_wrong_index(q, s, a, r, s_next, a_next, terminated, alpha, gamma):
    # uses the current action in the next state
    target = r if terminated else r + gamma * q[s_next, a]
    return q[s, a] + alpha * (target - q[s, a])


@pytest.mark.parametrize(
    "wrong", [_stub, _sarsa_uses_max, _sarsa_ignores_terminal, _sarsa_wrong_index]
)
def test_sarsa_checker_rejects(wrong, capsys) -> None:
    assert not check_sarsa_update(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_sarsa_checker_names_max_mistake(capsys) -> None:
    check_sarsa_update(_sarsa_uses_max)
    assert "not from max(q[s_next]) (that is Q-learning)" in capsys.readouterr().out


@pytest.mark.parametrize("right", [_sarsa_right, sarsa_update])
def test_sarsa_checker_accepts(right, capsys) -> None:
    assert check_sarsa_update(right)
    assert "[PASS]" in capsys.readouterr().out


# ---------------------------------------------------------------- Taxi self-check


def test_taxi_checker_rejects_wrong_shape_and_undertrained_tables(capsys) -> None:
    assert not check_taxi_q_table(np.zeros((16, 4)), episodes=50)  # a FrozenLake table
    assert "has shape (500, 6)" in capsys.readouterr().out
    assert not check_taxi_q_table(
        np.zeros((500, 6)), episodes=50
    )  # untrained: always action 0 (south)
    # too short a training run (300 episodes): many states never visited
    short = train_tabular(gym.make("Taxi-v4"), episodes=300, alpha=0.5, progress=False)
    assert not check_taxi_q_table(short["q"], episodes=50)
    assert "train longer" in capsys.readouterr().out


def test_taxi_checker_accepts_the_lesson_settings(capsys) -> None:
    eps = EpsilonSchedule(start=1.0, end=0.01, decay_episodes=1_500)
    run = train_tabular(gym.make("Taxi-v4"), episodes=3_000, alpha=0.5, epsilon=eps, progress=False)
    assert check_taxi_q_table(run["q"])
    assert "[PASS]" in capsys.readouterr().out
