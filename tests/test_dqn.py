"""Tests of livedqn_edu.dqn: target maths, the agent's learning step, masks, checkpoints."""

from __future__ import annotations

import dataclasses

import gymnasium as gym
import keras
import numpy as np
import pytest

from livedqn_edu.dqn import DQNAgent, DQNConfig, double_dqn_targets, linear_epsilon, td_targets
from livedqn_edu.networks import mlp_q_network
from livedqn_edu.replay import Batch, ReplayBuffer
from livedqn_edu.training import evaluate, train

REWARDS = np.array([1.0, 2.0, 0.5])
NEXT_Q = np.array([[1.0, 3.0], [2.0, 0.0], [5.0, 4.0]])
TERMINATED = np.array([0.0, 1.0, 0.0])  # row 1 ended for real; row 2 was truncated (time limit)


def test_td_targets_hand_computed_terminal_and_truncated() -> None:
    # row 0: 1 + 0.9 * max(1, 3) = 3.7
    # row 1: terminated, no bootstrap: 2.0
    # row 2: truncated only, still bootstraps: 0.5 + 0.9 * max(5, 4) = 5.0
    np.testing.assert_allclose(td_targets(REWARDS, NEXT_Q, TERMINATED, 0.9), [3.7, 2.0, 5.0])
    # gamma = 0: the target is the reward alone
    np.testing.assert_allclose(td_targets(REWARDS, NEXT_Q, TERMINATED, 0.0), REWARDS)


def test_td_targets_max_only_over_valid_next_actions() -> None:
    mask = np.array([[True, False], [True, True], [False, True]])
    # row 0: only action 0 valid: 1 + 0.9 * 1 = 1.9; row 2: only action 1: 0.5 + 0.9 * 4 = 4.1
    np.testing.assert_allclose(td_targets(REWARDS, NEXT_Q, TERMINATED, 0.9, mask), [1.9, 2.0, 4.1])
    # a next state with no valid action bootstraps 0: 1 + 0.9 * 0 = 1.0
    none = np.array([[False, False], [True, True], [True, True]])
    assert td_targets(REWARDS, NEXT_Q, TERMINATED, 0.9, none)[0] == pytest.approx(1.0)


def test_double_dqn_targets_hand_computed() -> None:
    online = np.array([[3.0, 1.0], [0.0, 2.0], [1.0, 2.0]])  # argmax: 0, 1, 1
    # row 0: target Q at action 0 = 1: 1 + 0.9 * 1 = 1.9 (plain DQN would take max = 3)
    # row 1: terminated: 2.0
    # row 2 (truncated): target Q at action 1 = 4: 0.5 + 0.9 * 4 = 4.1
    got = double_dqn_targets(REWARDS, online, NEXT_Q, TERMINATED, 0.9)
    np.testing.assert_allclose(got, [1.9, 2.0, 4.1])
    # with a mask forbidding action 0 in row 0, online picks action 1: 1 + 0.9 * 3 = 3.7
    mask = np.array([[False, True], [True, True], [True, True]])
    assert double_dqn_targets(REWARDS, online, NEXT_Q, TERMINATED, 0.9, mask)[0] == pytest.approx(
        3.7
    )


def test_linear_epsilon() -> None:
    assert linear_epsilon(0, 1.0, 0.1, 1_000) == 1.0
    assert linear_epsilon(500, 1.0, 0.1, 1_000) == pytest.approx(0.55)  # 1 - 0.9 * 0.5
    assert linear_epsilon(5_000, 1.0, 0.1, 1_000) == pytest.approx(0.1)
    assert linear_epsilon(3, 1.0, 0.1, 0) == pytest.approx(0.1)


def test_config_errors_name_the_field() -> None:
    with pytest.raises(ValueError, match=r"DQNConfig.gamma must be in \[0, 1\].*got 1.5"):
        DQNConfig(gamma=1.5)
    with pytest.raises(ValueError, match="DQNConfig.tau"):
        DQNConfig(tau=0.0)
    with pytest.raises(ValueError, match=r"unknown DQNConfig fields \['lr'\]"):
        DQNConfig.from_dict({"lr": 0.1})


def _batch(rng: np.random.Generator, g: int = 4, b: int = 16, obs_dim: int = 4) -> Batch:
    obs = rng.normal(size=(g, b, obs_dim)).astype(np.float32)
    return Batch(
        obs,
        rng.integers(0, 2, (g, b)),
        rng.normal(size=(g, b)).astype(np.float32),
        obs + 0.1,
        (rng.random((g, b)) < 0.1).astype(np.float32),
        np.zeros((g, b)),
    )


