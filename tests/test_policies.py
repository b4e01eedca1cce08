"""Tests of the recommender policies (livedqn_edu/recsys/policies.py and oracles.py)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livedqn_edu.envs.features import feature_spec
from livedqn_edu.envs.world import World, WorldConfig
from livedqn_edu.recsys.oracles import LookaheadOracle, MyopicOracle
from livedqn_edu.recsys.policies import (
    AgentPolicy,
    EpsilonMix,
    FollowedFirst,
    LinUCB,
    MostViewers,
    Random,
    feature,
    masked_argmax,
    policy_probabilities,
)

NC = 8  # categories
NAMES = feature_spec(NC).names("candidates")


def make_obs(mask: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """A synthetic batched observation shaped like the world's (U = 16, F = 14)."""
    rng = np.random.default_rng(seed)
    n, k = mask.shape
    cands = rng.random((n, k, len(NAMES))).astype(np.float32)
    cands[..., NAMES.index("followed")] = rng.random((n, k)) < 0.3
    cands[~mask] = 0.0
    return {
        "user": rng.random((n, NC + 8)).astype(np.float32),
        "candidates": cands,
        "mask": mask,
        "room_ids": np.where(mask, rng.integers(0, 600, (n, k)), -1),
    }


class FakeAgent:
    """Q-values from a fixed table: the masked slots get the HIGHEST values (a trap)."""

    def q_values(self, obs: dict[str, np.ndarray]) -> np.ndarray:
        return np.where(obs["mask"], 0.0, 100.0) + np.arange(obs["mask"].shape[1])[None, :]


POLICIES = {
    "random": lambda: Random(seed=1),
    "most_viewers": MostViewers,
    "followed_first": FollowedFirst,
    "linucb": lambda: LinUCB(alpha=1.0),
    "epsilon_mix": lambda: EpsilonMix(MostViewers(), 0.5, seed=2),
    "agent": lambda: AgentPolicy(FakeAgent()),
}


@st.composite
def masks(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(1, 12))
    k = draw(st.integers(1, 10))
    bits = draw(st.lists(st.booleans(), min_size=n * k, max_size=n * k))
    mask = np.array(bits, dtype=bool).reshape(n, k)
    # force some rows with exactly one valid slot
    single = draw(st.integers(0, n - 1))
    mask[single] = False
    mask[single, draw(st.integers(0, k - 1))] = True
    return mask


@pytest.mark.parametrize("name", sorted(POLICIES))
@settings(max_examples=40, deadline=None)
@given(mask=masks(), seed=st.integers(0, 1000))
def test_every_policy_returns_a_valid_unmasked_slot(name: str, mask: np.ndarray, seed: int):
    policy = POLICIES[name]()
    obs = make_obs(mask, seed)
    actions = policy(obs)
    assert actions.shape == (mask.shape[0],) and actions.dtype == np.int64
    assert ((actions >= 0) & (actions < mask.shape[1])).all()
    has_any = mask.any(axis=1)
    assert mask[np.arange(mask.shape[0]), actions][has_any].all()
    probs = policy_probabilities(policy, obs)
    assert np.allclose(probs.sum(axis=1)[has_any], 1.0)
    assert (probs[~mask] == 0).all()


def test_masked_argmax_ignores_masked_and_nan() -> None:
    scores = np.array([[5.0, 1.0, np.nan], [np.nan, 2.0, 3.0], [1.0, 1.0, 1.0]])
    mask = np.array([[False, True, True], [True, False, False], [False, False, False]])
    # row 0: slot 0 is masked (5 ignored), slot 2 NaN counts as worst -> slot 1
    # row 1: only slot 0 valid (its NaN is still a valid slot); row 2: no valid slot -> 0
    assert masked_argmax(scores, mask).tolist() == [1, 0, 0]


