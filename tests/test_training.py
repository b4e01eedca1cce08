"""Tests of livedqn_edu.training: the loop's history, evaluation, checkpoints, errors."""

from __future__ import annotations

import importlib.util
import json

import gymnasium as gym
import numpy as np
import pytest

from livedqn_edu.dqn import DQNAgent, DQNConfig
from livedqn_edu.networks import mlp_q_network
from livedqn_edu.training import (
    check_compatible,
    evaluate,
    make_cartpole_agent,
    reproduce_cartpole_checkpoint,
    train,
)

SMALL = DQNConfig(learning_starts=100, train_freq=50, gradient_steps=10, exploration_steps=300)


def _agent(config: DQNConfig = SMALL) -> DQNAgent:
    return DQNAgent(mlp_q_network(4, 2, (16,), seed=0), config, seed=0)


def test_history_has_prefixed_series_of_equal_length(tmp_path) -> None:
    hist = train(
        gym.make("CartPole-v1"),
        _agent(),
        600,
        eval_every=300,
        eval_episodes=2,
        checkpoint_path=tmp_path / "best.keras",
        progress=False,
    )
    for group, keys in {
        "charts": ["episodic_return", "episode_length", "epsilon"],
        "losses": ["td_loss", "q_values", "grad_norm"],
        "eval": ["mean_return", "std_return", "train_seconds"],
    }.items():
        steps = hist[f"{group}/step"]
        assert steps == sorted(steps) and len(steps) > 0
        for key in keys:
            assert len(hist[f"{group}/{key}"]) == len(steps), f"{group}/{key}"
    assert hist["eval/step"] == [300, 600]
    assert hist["losses/step"] == list(range(150, 601, 50))  # step > 100 and step % 50 == 0
    # episode lengths add up to the env steps of the finished episodes
    assert sum(hist["charts/episode_length"]) == hist["charts/step"][-1]
    assert hist["charts/episodic_return"] == hist["charts/episode_length"]  # CartPole: +1/step
    # epsilon decays linearly: 1 - 0.96 * step / 300 until step 300, then 0.04
    eps, steps = np.array(hist["charts/epsilon"]), np.array(hist["charts/step"])
    late = steps > 300
    np.testing.assert_allclose(eps[late], 0.04)
    np.testing.assert_allclose(eps[steps <= 100], 1.0)  # warm-up (learning_starts): random play
    middle = (steps > 100) & (steps <= 300)
    np.testing.assert_allclose(eps[middle], 1 - 0.96 * steps[middle] / 300)
    assert (tmp_path / "best.keras").is_file() and (tmp_path / "best.json").is_file()


def test_tensorboard_log_dir(tmp_path) -> None:
    env, agent, tb = gym.make("CartPole-v1"), _agent(), tmp_path / "tb"
    if importlib.util.find_spec("tensorboard") is None:
        with pytest.raises(ImportError, match="needs the tensorboard package"):
            train(env, agent, 200, eval_every=0, log_dir=tb, progress=False)
    else:
        train(env, agent, 200, eval_every=0, log_dir=tb, progress=False)
        assert any(tb.iterdir())  # a TensorBoard event file


def test_early_stop_at_target_return() -> None:
    hist = train(
        gym.make("CartPole-v1"),
        _agent(),
        5_000,
        eval_every=200,
        eval_episodes=1,
        target_return=0.0,
        progress=False,
    )
    assert hist["eval/step"] == [200]  # any return >= 0: stops at the first evaluation


def test_evaluate_is_deterministic_and_accepts_a_policy() -> None:
    env = gym.make("CartPole-v1")
    agent = _agent()
    a, b = evaluate(env, agent, episodes=3, seed=5), evaluate(env, agent, episodes=3, seed=5)
    np.testing.assert_array_equal(a, b)
    always_left = evaluate(env, lambda obs: 0, episodes=4)
    assert always_left.shape == (4,) and np.all(always_left < 20)  # falls within a few steps