def test_graph_targets_match_the_pure_functions() -> None:
    rng = np.random.default_rng(0)
    for double in (False, True):
        agent = DQNAgent(mlp_q_network(4, 2, (8,), seed=0), DQNConfig(double_dqn=double))
        agent.learn(_batch(rng))  # make online and target networks differ
        nxt = rng.normal(size=(5, 4)).astype(np.float32)
        r, d = np.arange(5, dtype=np.float32), np.array([0, 1, 0, 0, 1], np.float32)
        q_target = np.asarray(agent.target_network(nxt))
        if double:
            want = double_dqn_targets(r, agent.q_values(nxt), q_target, d, agent.config.gamma)
        else:
            want = td_targets(r, q_target, d, agent.config.gamma)
        got = r + agent.config.gamma * (1 - d) * np.asarray(agent._bootstrap(nxt))
        np.testing.assert_allclose(got, want, rtol=1e-5)


def test_hard_target_sync_every_interval_and_soft_sync() -> None:
    cfg = DQNConfig(target_update_interval=4)
    agent = DQNAgent(mlp_q_network(4, 2, (8,), seed=0), cfg)
    rng = np.random.default_rng(0)
    agent.learn(_batch(rng, g=3))  # 3 steps: no sync yet
    assert not np.allclose(agent.target_network.get_weights()[0], agent.network.get_weights()[0])
    agent.learn(_batch(rng, g=1))  # 4th step: hard copy
    for t, o in zip(agent.target_network.get_weights(), agent.network.get_weights(), strict=True):
        np.testing.assert_array_equal(t, o)
    soft = DQNAgent(
        mlp_q_network(4, 2, (8,), seed=0), DQNConfig(target_update_interval=1, tau=0.25)
    )
    before = soft.target_network.get_weights()[0]
    soft.learn(_batch(rng, g=1))
    # target <- target + 0.25 * (online - target)
    want = before + 0.25 * (soft.network.get_weights()[0] - before)
    np.testing.assert_allclose(soft.target_network.get_weights()[0], want, atol=1e-6)


def test_compiled_and_eager_learning_give_the_same_numbers() -> None:
    stats = []
    for compiled in (True, False):
        agent = DQNAgent(mlp_q_network(4, 2, (8,), seed=0), DQNConfig(use_tf_function=compiled))
        stats.append(agent.learn(_batch(np.random.default_rng(5))))
    for key in ("td_loss", "q_values", "grad_norm"):
        assert stats[0][key] == pytest.approx(stats[1][key], rel=1e-5)


def test_elapsed_time_discounts_by_gamma_to_its_power() -> None:
    """A semi-MDP batch (elapsed 2 periods, gamma 0.5) learns exactly as gamma 0.25 per step."""
    batch = _batch(np.random.default_rng(7))
    stats, weights = [], []
    for gamma, elapsed in ((0.5, np.full_like(batch.rewards, 2.0)), (0.25, None), (0.5, None)):
        agent = DQNAgent(mlp_q_network(4, 2, (8,), seed=0), DQNConfig(gamma=gamma))
        agent.learn(batch._replace(elapsed=elapsed))
        agent.sync_target()
        agent.learn(batch._replace(elapsed=elapsed))  # now the bootstrap term is not zero
        stats.append(agent.learn(batch._replace(elapsed=elapsed)))
        weights.append(agent.network.get_weights()[0])
    np.testing.assert_allclose(weights[0], weights[1], rtol=1e-5)
    assert stats[0]["td_loss"] == pytest.approx(stats[1]["td_loss"], rel=1e-5)
    assert not np.allclose(weights[0], weights[2])  # elapsed really changed the target
    agent = DQNAgent(mlp_q_network(4, 2, (8,), seed=0), DQNConfig())
    for bad in (np.full_like(batch.rewards, np.nan), -(batch.rewards**2) - 1, np.ones(3)):
        with pytest.raises(ValueError, match="batch.elapsed must hold one finite duration"):
            agent.learn(batch._replace(elapsed=bad))


def _dict_agent(double: bool = False) -> DQNAgent:
    """A network on {"x": (3,)} whose Q-values are [0, 0, 1000] whatever x: action 2 is best."""
    inp = {"x": keras.Input((3,), name="x")}
    dense = keras.layers.Dense(3, kernel_initializer="zeros", bias_initializer="zeros")
    net = keras.Model(inp, dense(inp["x"]))
    dense.bias.assign(np.array([0.0, 0.0, 1000.0], np.float32))
    return DQNAgent(net, DQNConfig(double_dqn=double), seed=0)