def test_followed_first_order_followed_then_past_minutes_then_audience() -> None:
    mask = np.ones((3, 3), dtype=bool)
    obs = make_obs(mask)
    c = obs["candidates"]
    c[..., NAMES.index("followed")] = 0
    c[..., NAMES.index("log_past_minutes")] = 0
    c[..., NAMES.index("log_audience")] = [0.1, 0.2, 0.3]
    c[0, 0, NAMES.index("followed")] = 1  # row 0: followed beats a bigger audience
    c[1, 1, NAMES.index("log_past_minutes")] = 0.5  # row 1: watched before beats audience
    c[1, 2, NAMES.index("log_past_minutes")] = 0.4
    # row 2: nothing followed or watched -> most viewers (slot 2)
    assert FollowedFirst()(obs).tolist() == [0, 1, 2]
    assert MostViewers()(obs).tolist() == [2, 2, 2]


def test_feature_rejects_unknown_name() -> None:
    obs = make_obs(np.ones((1, 2), dtype=bool))
    with pytest.raises(ValueError, match="'audience'.*|one of"):
        feature(obs, "audience")


def test_bad_observation_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="obs must be the world's observation dict"):
        MostViewers()(np.zeros((2, 3)))


def test_linucb_update_matches_hand_computed_example() -> None:
    # one candidate feature, so x = [1, f] and d = 2; lam = 1
    obs = {
        "user": np.zeros((2, NC + 8), np.float32),
        "candidates": np.array([[[2.0], [0.0]], [[0.0], [2.0]]], dtype=np.float32),
        "mask": np.ones((2, 2), dtype=bool),
    }
    lin = LinUCB(alpha=1.0, lam=1.0)
    # row 0 shows slot 0 (f = 2) with reward 1; row 1 shows slot 0 (f = 0) with reward 0
    lin.update(obs, np.array([0, 0]), np.array([1.0, 0.0]))
    # A = I + [1,2][1,2]^T + [1,0][1,0]^T = [[1+1+1, 2], [2, 1+4]] = [[3, 2], [2, 5]]
    np.testing.assert_allclose(lin.A, [[3.0, 2.0], [2.0, 5.0]])
    # b = 1 * [1, 2] + 0 * [1, 0] = [1, 2]
    np.testing.assert_allclose(lin.b, [1.0, 2.0])
    # det A = 15 - 4 = 11, A^-1 = [[5, -2], [-2, 3]] / 11, theta = A^-1 b = [1, 4] / 11
    np.testing.assert_allclose(lin.theta, [1 / 11, 4 / 11])
    scores = lin.scores(obs)
    # x = [1, 2]: mean (1 + 8)/11 = 9/11; x^T A^-1 x = (5 - 8 + 12)/11 = 9/11 -> bonus 3/sqrt(11)
    # x = [1, 0]: mean 1/11; x^T A^-1 x = 5/11 -> bonus sqrt(5/11)
    np.testing.assert_allclose(scores[0], [9 / 11 + 3 / np.sqrt(11), 1 / 11 + np.sqrt(5 / 11)])
    # alpha = 0 is the ridge prediction alone
    lin.alpha = 0.0
    np.testing.assert_allclose(lin.scores(obs)[1], [1 / 11, 9 / 11])


def test_linucb_skips_masked_actions_and_resets_to_warm_start() -> None:
    obs = make_obs(np.array([[True, True], [False, False]]))
    lin = LinUCB().fit(obs, np.array([1, 0]), np.array([2.0, 100.0]))
    a_fit = lin.A.copy()
    # only row 0 counts: A = I + x x^T, trace = d + |x|^2
    x = LinUCB.features(obs["candidates"][0, 1])
    np.testing.assert_allclose(np.trace(lin.A), len(x) + x @ x, rtol=1e-6)
    lin(obs)
    lin.learn(np.array([1.0, 0.0]))
    assert not np.allclose(lin.A, a_fit)
    lin.reset(0)
    np.testing.assert_allclose(lin.A, a_fit)


def test_linucb_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="alpha"):
        LinUCB(alpha=-1.0)
    with pytest.raises(ValueError, match="lam"):
        LinUCB(lam=0.0)
    obs = make_obs(np.ones((2, 2), dtype=bool))
    with pytest.raises(ValueError, match="actions and rewards"):
        LinUCB().update(obs, np.array([0]), np.array([1.0, 2.0]))