def test_incompatible_env_and_agent_are_clear_errors() -> None:
    with pytest.raises(TypeError, match="Discrete action space"):
        check_compatible(gym.make("Pendulum-v1"), _agent())
    with pytest.raises(ValueError, match="network expects"):
        train(gym.make("CartPole-v1"), DQNAgent(mlp_q_network(3, 2)), 10, progress=False)
    with pytest.raises(ValueError, match="n_actions=2"):
        check_compatible(gym.make("CartPole-v1"), DQNAgent(mlp_q_network(4, 3)))


def test_reproduce_checkpoint_writes_and_records_only_inside_data(tmp_path, monkeypatch) -> None:
    # a stand-in train() that "solves" at once, to test the writing and error logic quickly
    import livedqn_edu.training as training

    def fake_train(env, agent, steps, **kw):  # noqa: ANN001, ANN202
        kw["on_eval"](2_000, 500.0)
        return {}

    monkeypatch.setattr(training, "train", fake_train)
    monkeypatch.setattr(training, "evaluate", lambda *a, **k: np.full(100, 480.0))
    from livedqn_edu.manifest import manifest_path

    before = manifest_path().read_bytes()
    path = reproduce_cartpole_checkpoint(seed=3, out_dir=tmp_path)
    assert manifest_path().read_bytes() == before  # outside data/: the manifest is untouched
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["seed"] == 3 and meta["eval_mean_return_100"] == 480.0
    assert meta["hidden"] == [128, 128]
    # inside the data folder (LIVEDQN_DATA), both files are recorded in its manifest
    monkeypatch.setenv("LIVEDQN_DATA", str(tmp_path / "data"))
    reproduce_cartpole_checkpoint(seed=3)
    entries = json.loads((tmp_path / "data" / "MANIFEST.json").read_text())
    assert set(entries) == {"checkpoints/cartpole_dqn.keras", "checkpoints/cartpole_dqn.json"}
    assert entries["checkpoints/cartpole_dqn.keras"]["eval_mean_return_100"] == 480.0
    assert entries["checkpoints/cartpole_dqn.keras"]["seed"] == 3
    monkeypatch.setattr(training, "evaluate", lambda *a, **k: np.full(100, 300.0))
    with pytest.raises(RuntimeError, match="no evaluation reached a 100-episode mean of 475"):
        reproduce_cartpole_checkpoint(seed=3, out_dir=tmp_path / "other")


@pytest.mark.slow
def test_cartpole_is_solved_within_50k_steps() -> None:
    env, agent = make_cartpole_agent(seed=0)
    hist = train(env, agent, 50_000, seed=0, target_return=475, progress=False)
    assert hist["eval/mean_return"][-1] >= 475, hist["eval/mean_return"]


def test_shipped_checkpoint_loads_and_balances() -> None:
    from livedqn_edu.manifest import data_dir, verify

    path = data_dir() / "checkpoints" / "cartpole_dqn.keras"
    if not path.is_file():
        pytest.skip("no shipped checkpoint yet: run `livedqn-edu train cartpole`")
    agent = DQNAgent.load(path)
    assert agent.metadata["eval_mean_return_100"] >= 475
    assert not [p for p in verify() if "cartpole_dqn" in p]
    assert evaluate(gym.make("CartPole-v1"), agent, episodes=2).mean() >= 475


def test_epsilon_schedule_replaces_the_linear_decay_after_the_warm_up() -> None:
    seen: list[int] = []

    def half(step: int) -> float:
        seen.append(step)
        return 0.5

    hist = train(gym.make("CartPole-v1"), _agent(), 400, eval_every=0, progress=False,
                 epsilon_schedule=half)  # fmt: skip
    assert seen == list(range(1, 401))  # asked once per env step, from step 1
    eps, steps = np.array(hist["charts/epsilon"]), np.array(hist["charts/step"])
    np.testing.assert_allclose(eps[steps <= 100], 1.0)  # learning_starts: random play first
    np.testing.assert_allclose(eps[steps > 100], 0.5)
