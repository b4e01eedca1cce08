"""Tests of livedqn_edu.maxbias: the Double Q update by hand and example 6.7's bias, measured."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.maxbias import double_q_update, maximisation_bias_runs


def test_double_q_update_by_hand() -> None:
    q1 = np.array([[0.0, 0.0], [5.0, 1.0]])  # q1 picks action 0 in state 1
    q2 = np.array([[0.0, 0.0], [2.0, 9.0]])  # ... which q2 values at 2 (not its own max 9)
    assert double_q_update(q1, q2, 0, 1, 1.0, 1, False, 0.5, 1.0) == 1.5  # 0 + .5 * (1 + 2)
    assert double_q_update(q1, q2, 0, 1, 1.0, 1, True, 0.5, 1.0) == 0.5  # terminal: .5 * 1
    assert double_q_update(q2, q1, 0, 0, 0.0, 1, False, 1.0, 1.0) == 1.0  # q2 picks 1, q1: 1
    assert q1[0, 1] == 0.0 and q2[0, 0] == 0.0  # nothing modified


def test_example_6_7_q_learning_goes_left_double_q_much_less() -> None:
    out = maximisation_bias_runs(runs=2_000, episodes=100, seed=0)
    q, dq = out["q_learning"]["left"], out["double_q"]["left"]
    assert q.shape == dq.shape == (100,)
    # untrained, ties are broken at random: about half go left at episode 0
    assert abs(q[0] - 0.5) < 0.05 and abs(dq[0] - 0.5) < 0.05
    # Q-learning's max over 10 noisy estimates of -0.1 makes left look good for a while
    assert q[5:30].mean() > 0.7
    assert dq[5:30].mean() < q[5:30].mean() - 0.3
    # its estimate of Q(A, left) goes above 0 (the truth is -0.1); Double's stays near it
    assert out["q_learning"]["q_left"][5:30].max() > 0.05
    assert out["double_q"]["q_left"][5:30].max() < 0.03


def test_runs_are_reproducible_and_seed_dependent() -> None:
    a = maximisation_bias_runs(runs=50, episodes=20, seed=1)
    b = maximisation_bias_runs(runs=50, episodes=20, seed=1)
    c = maximisation_bias_runs(runs=50, episodes=20, seed=2)
    np.testing.assert_array_equal(a["double_q"]["left"], b["double_q"]["left"])
    assert not np.array_equal(a["q_learning"]["left"], c["q_learning"]["left"])


@pytest.mark.parametrize("n_b", [1, 3])
def test_the_bias_comes_from_the_max(n_b: int) -> None:
    # with ONE action in B the max has nothing to choose from: Q-learning is unbiased and goes
    # left about as rarely as Double Q-learning; with three, it goes left clearly more often
    out = maximisation_bias_runs(runs=2_000, episodes=60, n_b=n_b, seed=0)
    gap = out["q_learning"]["left"][10:].mean() - out["double_q"]["left"][10:].mean()
    assert gap < 0.12 if n_b == 1 else gap > 0.05