def test_masked_actions_are_never_chosen() -> None:
    agent = _dict_agent()
    obs = {"x": np.zeros(3, np.float32), "mask": np.array([True, True, False])}
    assert agent.act({**obs, "mask": np.ones(3, bool)}, 0.0) == 2
    chosen = {agent.act(obs, eps) for eps in (0.0, 0.5, 1.0) for _ in range(200)}
    assert chosen == {0, 1}
    with pytest.raises(ValueError, match="mask allows no action"):
        agent.act({**obs, "mask": np.zeros(3, bool)}, 0.0)


@pytest.mark.parametrize("double", [False, True])
def test_masked_actions_are_never_bootstrapped(double: bool) -> None:
    agent = _dict_agent(double)
    nxt = {"x": np.zeros((2, 3), np.float32), "mask": np.array([[True, True, False]] * 2)}
    np.testing.assert_allclose(np.asarray(agent._bootstrap(nxt)), [0.0, 0.0])  # not 1000
    # and through learn(): targets are r + 0.99 * 0, so Q(s, a) for a in {0, 1} moves toward r = 1
    buf = ReplayBuffer(10, {"x": np.zeros(3), "mask": np.ones(3, bool)})
    o = {"x": np.zeros(3), "mask": np.array([True, True, False])}
    buf.add(o, 0, 1.0, o, terminated=False, truncated=False)
    stats = agent.learn(buf.sample(1, np.random.default_rng(0), n_batches=1))
    assert stats["td_loss"] == pytest.approx(0.5)  # Huber(1 - 0) = 0.5 * 1^2; 1000 would give ~990


@pytest.mark.parametrize("dueling", [False, True])
def test_save_load_round_trip_gives_identical_q_values(tmp_path, dueling: bool) -> None:
    cfg = DQNConfig(gamma=0.95, double_dqn=True)
    agent = DQNAgent(mlp_q_network(4, 2, (8,), dueling=dueling, seed=0), cfg, seed=3)
    agent.learn(_batch(np.random.default_rng(0)))
    path = agent.save(tmp_path / "ck" / "agent.keras", score=123.0)
    loaded = DQNAgent.load(path)
    x = np.random.default_rng(1).normal(size=(6, 4)).astype(np.float32)
    np.testing.assert_array_equal(loaded.q_values(x), agent.q_values(x))
    assert loaded.config == cfg and loaded.seed == 3 and loaded.metadata["score"] == 123.0
    assert sorted(p.name for p in path.parent.iterdir()) == ["agent.json", "agent.keras"]


def test_missing_or_corrupt_checkpoint_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no checkpoint file at"):
        DQNAgent.load(tmp_path / "nothing.keras")
    agent = DQNAgent(mlp_q_network(4, 2, (8,)), DQNConfig())
    path = agent.save(tmp_path / "a.keras")
    path.write_bytes(path.read_bytes()[:100])  # truncated
    with pytest.raises(ValueError, match="not a readable Keras checkpoint"):
        DQNAgent.load(path)


def test_bad_observation_shape_is_a_clear_error() -> None:
    agent = DQNAgent(mlp_q_network(4, 2, (8,)), DQNConfig())
    with pytest.raises(ValueError, match=r"shape \(3,\).*network expects \(4,\)"):
        agent.act(np.zeros(3), 0.0)
    with pytest.raises(ValueError, match=r"shape \(3,\).*network expects \(4,\)"):
        agent.act(np.zeros(3), 1.0)  # even when the action is random
    with pytest.raises(ValueError, match=r"shape \(5,\).*network expects \(4,\)"):
        agent.learn(_batch(np.random.default_rng(0), obs_dim=5))


def test_nan_or_infinite_loss_stops_with_likely_causes() -> None:
    agent = DQNAgent(mlp_q_network(4, 2, (8,)), DQNConfig(huber_delta=None))
    huge = _batch(np.random.default_rng(0))._replace(rewards=np.full((4, 16), 3e38, np.float32))
    with pytest.raises(FloatingPointError, match="learning rate.*reward"):
        agent.learn(huge)
    nan = huge._replace(rewards=np.full((4, 16), np.nan, np.float32))
    with pytest.raises(ValueError, match="NaN or infinite rewards"):
        agent.learn(nan)


class ChainEnv(gym.Env):
    """States 0..4 on a line, start at 0; action 1 moves right, 0 left; reward 1 on reaching 4."""

    def __init__(self, n: int = 5) -> None:
        self.n = n
        self.observation_space = gym.spaces.Box(0.0, 1.0, (n,), np.float32)
        self.action_space = gym.spaces.Discrete(2)

    def _obs(self) -> np.ndarray:
        return np.eye(self.n, dtype=np.float32)[self.pos]

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.pos, self.t = 0, 0
        return self._obs(), {}

    def step(self, action: int):
        self.pos = min(max(self.pos + (1 if action == 1 else -1), 0), self.n - 1)
        self.t += 1
        done = self.pos == self.n - 1
        return self._obs(), float(done), done, self.t >= 20 and not done, {}