def test_epsilon_mix_probabilities() -> None:
    mask = np.array([[True, True, False, True]])
    obs = make_obs(mask)
    obs["candidates"][0, :, NAMES.index("log_audience")] = [0.1, 0.9, 0.0, 0.2]
    p = EpsilonMix(MostViewers(), 0.3).probabilities(obs)
    # 0.3 / 3 valid = 0.1 each; most viewers (slot 1) gets + 0.7
    np.testing.assert_allclose(p, [[0.1, 0.8, 0.0, 0.1]])
    with pytest.raises(ValueError, match="epsilon"):
        EpsilonMix(MostViewers(), 1.5)


def test_random_policy_is_seeded_and_roughly_uniform() -> None:
    obs = make_obs(np.ones((4000, 4), dtype=bool))
    a, b = Random(3)(obs), Random(3)(obs)
    assert (a == b).all()
    freq = np.bincount(a, minlength=4) / a.size
    assert np.abs(freq - 0.25).max() < 0.03  # 4000 draws: sd of a share ~ 0.007


def test_agent_policy_never_picks_masked_slots() -> None:
    mask = np.array([[True, False, True, False]])
    assert AgentPolicy(FakeAgent())(make_obs(mask)).tolist() == [2]
    with pytest.raises(TypeError, match="DQNAgent"):
        AgentPolicy(object())


# --- oracles on a real world -----------------------------------------------------------------
@pytest.fixture(scope="module")
def small_world() -> World:
    world = World(WorldConfig(n_rooms=120, days=2))
    obs = world.reset(40, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(5):
        world.step(masked_argmax(rng.random(obs["mask"].shape), obs["mask"]))
        obs = world.observe()
    return world


def test_myopic_oracle_picks_largest_expected_reward(small_world: World) -> None:
    obs = small_world.observe()
    best = masked_argmax(small_world.expected_immediate_reward(), obs["mask"])
    actions = MyopicOracle(small_world)(obs)
    assert (actions == best).all()
    assert obs["mask"][np.arange(len(actions)), actions][obs["mask"].any(axis=1)].all()


def test_oracle_needs_a_world() -> None:
    obs = make_obs(np.ones((2, 3), dtype=bool))
    with pytest.raises(RuntimeError, match="attach"):
        MyopicOracle()(obs)


def test_lookahead_oracle_is_valid_and_leaves_the_real_world_untouched(small_world: World):
    world = copy.deepcopy(small_world)
    obs = world.observe()
    state = world.rng.bit_generator.state
    t, habit = world.t.copy(), world.viewers.habit.copy()
    look = LookaheadOracle(world, depth=3, n_rollouts=2, top=2, seed=1)
    actions = look(obs)
    assert obs["mask"][np.arange(len(actions)), actions][obs["mask"].any(axis=1)].all()
    assert world.rng.bit_generator.state == state  # no peeking, no consuming the real draws
    np.testing.assert_array_equal(world.t, t)
    np.testing.assert_array_equal(world.viewers.habit, habit)
    # cost: top 2 x 2 rollouts x depth 3 = 12 world steps (fewer if every viewer is done)
    assert 0 < look.world_steps <= 12
    # depth 1 is the myopic oracle
    assert (LookaheadOracle(world, depth=1, top=3)(obs) == MyopicOracle(world)(obs)).all()


def test_lookahead_oracle_rejects_bad_budget() -> None:
    with pytest.raises(ValueError, match="depth"):
        LookaheadOracle(depth=0)
    with pytest.raises(ValueError, match="gamma"):
        LookaheadOracle(gamma=2.0)


def test_myopic_model_learns_a_simple_reward() -> None:
    from livedqn_edu.recsys.oracles import MyopicModel

    mask = np.ones((3000, 3), dtype=bool)
    obs = make_obs(mask, seed=4)
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 3, 3000)
    followed = obs["candidates"][np.arange(3000), actions, NAMES.index("followed")]
    rewards = 2.0 * followed + 0.1 * rng.standard_normal(3000)  # reward: followed rooms only
    model = MyopicModel(hidden=(16,), epochs=5, seed=0).fit(obs, actions, rewards, batch_size=64)
    test = make_obs(np.ones((200, 3), dtype=bool), seed=9)
    chosen = model(test)
    f = test["candidates"][..., NAMES.index("followed")]
    has_followed = f.max(axis=1) > 0
    # it shows a followed room whenever one is there
    assert (f[np.arange(200), chosen][has_followed] == 1).mean() > 0.95
