"""Tests for livedqn_edu.article: the article's agent and loop, as printed and patched to run."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

from livedqn_edu.article import (
    DQN,
    PATCHED,
    article_epsilon,
    article_loop,
    measure_speed,
    run_article,
    training_calls_to_floor,
)

# the article's Dense(24, input_dim=...) draws this Keras 3 warning; it is expected here
pytestmark = pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`/`input_dim`")


class Spy:
    """Stands in for the Keras model: fixed Q-values, counts predicts, records fits."""

    def __init__(self, q: tuple[float, float] = (1.0, 3.0)) -> None:
        self.q = q
        self.predicts = 0
        self.fits: list[tuple[np.ndarray, np.ndarray]] = []

    def predict(self, x: np.ndarray, **kwargs: Any) -> np.ndarray:
        assert x.shape == (1, 4)  # the article predicts one (1, state_size) sample per call
        self.predicts += 1
        return np.array([self.q], dtype=np.float32)

    def fit(self, x: np.ndarray, y: np.ndarray, epochs: int = 1, verbose: int = 0) -> None:
        assert epochs == 1 and verbose == 0
        self.fits.append((x.copy(), y.copy()))


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> list[Spy]:
    """Every DQN built from now on gets a Spy model; the list holds them in order."""
    made: list[Spy] = []

    def build(self: DQN) -> Spy:
        made.append(Spy())
        return made[-1]

    monkeypatch.setattr(DQN, "build_model", build)
    return made


def transition(i: float, action: int = 1, reward: float = 1.0, done: bool = False) -> tuple:
    return (np.full((1, 4), i), action, reward, np.full((1, 4), i + 1), done)


# --- the class, as the article writes it ------------------------------------------------------
def test_constants_are_the_articles() -> None:
    agent = DQN(4, 2, fixes=PATCHED)
    assert agent.memory == [] and isinstance(agent.memory, list)
    assert (agent.gamma, agent.epsilon, agent.epsilon_min, agent.epsilon_decay) == (
        0.95,
        1.0,
        0.01,
        0.995,
    )
    assert agent.batch_size == 32 and agent.learning_rate == 0.001
    assert inspect.signature(DQN.train).parameters["batch_size"].default == 32
    assert inspect.signature(DQN.__init__).parameters["learning_rate"].default == 0.001
    layers = agent.model.layers
    assert [layer.units for layer in layers] == [24, 24, 2]
    assert [layer.activation.__name__ for layer in layers] == ["relu", "relu", "linear"]
    assert agent.model.loss == "mse" and type(agent.model.optimizer).__name__ == "Adam"
    assert float(agent.model.optimizer.learning_rate) == pytest.approx(1e-3)
    # 4*24+24 + 24*24+24 + 24*2+2 = 120 + 600 + 50 = 770 parameters
    assert agent.model.count_params() == 770


def test_methods_keep_the_articles_names_and_order() -> None:
    names = [n for n in vars(DQN) if not n.startswith("_")]
    assert names == ["build_model", "act", "train"]
    assert "remember" not in dir(DQN) and "replay" not in dir(DQN)


def test_as_printed_the_model_stops_at_units_then_lr() -> None:
    with pytest.raises(ValueError, match="units"):
        DQN(4, np.int64(2))  # what gymnasium's Discrete.n is
    with pytest.raises(ValueError, match="lr"):
        DQN(4, 2)  # a Python int gets past Dense, then Adam(lr=...) fails
    assert DQN(4, np.int64(2), fixes={"units", "lr"}).model.layers[-1].units == 2


@pytest.mark.parametrize("bad", [{"replay"}, "gym", ["lr", "nope"]])
def test_unknown_fixes_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError, match="fixes"):
        DQN(4, 2, fixes=bad)


def test_train_as_printed_cannot_sample_the_list(spied: list[Spy]) -> None:
    agent = DQN(4, 2)
    agent.memory += [transition(i) for i in range(40)]
    with pytest.raises(ValueError, match="inhomogeneous"):
        agent.train()
    assert agent.epsilon == 1.0 and not spied[0].fits


def test_train_fits_each_sample_with_its_target(spied: list[Spy]) -> None:
    agent = DQN(4, 2, fixes={"choice"})
    spy = spied[0]  # predict always returns Q = [1.0, 3.0]
    agent.memory.append(transition(0.0, action=1, reward=1.0))
    agent.train()  # 32 draws (with replacement) of the one transition
    assert len(spy.fits) == 32 and spy.predicts == 64
    x, y = spy.fits[0]
    # target = 1 + 0.95 * max(1, 3) = 3.85 replaces Q(s, a=1); Q(s, 0) stays the prediction
    np.testing.assert_allclose(y, [[1.0, 3.85]], rtol=1e-6)
    np.testing.assert_array_equal(x, np.zeros((1, 4)))

    other = DQN(4, 2, fixes={"choice"})
    other.memory.append(transition(0.0, action=0, reward=-1.0, done=True))
    other.train(batch_size=1)
    # done: target = reward = -1, no predict of the next state
    np.testing.assert_allclose(spied[1].fits[0][1], [[-1.0, 3.0]])
    assert spied[1].predicts == 1


def test_train_samples_the_whole_memory(spied: list[Spy]) -> None:
    np.random.seed(0)  # noqa: NPY002  (the article draws from the global generator)
    agent = DQN(4, 2, fixes={"choice"})
    agent.memory += [transition(i) for i in range(3)]
    agent.train()
    seen = {int(x[0, 0]) for x, _ in spied[0].fits}
    assert seen == {0, 1, 2}


def test_epsilon_decays_once_per_call_and_ends_just_below_the_floor(spied: list[Spy]) -> None:
    agent = DQN(4, 2, fixes={"choice"})
    agent.memory.append(transition(0.0))
    agent.train(batch_size=3)  # three samples, one decay
    assert agent.epsilon == pytest.approx(0.995)
    agent.epsilon = 0.01004
    agent.train(batch_size=1)  # 0.01004 > 0.01: decays to 0.01004 * 0.995 = 0.0099898
    assert agent.epsilon == pytest.approx(0.0099898)
    agent.train(batch_size=1)  # now below the floor: the article stops decaying
    assert agent.epsilon == pytest.approx(0.0099898)


def test_act_is_random_at_epsilon_one_and_greedy_at_zero(spied: list[Spy]) -> None:
    agent = DQN(4, 2, fixes=PATCHED)
    assert agent.act(np.zeros((1, 4))) in (0, 1) and spied[0].predicts == 0
    agent.epsilon = 0.0
    assert agent.act(np.zeros((1, 4))) == 1  # argmax of [1.0, 3.0]
    assert spied[0].predicts == 1


def test_epsilon_schedule_by_hand() -> None:
    assert article_epsilon(0) == 1.0
    assert article_epsilon(2) == pytest.approx(0.990025)  # 0.995 * 0.995
    # 0.995**918 = exp(918 * ln 0.995) = exp(-4.60151) = 0.010037 > 0.01: one more decay
    assert article_epsilon(918) == pytest.approx(0.010037, abs=1e-6)
    # 0.995**919 = 0.009986 <= 0.01: the last decay, and it stays there
    assert article_epsilon(919) == pytest.approx(0.009986, abs=1e-6)
    assert article_epsilon(5000) == article_epsilon(919)
    assert training_calls_to_floor() == 919  # ceil(ln 0.01 / ln 0.995) = ceil(918.73)
    assert training_calls_to_floor(decay=0.5, floor=0.25) == 2  # 1 -> 0.5 -> 0.25
    with pytest.raises(ValueError, match="training_calls"):
        article_epsilon(-1)
    with pytest.raises(ValueError, match="decay"):
        training_calls_to_floor(decay=1.0)
    # one definition: the schedule's defaults are the agent's own constants
    defaults = inspect.signature(article_epsilon).parameters
    src = inspect.getsource(DQN.__init__)
    for name, attr in [("start", "epsilon"), ("decay", "epsilon_decay"), ("floor", "epsilon_min")]:
        assert f"self.{attr} = {defaults[name].default}" in src


# --- the loop ---------------------------------------------------------------------------------
def test_loop_stores_transitions_and_trains_after_32(spied: list[Spy]) -> None:
    lines: list[str] = []
    loop = article_loop(PATCHED, seed=0, log=lines.append)
    steps = [next(loop) for _ in range(60)]
    loop.close()
    agent = steps[0].agent
    assert [p.transitions for p in steps] == list(range(1, 61))
    state, action, reward, next_state, done = agent.memory[0]
    assert state.shape == next_state.shape == (1, 4) and reward == 1.0
    # training calls: after every step that is not an episode's end, once memory holds > 32
    calls = sum(1 for p in steps[:-1] if not p.done and p.transitions > 32)
    assert len(spied[0].fits) == 32 * calls and calls > 0
    # the article prints `time`, the 0-based step index: the episode length minus one
    ends = [p for p in steps if p.done]
    assert ends and len(lines) == len(ends)
    assert lines[0] == f"episode: 0/2000, score: {ends[0].time}, e: {1.0}"
    assert ends[0].time == ends[0].transitions - 1  # the first episode lasted time + 1 steps


def test_same_seed_same_run(spied: list[Spy]) -> None:
    def actions(seed: int) -> list[int]:
        loop = article_loop(PATCHED, seed=seed, log=lambda _: None)
        out = [int(next(loop).agent.memory[-1][1]) for _ in range(40)]
        loop.close()
        return out

    assert actions(3) == actions(3)
    assert actions(3) != actions(4)


def test_run_article_counts_calls_and_times_steps(spied: list[Spy]) -> None:
    run = run_article(env_steps=50, seed=1)
    assert run["env_steps"] == 50 and run["step_seconds"].shape == (50,)
    assert run["updates"] == 32 * run["training_calls"] == len(spied[0].fits)
    assert run["seconds"] == pytest.approx(run["step_seconds"].sum())
    with pytest.raises(ValueError, match="budget"):
        run_article()


def test_measure_speed_starts_after_the_first_training_call(spied: list[Spy]) -> None:
    out = measure_speed(env_steps=5)
    assert out["env_steps"] == 5
    # warm-up made one training call (32 fits); the timed part made the rest
    assert len(spied[0].fits) == 32 + out["updates"] == 32 * (1 + out["training_calls"])
    assert out["env_steps_per_s"] == pytest.approx(5 / out["seconds"])
    assert out["median_step_seconds"] > 0
    with pytest.raises(ValueError, match="positive"):
        measure_speed(seconds=0)


def test_measure_speed_with_a_time_budget_as_the_benchmark_calls_it(spied: list[Spy]) -> None:
    out = measure_speed(0.05, 0)  # benchmarks/cartpole.py: measure_speed(seconds, seed)
    assert out["env_steps"] >= 1 and out["seconds"] >= 0.05
    assert out["updates"] == 32 * out["training_calls"]
