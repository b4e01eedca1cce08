"""Tests for livedqn_edu.article: the source article's agent, kept faithful on purpose."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from livedqn_edu import article
from livedqn_edu.article import (
    ArticleAgent,
    article_epsilon,
    measure_speed,
    run_article_agent,
    training_calls_to_floor,
)


class ChainEnv(gym.Env):
    """A 4-dim observation, 2-action env whose episodes end after ``length`` steps.

    The ending is a truncation (time limit) when ``truncate`` is True, else a termination.
    """

    def __init__(self, length: int = 3, truncate: bool = True) -> None:
        self.observation_space = gym.spaces.Box(-10.0, 10.0, shape=(4,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.length = length
        self.truncate = truncate
        self.t = 0

    def reset(self, *, seed: int | None = None, options: Any = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(4, dtype=np.float32), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        self.t += 1
        end = self.t >= self.length
        obs = np.full(4, self.t, dtype=np.float32)
        return obs, 1.0, end and not self.truncate, end and self.truncate, {}


class Spy:
    """Replaces model.predict / model.fit: counts calls, returns fixed Q-values, records fits."""

    def __init__(self, q: tuple[float, float] = (1.0, 3.0)) -> None:
        self.q = q
        self.predicts = 0
        self.fits: list[tuple[np.ndarray, np.ndarray]] = []

    def predict(self, x: np.ndarray, verbose: int = 0) -> np.ndarray:
        assert x.shape == (1, 4)  # the article predicts one (1, state_size) sample per call
        self.predicts += 1
        return np.array([self.q], dtype=np.float32)

    def fit(self, x: np.ndarray, y: np.ndarray, epochs: int = 1, verbose: int = 0) -> None:
        self.fits.append((x.copy(), y.copy()))


@pytest.fixture(scope="module")
def agent() -> ArticleAgent:
    return ArticleAgent(4, 2, seed=0)


def spied(seed: int = 0) -> tuple[ArticleAgent, Spy]:
    a = ArticleAgent(4, 2, seed=seed)
    spy = Spy()
    a.model.predict = spy.predict
    a.model.fit = spy.fit
    return a, spy


def test_network_is_24_24_linear_with_mse_and_adam(agent: ArticleAgent) -> None:
    dense = agent.model.layers
    assert [layer.units for layer in dense] == [24, 24, 2]
    assert [layer.activation.__name__ for layer in dense] == ["relu", "relu", "linear"]
    assert agent.model.input_shape == (None, 4)
    assert agent.model.loss == "mse"
    assert type(agent.model.optimizer).__name__ == "Adam"
    assert float(agent.model.optimizer.learning_rate) == pytest.approx(1e-3)
    assert agent.gamma == 0.95
    # parameters: 4*24+24 + 24*24+24 + 24*2+2 = 120 + 600 + 50 = 770
    assert agent.model.count_params() == 770


def test_numpy_int_action_size_is_accepted() -> None:
    a = ArticleAgent(np.int64(4), np.int64(2), seed=1)
    assert a.model.layers[-1].units == 2


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "2"])
def test_bad_sizes_raise_naming_the_argument(bad: Any) -> None:
    with pytest.raises(ValueError, match="action_size"):
        ArticleAgent(4, bad)


def test_epsilon_schedule_by_hand() -> None:
    assert article_epsilon(0) == 1.0
    assert article_epsilon(1) == pytest.approx(0.995)
    assert article_epsilon(2) == pytest.approx(0.990025)  # 0.995 * 0.995
    # 0.995**918 = exp(918 * ln 0.995) = exp(918 * -0.00501254) = exp(-4.60151) = 0.010037
    assert article_epsilon(918) == pytest.approx(0.010037, abs=1e-6)
    assert article_epsilon(919) == 0.01  # 0.995**919 = 0.009986 < 0.01: floored
    assert article_epsilon(5000) == 0.01
    # ln(0.01) / ln(0.995) = -4.60517 / -0.00501254 = 918.73 -> 919 calls
    assert training_calls_to_floor() == 919
    assert training_calls_to_floor(decay=0.5, floor=0.25) == 2  # 1 -> 0.5 -> 0.25
    with pytest.raises(ValueError, match="training_calls"):
        article_epsilon(-1)
    with pytest.raises(ValueError, match="decay"):
        training_calls_to_floor(decay=1.0)


def test_epsilon_decays_once_per_training_call_and_floors() -> None:
    a, spy = spied()
    for i in range(5):
        a.remember(np.zeros((1, 4)), i % 2, 1.0, np.ones((1, 4)), False)
    a.replay(3)  # three samples, still one decay
    assert a.epsilon == pytest.approx(0.995)
    a.replay(1)
    assert a.epsilon == pytest.approx(0.990025)
    assert a.training_calls == 2 and a.updates == 4
    a.epsilon = 0.01004
    a.replay(1)  # 0.01004 * 0.995 = 0.00998980 -> floored at 0.01
    assert a.epsilon == 0.01
    a.replay(1)
    assert a.epsilon == 0.01


def test_memory_is_an_unbounded_list_in_order() -> None:
    a, _ = spied()
    assert isinstance(a.memory, list)
    for i in range(5000):
        a.remember(np.full((1, 4), i), 0, float(i), np.full((1, 4), i + 1), False)
    assert len(a.memory) == 5000  # never truncated (the article keeps every transition)
    assert a.memory[0][2] == 0.0 and a.memory[-1][2] == 4999.0


def test_replay_targets_one_predict_pair_and_one_fit_per_sample() -> None:
    a, spy = spied()  # predict always returns Q = [1.0, 3.0]
    a.remember(np.zeros((1, 4)), 1, 1.0, np.ones((1, 4)), False)
    a.replay(4)  # the same transition four times: drawn with replacement from one
    assert spy.predicts == 8 and len(spy.fits) == 4
    x, y = spy.fits[0]
    # target = 1 + 0.95 * max(1, 3) = 3.85 replaces Q(s, a=1); Q(s, 0) stays 1.0
    np.testing.assert_allclose(y, [[1.0, 3.85]], rtol=1e-6)
    np.testing.assert_array_equal(x, np.zeros((1, 4)))

    b, spy_b = spied()
    b.remember(np.zeros((1, 4)), 0, -1.0, np.ones((1, 4)), True)
    b.replay(1)
    # done: target = reward = -1, no bootstrap; still one predict for the target (unused)
    np.testing.assert_allclose(spy_b.fits[0][1], [[-1.0, 3.0]])
    assert spy_b.predicts == 2


def test_minibatch_is_drawn_with_replacement() -> None:
    a, spy = spied()
    for i in range(3):
        a.remember(np.full((1, 4), i), 0, 0.0, np.zeros((1, 4)), False)
    a.replay(32)  # 32 draws from 3 transitions: only possible with replacement
    seen = [int(x[0, 0]) for x, _ in spy.fits]
    assert len(seen) == 32 and set(seen) <= {0, 1, 2} and len(set(seen)) == 3


def test_replay_on_empty_memory_is_a_clear_error() -> None:
    a, _ = spied()
    with pytest.raises(ValueError, match="remember"):
        a.replay(32)


def test_run_merges_truncation_into_done_and_counts_calls() -> None:
    a, spy = spied()
    a.epsilon = 1.0
    out = run_article_agent(ChainEnv(3, truncate=True), max_env_steps=35, progress=False, agent=a)
    dones = [t[4] for t in a.memory]
    # episodes of 3 steps ending by truncation: every third transition is marked done
    assert dones[:6] == [False, False, True, False, False, True]
    assert out["episode_returns"][:2] == [3.0, 3.0]
    # memory > 32 first after env step 33: training calls at steps 33, 34, 35
    assert out["training_calls"] == 3 and out["updates"] == 3 * 32 == len(spy.fits)
    greedy_acts = spy.predicts - 3 * 64  # the rest are act() predictions when not exploring
    assert 0 <= greedy_acts <= 2
    assert out["env_steps"] == 35
    assert out["epsilon"] == pytest.approx(0.995**3)


def test_run_marks_termination_done_too() -> None:
    a, _ = spied()
    run_article_agent(ChainEnv(2, truncate=False), max_env_steps=4, progress=False, agent=a)
    assert [t[4] for t in a.memory] == [False, True, False, True]


def test_greedy_action_uses_one_predict() -> None:
    a, spy = spied()
    a.epsilon = 0.0
    assert a.act(np.zeros((1, 4))) == 1  # argmax of [1.0, 3.0]
    assert spy.predicts == 1


def test_real_model_learns_from_fit(agent: ArticleAgent) -> None:
    before = [w.copy() for w in agent.model.get_weights()]
    agent.remember(np.ones((1, 4)), 0, 1.0, np.ones((1, 4)), True)
    agent.replay(2)
    after = agent.model.get_weights()
    assert agent.updates >= 2
    assert any(not np.allclose(b, c) for b, c in zip(before, after, strict=True))


def test_same_seed_same_weights() -> None:
    w1 = ArticleAgent(4, 2, seed=3).model.get_weights()
    w2 = ArticleAgent(4, 2, seed=3).model.get_weights()
    w3 = ArticleAgent(4, 2, seed=4).model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2, strict=True))
    assert not np.array_equal(w1[0], w3[0])


def test_run_needs_a_budget_and_a_discrete_env() -> None:
    with pytest.raises(ValueError, match="max_env_steps"):
        run_article_agent(ChainEnv())
    with pytest.raises(TypeError, match="Discrete"):
        run_article_agent(gym.make("Pendulum-v1"), max_env_steps=1)


def test_measure_speed_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(article, "BATCH_SIZE", 2)  # cheap replay calls for this test
    out = measure_speed(0.05)
    assert set(out) == {"env_steps", "updates", "seconds", "env_steps_per_s", "updates_per_s"}
    assert out["env_steps"] >= 1 and out["seconds"] >= 0.05
    assert out["updates"] == 2 * out["env_steps"]  # one training call of 2 fits per step
    assert out["env_steps_per_s"] == pytest.approx(out["env_steps"] / out["seconds"])
    assert out["updates_per_s"] == pytest.approx(out["updates"] / out["seconds"])
    with pytest.raises(ValueError, match="seconds"):
        measure_speed(0)