def _chain_config(**kw) -> DQNConfig:
    return DQNConfig(
        learning_rate=3e-3,
        batch_size=32,
        learning_starts=100,
        train_freq=50,
        gradient_steps=25,
        target_update_interval=50,
        exploration_steps=500,
        **kw,
    )


def test_learns_a_tiny_chain_within_seconds() -> None:
    env = ChainEnv()
    agent = DQNAgent(mlp_q_network(5, 2, (32,), seed=0), _chain_config(gamma=0.9), seed=0)
    train(env, agent, 2_000, seed=0, eval_every=0, progress=False)
    q = agent.q_values(np.eye(5, dtype=np.float32)[:4])
    assert np.all(q[:, 1] > q[:, 0]), q  # right is better in every non-final state
    # Q(s, right) ~ 0.9^(3 - s): 0.729, 0.81, 0.9, 1.0
    np.testing.assert_allclose(q[:, 1], [0.729, 0.81, 0.9, 1.0], atol=0.1)
    np.testing.assert_array_equal(evaluate(env, agent, episodes=3), [1.0, 1.0, 1.0])


def test_same_seed_gives_identical_numbers_over_1000_steps() -> None:
    runs = []
    for _ in range(2):
        agent = DQNAgent(mlp_q_network(4, 2, (16, 16), seed=7), _chain_config(), seed=7)
        hist = train(gym.make("CartPole-v1"), agent, 1_000, seed=7, eval_every=0, progress=False)
        runs.append((hist, agent.network.get_weights()))
    (h0, w0), (h1, w1) = runs
    assert len(h0["losses/td_loss"]) == 18  # learning calls at steps 150, 200, ..., 1000
    assert h0 == h1
    for a, b in zip(w0, w1, strict=True):
        np.testing.assert_array_equal(a, b)


def test_agent_rejects_a_non_keras_network() -> None:
    with pytest.raises(TypeError, match="network must be a keras.Model"):
        DQNAgent(lambda x: x, DQNConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="config must be a DQNConfig"):
        DQNAgent(mlp_q_network(4, 2), dataclasses.asdict(DQNConfig()))  # type: ignore[arg-type]


def test_acting_follows_weight_changes_after_refresh() -> None:
    agent = DQNAgent(mlp_q_network(4, 2, (8,), seed=0), DQNConfig())
    x = np.ones((1, 4), np.float32)
    weights = agent.network.get_weights()
    weights[-1] = np.array([5.0, -5.0], np.float32)  # output bias: action 0 is far better
    weights[-2] = np.zeros_like(weights[-2])
    agent.network.set_weights(weights)
    agent.refresh()
    assert agent.act(x[0], 0.0) == 0
    np.testing.assert_allclose(agent.q_values(x), np.asarray(agent.network(x)), atol=1e-6)


def test_sync_ceiling_hand_computed() -> None:
    from livedqn_edu.dqn import sync_ceiling

    # k syncs done: r_max * (1 + gamma + ... + gamma**k); the first phase (k = 0) reaches r_max
    assert sync_ceiling(0, 0.99) == 1.0 and sync_ceiling(1, 0.99) == pytest.approx(1.99)
    assert sync_ceiling(2, 0.5, r_max=2.0) == pytest.approx(3.5)  # 2 * (1 + 0.5 + 0.25)
    assert sync_ceiling(3, 1.0) == 4.0
    np.testing.assert_allclose(sync_ceiling(np.array([0, 1]), 0.9), [1.0, 1.9])
    assert sync_ceiling(5_000, 0.99) == pytest.approx(100.0)


def test_learn_reports_the_largest_q_on_the_batch() -> None:
    inp = keras.Input((4,))
    dense = keras.layers.Dense(2, kernel_initializer="zeros")
    agent = DQNAgent(keras.Model(inp, dense(inp)), DQNConfig(learning_rate=1e-9))
    dense.bias.assign(np.array([3.0, 7.0], np.float32))  # Q = (3, 7) for every state
    agent.target_network.set_weights(agent.network.get_weights())
    stats = agent.learn(_batch(np.random.default_rng(0)))
    assert stats["q_max"] == pytest.approx(7.0, abs=1e-3)
    assert stats["q_values"] <= stats["q_max"]
