"""Tests of networks.candidate_scorer: shapes, masking, equivariance, and use inside DQNAgent."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livedqn_edu.dqn import DQNAgent, DQNConfig, td_targets
from livedqn_edu.networks import candidate_scorer
from livedqn_edu.replay import Batch

U, F, K = 5, 4, 6


@pytest.fixture(scope="module")
def net():
    return candidate_scorer(U, F, K, hidden=(16, 16), seed=3)


def _obs(rng: np.random.Generator, b: int, p_valid: float = 0.6) -> dict[str, np.ndarray]:
    mask = rng.random((b, K)) < p_valid
    mask[:, 0] |= ~mask.any(axis=1)  # at least one valid slot per row
    return {
        "user": rng.normal(size=(b, U)).astype(np.float32),
        "candidates": rng.normal(size=(b, K, F)).astype(np.float32),
        "mask": mask,
    }


def _q(net, obs: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(net(obs, training=False))


def test_shape_dtype_and_masked_slots_score_minus_inf(net) -> None:
    obs = _obs(np.random.default_rng(0), 7)
    q = _q(net, obs)
    assert q.shape == (7, K) and q.dtype == np.float32
    assert np.all(np.isneginf(q[~obs["mask"]]))
    assert np.all(np.isfinite(q[obs["mask"]]))


def test_a_slot_score_depends_only_on_the_viewer_and_its_own_candidate(net) -> None:
    rng = np.random.default_rng(1)
    obs = _obs(rng, 4, p_valid=1.0)
    q = _q(net, obs)
    # change every candidate but slot 2: slot 2's score must not move
    other = dict(obs, candidates=obs["candidates"].copy())
    other["candidates"][:, [0, 1, 3, 4, 5]] = rng.normal(size=(4, 5, F))
    assert np.allclose(_q(net, other)[:, 2], q[:, 2], atol=1e-6)
    # the same (viewer, candidate) pair in two slots gets the same score
    same = dict(obs, candidates=obs["candidates"].copy())
    same["candidates"][:, 4] = same["candidates"][:, 1]
    q_same = _q(net, same)
    assert np.allclose(q_same[:, 4], q_same[:, 1], atol=1e-6)
    # and the viewer matters: another context changes the scores
    assert not np.allclose(_q(net, dict(obs, user=obs["user"] + 1.0)), q)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_permuting_the_candidates_permutes_the_q_values(net, seed: int) -> None:
    rng = np.random.default_rng(seed)
    obs = _obs(rng, 3)
    perm = rng.permutation(K)
    shuffled = {
        "user": obs["user"],
        "candidates": obs["candidates"][:, perm],
        "mask": obs["mask"][:, perm],
    }
    q, q_perm = _q(net, obs), _q(net, shuffled)
    valid = obs["mask"][:, perm]
    assert np.allclose(q_perm[valid], q[:, perm][valid], atol=1e-5)
    assert np.all(np.isneginf(q_perm[~valid]))


def test_same_seed_same_weights_and_bad_sizes_are_clear_errors() -> None:
    a = candidate_scorer(U, F, K, hidden=(8,), seed=5)
    b = candidate_scorer(U, F, K, hidden=(8,), seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights(), strict=True))
    with pytest.raises(ValueError, match="n_candidates"):
        candidate_scorer(U, F, 0)
    with pytest.raises(ValueError, match="user_dim"):
        candidate_scorer(-1, F, K)


def test_agent_never_acts_on_a_masked_slot(net) -> None:
    agent = DQNAgent(net, DQNConfig(), seed=0)
    obs = _obs(np.random.default_rng(2), 200, p_valid=0.3)
    for i in range(200):
        one = {k: v[i] for k, v in obs.items()}
        for eps in (0.0, 1.0):
            assert one["mask"][agent.act(one, epsilon=eps)]
    with pytest.raises(ValueError, match="mask allows no action"):
        agent.act({**{k: v[0] for k, v in obs.items()}, "mask": np.zeros(K, bool)})


def _batch(rng: np.random.Generator, b: int) -> Batch:
    obs, next_obs = _obs(rng, b), _obs(rng, b, p_valid=0.4)
    next_obs["mask"][0] = False  # a final observation with no valid slot: must bootstrap 0
    actions = np.array([rng.choice(np.flatnonzero(m)) for m in obs["mask"]], dtype=np.int64)
    terminated = (np.arange(b) % 3 == 0).astype(np.float32)
    rewards = rng.normal(size=b).astype(np.float32)
    return Batch(obs, actions, rewards, next_obs, terminated, np.zeros(b, np.float32))


@pytest.mark.parametrize("double_dqn", [False, True])
def test_learn_bootstraps_only_from_valid_slots_and_stays_finite(double_dqn: bool) -> None:
    network = candidate_scorer(U, F, K, hidden=(16,), seed=0)
    cfg = DQNConfig(gamma=0.9, learning_rate=1e-3, huber_delta=None, double_dqn=double_dqn)
    agent = DQNAgent(network, cfg, seed=0)
    batch = _batch(np.random.default_rng(4), 32)
    # the first step's loss is computed before the update, with online == target weights:
    # y = r + 0.9 (1 - terminated) max over VALID next slots (0 where none), loss = mean(err^2)/2
    q = agent.q_values(batch.observations)
    q_taken = q[np.arange(32), batch.actions]
    next_q = agent.q_values(batch.next_observations)
    y = td_targets(batch.rewards, next_q, batch.terminated, 0.9, batch.next_observations["mask"])
    expected = float(np.mean(0.5 * (y - q_taken) ** 2))
    stats = agent.learn(batch)
    assert np.isfinite(expected)
    assert stats["td_loss"] == pytest.approx(expected, rel=1e-4)
    assert all(np.all(np.isfinite(w)) for w in agent.network.get_weights())
    # many fused steps later, still finite
    stacked = Batch(*(
        {k: np.stack([v[k]] * 8) for k in v} if isinstance(v, dict)
        else None if v is None else np.stack([v] * 8)
        for v in batch
    ))  # fmt: skip
    assert np.isfinite(agent.learn(stacked)["td_loss"])
    assert all(np.all(np.isfinite(w)) for w in agent.network.get_weights())


def test_agent_learns_to_prefer_the_rewarding_candidate_feature() -> None:
    """Reward 1 for a slot whose feature 0 is positive, else 0 (gamma 0): the agent learns it."""
    rng = np.random.default_rng(7)
    network = candidate_scorer(U, F, K, hidden=(16,), seed=1)
    cfg = DQNConfig(gamma=0.0, learning_rate=1e-2, batch_size=64)
    agent = DQNAgent(network, cfg, seed=1)
    obs = _obs(rng, 512, p_valid=0.7)
    actions = np.array([rng.choice(np.flatnonzero(m)) for m in obs["mask"]], dtype=np.int64)
    rewards = (obs["candidates"][np.arange(512), actions, 0] > 0).astype(np.float32)
    zeros = np.zeros(512, np.float32)
    for _ in range(5):
        idx = rng.integers(0, 512, size=(40, 64))
        agent.learn(Batch(
            {k: v[idx] for k, v in obs.items()}, actions[idx], rewards[idx],
            {k: v[idx] for k, v in obs.items()}, zeros[idx] + 1.0, zeros[idx],
        ))  # fmt: skip
    test = _obs(np.random.default_rng(8), 300, p_valid=1.0)
    picked = test["candidates"][
        np.arange(300), [agent.act({k: v[i] for k, v in test.items()}) for i in range(300)], 0
    ]
    has_positive = (test["candidates"][:, :, 0] > 0).any(axis=1)
    assert np.mean(picked[has_positive] > 0) > 0.9


def test_save_and_load_round_trip(tmp_path, net) -> None:
    agent = DQNAgent(net, dataclasses.replace(DQNConfig(), gamma=0.5), seed=0)
    obs = _obs(np.random.default_rng(9), 5)
    path = agent.save(tmp_path / "scorer.keras")
    loaded = DQNAgent.load(path)
    assert np.array_equal(loaded.q_values(obs), agent.q_values(obs))
    assert loaded.config.gamma == 0.5


def test_dueling_scorer_is_value_plus_centred_advantages_and_survives_a_round_trip(
    tmp_path,
) -> None:
    rng = np.random.default_rng(7)
    duel = candidate_scorer(U, F, K, hidden=(8,), seed=2, dueling=True)
    obs = _obs(rng, 5)
    q = _q(duel, obs)
    assert np.all(np.isneginf(q[~obs["mask"]])) and np.all(np.isfinite(q[obs["mask"]]))
    # the masked mean of Q over valid slots is the value head's output: V(user) alone
    value = np.asarray(duel.get_layer("value")(
        duel.get_layer("value_hidden_0")(obs["user"])))[:, 0]  # fmt: skip
    mean_q = np.array([q[i][obs["mask"][i]].mean() for i in range(5)])
    np.testing.assert_allclose(mean_q, value, rtol=1e-4, atol=1e-5)
    # shuffling the candidates shuffles the Q-values; an empty slot's features change nothing
    perm = rng.permutation(K)
    shuffled = {"user": obs["user"], "candidates": obs["candidates"][:, perm],
                "mask": obs["mask"][:, perm]}  # fmt: skip
    valid = shuffled["mask"]
    np.testing.assert_allclose(_q(duel, shuffled)[valid], q[:, perm][valid], atol=1e-5)
    noisy = dict(obs, candidates=obs["candidates"].copy())
    noisy["candidates"][~obs["mask"]] += 5.0
    np.testing.assert_allclose(_q(duel, noisy)[obs["mask"]], q[obs["mask"]], atol=1e-5)
    agent = DQNAgent(duel, DQNConfig(), seed=0)
    agent.save(tmp_path / "duel.keras")
    back = DQNAgent.load(tmp_path / "duel.keras", verify=False)
    np.testing.assert_allclose(back.q_values(obs)[obs["mask"]], q[obs["mask"]], atol=1e-6)
