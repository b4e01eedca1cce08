"""Tests for livedqn_edu.tabular: hand-computed updates, epsilon-greedy, train/evaluate loops."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livedqn_edu.tabular import (
    EpsilonSchedule,
    epsilon_greedy,
    evaluate_tabular,
    greedy_path,
    greedy_policy,
    optimal_return,
    q_learning_update,
    sarsa_update,
    train_tabular,
)

Q = np.array([[1.0, 2.0], [4.0, 6.0], [-5.0, -3.0]])


class OneStep(gym.Env):
    """One state, one action, reward 1; every episode ends after one step (terminated or cut)."""

    observation_space = gym.spaces.Discrete(1)
    action_space = gym.spaces.Discrete(1)

    def __init__(self, terminated: bool) -> None:
        self.terminated = terminated

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return 0, {}

    def step(self, action):
        return 0, 1.0, self.terminated, not self.terminated, {}


# ---------------------------------------------------------------- epsilon-greedy


def _freqs(q_values, epsilon, seed=0, n=20_000):
    rng = np.random.default_rng(seed)
    counts = np.bincount([epsilon_greedy(q_values, epsilon, rng) for _ in range(n)], minlength=4)
    return counts / n


def test_epsilon_zero_is_greedy() -> None:
    assert np.array_equal(_freqs(np.array([1.0, 5.0, 2.0, 0.0]), 0.0), [0, 1, 0, 0])


def test_epsilon_greedy_frequencies() -> None:
    # greedy: 1 - 0.2 + 0.2 / 4 = 0.85; each other action 0.2 / 4 = 0.05 (std err < 0.003)
    f = _freqs(np.array([1.0, 5.0, 2.0, 0.0]), 0.2)
    np.testing.assert_allclose(f, [0.05, 0.85, 0.05, 0.05], atol=0.012)
    # epsilon = 1: uniform, 1/4 each
    np.testing.assert_allclose(_freqs(np.array([1.0, 5.0, 2.0, 0.0]), 1.0), 0.25, atol=0.012)


def test_epsilon_greedy_breaks_ties_at_random() -> None:
    # tie between actions 1 and 2: half each; np.argmax would always give 1
    np.testing.assert_allclose(
        _freqs(np.array([0.0, 3.0, 3.0, 1.0]), 0.0), [0, 0.5, 0.5, 0], atol=0.015
    )
    # all equal (an untrained row): uniform
    np.testing.assert_allclose(_freqs(np.zeros(4), 0.0), 0.25, atol=0.012)


def test_epsilon_greedy_is_reproducible_and_returns_int() -> None:
    q = np.zeros(4)
    a = [epsilon_greedy(q, 0.5, np.random.default_rng(7)) for _ in range(3)]
    assert len(set(a)) == 1 and type(a[0]) is int


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-3, 3).map(float), min_size=1, max_size=6),
    st.floats(0.0, 1.0),
    st.integers(0, 2**31),
)
def test_epsilon_greedy_action_in_range_and_greedy_when_exploiting(values, eps, seed) -> None:
    q = np.array(values)
    a = epsilon_greedy(q, eps, np.random.default_rng(seed))
    assert 0 <= a < len(q)
    if eps == 0.0:
        assert q[a] == q.max()


@pytest.mark.parametrize("eps", [-0.1, 1.5, float("nan")])
def test_epsilon_out_of_range(eps) -> None:
    with pytest.raises(ValueError, match=r"epsilon must be in \[0, 1\], got"):
        epsilon_greedy(np.zeros(2), eps, np.random.default_rng(0))


# ---------------------------------------------------------------- updates


def test_q_learning_update_hand_computed() -> None:
    # target 1 + 0.9 * max(4, 6) = 6.4; new = 2 + 0.5 * (6.4 - 2) = 4.2
    assert q_learning_update(Q, 0, 1, 1.0, 1, False, 0.5, 0.9) == pytest.approx(4.2)
    # max over next actions, not q[s_next, a]: target 0 + 0.5 * 6 = 3; new = 1 + 1 * (3 - 1) = 3
    assert q_learning_update(Q, 0, 0, 0.0, 1, False, 1.0, 0.5) == pytest.approx(3.0)
    # negative values: target -1 + max(-5, -3) = -4; new = 6 + 0.25 * (-4 - 6) = 3.5
    assert q_learning_update(Q, 1, 1, -1.0, 2, False, 0.25, 1.0) == pytest.approx(3.5)


def test_q_learning_update_terminal_does_not_bootstrap() -> None:
    # terminated: target = r = 1; new = 2 + 0.5 * (1 - 2) = 1.5
    assert q_learning_update(Q, 0, 1, 1.0, 1, True, 0.5, 0.9) == pytest.approx(1.5)


def test_updates_are_pure() -> None:
    q = Q.copy()
    q_learning_update(q, 0, 1, 1.0, 1, False, 0.5, 0.9)
    sarsa_update(q, 0, 1, 1.0, 1, 0, False, 0.5, 0.9)
    assert np.array_equal(q, Q)


def test_sarsa_update_hand_computed() -> None:
    # target 1 + 0.9 * q[1, 0] = 1 + 3.6 = 4.6; new = 2 + 0.5 * (4.6 - 2) = 3.3 (Q-learning: 4.2)
    assert sarsa_update(Q, 0, 1, 1.0, 1, 0, False, 0.5, 0.9) == pytest.approx(3.3)
    # terminated: target = 2; new = 4 + 0.5 * (2 - 4) = 3
    assert sarsa_update(Q, 1, 0, 2.0, 2, 1, True, 0.5, 0.9) == pytest.approx(3.0)
    # target -1 + 1 * q[2, 0] = -6; new = 6 + 0.25 * (-6 - 6) = 3
    assert sarsa_update(Q, 1, 1, -1.0, 2, 0, False, 0.25, 1.0) == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"alpha": -0.1}, r"alpha \(the learning rate\) must be in \(0, 1\], got -0.1"),
        ({"alpha": 0.0}, r"alpha .* got 0.0"),
        ({"gamma": 1.5}, r"gamma must be in \[0, 1\], got 1.5"),
        ({"gamma": -0.01}, r"gamma must be in \[0, 1\], got -0.01"),
    ],
)
def test_update_bad_hyperparameters(kwargs, pattern) -> None:
    args = {"alpha": 0.5, "gamma": 0.9} | kwargs
    with pytest.raises(ValueError, match=pattern):
        q_learning_update(Q, 0, 0, 0.0, 1, False, **args)
    with pytest.raises(ValueError, match=pattern):
        sarsa_update(Q, 0, 0, 0.0, 1, 1, False, **args)


def test_epsilon_schedule() -> None:
    sched = EpsilonSchedule(start=1.0, end=0.1, decay_episodes=10)
    # episode 5: 1 + (5 / 10) * (0.1 - 1) = 0.55; held at 0.1 after episode 10
    assert [sched(0), sched(5), sched(10), sched(99)] == pytest.approx([1.0, 0.55, 0.1, 0.1])
    with pytest.raises(ValueError, match="end must be in"):
        EpsilonSchedule(end=1.2)


# ---------------------------------------------------------------- train


def test_train_truncation_bootstraps_but_termination_does_not() -> None:
    # alpha 0.5, gamma 0.9, reward 1 each one-step episode, q starts at 0.
    # episode 1: 0 + 0.5 * (1 + 0.9 * 0 - 0) = 0.5 in both cases.
    # episode 2, truncated: 0.5 + 0.5 * (1 + 0.9 * 0.5 - 0.5) = 0.975
    # episode 2, terminated: 0.5 + 0.5 * (1 - 0.5) = 0.75
    for terminated, expected in [(False, 0.975), (True, 0.75)]:
        for algorithm in ("q_learning", "sarsa"):
            h = train_tabular(OneStep(terminated), algorithm, 2, 0.5, 0.9, 0.0, progress=False)
            assert h["q"][0, 0] == pytest.approx(expected)
            assert list(h["charts/terminated"]) == [terminated, terminated]


def test_train_history_keys_shapes_and_td_error() -> None:
    h = train_tabular(OneStep(True), episodes=3, alpha=0.5, epsilon=0.0, progress=False)
    assert h["q"].shape == (1, 1)
    for key in ("charts/episodic_return", "charts/episode_length", "charts/epsilon"):
        assert h[key].shape == (3,)
    # TD errors: 1 - 0 = 1, then 1 - 0.5 = 0.5, then 1 - 0.75 = 0.25
    np.testing.assert_allclose(h["losses/td_error"], [1.0, 0.5, 0.25])
    np.testing.assert_array_equal(h["charts/episodic_return"], [1.0, 1.0, 1.0])


def test_train_is_reproducible_with_a_seed() -> None:
    env = gym.make("FrozenLake-v1")
    kw = {"episodes": 300, "epsilon": EpsilonSchedule(1.0, 0.1, 200), "progress": False}
    a, b = train_tabular(env, seed=0, **kw), train_tabular(env, seed=0, **kw)
    c = train_tabular(env, seed=1, **kw)
    assert np.array_equal(a["q"], b["q"])
    assert np.array_equal(a["charts/episode_length"], b["charts/episode_length"])
    assert not np.array_equal(a["q"], c["q"])
    assert a["charts/epsilon"][0] == 1.0 and a["charts/epsilon"][-1] == pytest.approx(0.1)


def test_train_rejects_non_discrete_env() -> None:
    with pytest.raises(ValueError, match=r"env.observation_space is Box"):
        train_tabular(gym.make("CartPole-v1"), episodes=1, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"alpha": -0.5}, r"alpha \(the learning rate\) must be in \(0, 1\], got -0.5"),
        ({"gamma": 2.0}, r"gamma must be in \[0, 1\], got 2.0"),
        ({"epsilon": 1.1}, r"epsilon must be in \[0, 1\], got 1.1"),
        ({"epsilon": lambda ep: -1.0}, r"epsilon must be in \[0, 1\], got -1.0"),
        ({"algorithm": "dqn"}, r"algorithm must be one of"),
        ({"episodes": 0}, r"episodes must be a positive integer, got 0"),
    ],
)
def test_train_bad_input(kwargs, pattern) -> None:
    with pytest.raises(ValueError, match=pattern):
        train_tabular(gym.make("FrozenLake-v1"), progress=False, **kwargs)


def test_cliff_walking_q_learning_optimal_sarsa_safe() -> None:
    # Sutton & Barto example 6.6 settings: alpha 0.5, epsilon 0.1, gamma 1, 500 episodes
    env = gym.make("CliffWalking-v1")
    kw = {"episodes": 500, "alpha": 0.5, "gamma": 1.0, "epsilon": 0.1, "progress": False}
    q_path = greedy_path(env, train_tabular(env, "q_learning", **kw)["q"])
    s_path = greedy_path(env, train_tabular(env, "sarsa", **kw)["q"])
    assert len(q_path) - 1 == 13
    assert len(s_path) - 1 > 13 and s_path[-1] == 47


@pytest.mark.slow
def test_frozen_lake_q_learning_reaches_070() -> None:
    env = gym.make("FrozenLake-v1")
    eps = EpsilonSchedule(1.0, 0.05, 10_000)
    h = train_tabular(env, episodes=20_000, alpha=0.05, gamma=0.99, epsilon=eps, progress=False)
    assert evaluate_tabular(env, h["q"], 1_000, seed=123)["success_rate"] >= 0.70


# ---------------------------------------------------------------- evaluate, policies, paths


def test_greedy_policy_ties_go_to_lowest_index() -> None:
    assert greedy_policy(np.array([[0.0, 0.0], [1.0, 3.0], [2.0, 2.0]])).tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="2-D"):
        greedy_policy(np.zeros(3))


def test_evaluate_known_policies_on_deterministic_frozen_lake() -> None:
    env = gym.make("FrozenLake-v1", is_slippery=False)
    # actions: 0 left, 1 down, 2 right, 3 up. Path 0 -> 4 -> 8 -> 9 -> 13 -> 14 -> 15 (6 steps)
    actions = np.zeros(16, dtype=int)
    actions[[0, 4, 9]] = 1
    actions[[8, 13, 14]] = 2
    for policy in (actions, np.eye(4)[actions], lambda s: int(actions[s])):
        res = evaluate_tabular(env, policy, episodes=5, seed=0)
        assert res["success_rate"] == 1.0 and res["mean_length"] == 6.0
        assert res["mean_return"] == 1.0
    # always left: stuck in the corner until the 100-step time limit, never terminal
    res = evaluate_tabular(env, np.zeros(16, dtype=int), episodes=3, seed=0)
    assert res["success_rate"] == 0.0 and res["terminated_rate"] == 0.0
    assert res["lengths"].tolist() == [100, 100, 100]


def test_evaluate_is_reproducible_and_validates_policy() -> None:
    env = gym.make("FrozenLake-v1")
    q = np.random.default_rng(0).random((16, 4))
    a = evaluate_tabular(env, q, episodes=50, seed=3)
    b = evaluate_tabular(env, q, episodes=50, seed=3)
    assert np.array_equal(a["returns"], b["returns"])
    assert np.array_equal(a["lengths"], b["lengths"])
    with pytest.raises(ValueError, match=r"shape \(16, 4\)"):
        evaluate_tabular(env, np.zeros((5, 4)), episodes=1)
    with pytest.raises(ValueError, match="integer action table"):
        evaluate_tabular(env, np.zeros(16), episodes=1)


def test_greedy_path_cliff_walking_optimal_path() -> None:
    env = gym.make("CliffWalking-v1")
    # actions: 0 up, 1 right, 2 down, 3 left. Up from the start (36), right along row 2 to 35,
    # down into the goal (47): 1 + 11 + 1 = 13 steps.
    actions = np.ones(48, dtype=int)
    actions[36], actions[35] = 0, 2
    path = greedy_path(env, actions)
    assert path[:3] == [36, 24, 25] and path[-1] == 47 and len(path) - 1 == 13


def test_optimal_return_from_the_model() -> None:
    det = gym.make("FrozenLake-v1", is_slippery=False)
    # the goal is 6 moves from the start (3 down, 3 right): unreachable in 5 steps, sure in 6
    assert optimal_return(det, horizon=5) == 0.0
    assert optimal_return(det, horizon=6) == 1.0
    # CliffWalking: -1 per step, shortest path 13 steps
    assert optimal_return(gym.make("CliffWalking-v1"), horizon=100) == pytest.approx(-13.0)
    # slippery 4x4 in its 100-step limit: the course quotes about 0.74
    assert 0.74 < optimal_return(gym.make("FrozenLake-v1")) < 0.75
    with pytest.raises(ValueError, match="Box"):
        optimal_return(gym.make("CartPole-v1"))
