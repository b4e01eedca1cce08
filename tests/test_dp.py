"""Tests of livedqn_edu.dp: the model as arrays, the backup by hand, value iteration, evaluation."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from livedqn_edu.dp import (
    bellman_backup,
    optimal_return,
    policy_evaluation,
    tabular_model,
    value_iteration,
)


def test_frozen_lake_model() -> None:
    m = tabular_model(gym.make("FrozenLake-v1"))
    np.testing.assert_allclose(m.P.sum(axis=2), 1.0)
    assert np.flatnonzero(m.terminal).tolist() == [5, 7, 11, 12, 15]  # 4 holes + the goal
    # from 14, pushing right: 1/3 each to the goal 15, up to 10, or down into the edge (stays 14)
    np.testing.assert_allclose(m.P[14, 2, [10, 14, 15]], [1 / 3, 1 / 3, 1 / 3])
    assert m.R[14, 2] == pytest.approx(1 / 3)  # the goal pays 1, reached 1/3 of the time
    assert m.start[0] == 1.0


def test_taxi_and_cliff_models_load() -> None:
    taxi = tabular_model(gym.make("Taxi-v4"))
    assert taxi.P.shape == (500, 6, 500) and taxi.terminal.sum() == 4
    cliff = tabular_model(gym.make("CliffWalking-v1"))
    assert np.flatnonzero(cliff.terminal).tolist() == [47]
    assert cliff.R[36, 1] == -100.0  # right from the start: into the cliff


def test_backup_by_hand() -> None:
    # 2 states, 1 action: from 0, half to 0 and half to 1 (terminal); reward 1
    P = np.array([[[0.5, 0.5]], [[0.0, 1.0]]])
    q = bellman_backup(P, np.array([[1.0], [0.0]]), np.array([False, True]), np.array([4, 9]), 0.5)
    # 1 + 0.5 * (0.5 * 4 + 0.5 * 0) = 2; the terminal state's 9 is ignored
    np.testing.assert_allclose(q, [[2.0], [0.0]])


def test_value_iteration_two_state_chain() -> None:
    # state 0: action 0 stays (reward 0), action 1 moves to terminal 1 with reward 1
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0
    from livedqn_edu.dp import TabularModel

    m = TabularModel(P, np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([False, True]), np.ones(2))
    out = value_iteration(m, gamma=0.9)
    # V(0) = max(0 + 0.9 V(0), 1) = 1: leave at once
    np.testing.assert_allclose(out["v"], [1.0, 0.0], atol=1e-9)
    assert out["policy"][0] == 1 and out["sweeps"] <= 3
    np.testing.assert_allclose(policy_evaluation(m, np.array([1, 0]), 0.9), [1.0, 0.0])
    # staying forever is worth 0
    np.testing.assert_allclose(policy_evaluation(m, np.array([0, 0]), 0.9), [0.0, 0.0])


def test_frozen_lake_optimum_and_its_policy() -> None:
    env = gym.make("FrozenLake-v1")
    m = tabular_model(env)
    out = value_iteration(m, gamma=0.99)
    assert out["v"][0] == pytest.approx(0.542, abs=1e-3)
    # the values of the greedy policy are the optimal values
    np.testing.assert_allclose(policy_evaluation(m, out["policy"], 0.99), out["v"], atol=1e-8)
    # undiscounted, no time limit: the best success probability from the start is 14/17
    assert value_iteration(m, 1.0, tol=1e-13)["v"][0] == pytest.approx(14 / 17, abs=1e-6)
    # at state 6 both holes are beside it: left and right risk one 1/3 of the time, up and down 2/3
    holes = [5, 7, 11, 12]
    np.testing.assert_allclose(m.P[6][:, holes].sum(axis=1), [1 / 3, 2 / 3, 1 / 3, 2 / 3])


def test_optimal_return_from_the_model() -> None:
    det = gym.make("FrozenLake-v1", is_slippery=False)
    assert optimal_return(det, horizon=5) == 0.0 and optimal_return(det, horizon=6) == 1.0
    assert optimal_return(gym.make("CliffWalking-v1"), horizon=100) == pytest.approx(-13.0)
    assert 0.74 < optimal_return(gym.make("FrozenLake-v1")) < 0.75
    assert optimal_return(gym.make("Taxi-v4")) == pytest.approx(7.93, abs=0.005)
    with pytest.raises(ValueError, match="Box"):
        optimal_return(gym.make("CartPole-v1"))


def test_model_errors() -> None:
    with pytest.raises(ValueError, match="gamma"):
        value_iteration(tabular_model(gym.make("FrozenLake-v1")), 1.5)
    with pytest.raises(ValueError, match="int array of shape"):
        policy_evaluation(tabular_model(gym.make("FrozenLake-v1")), np.zeros(3, int), 0.9)
