"""Tests of recommender evaluation: CIs, ranking, OPE estimators, online and offline runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livedqn_edu.envs.world import WorldConfig
from livedqn_edu.recsys.evaluation import (
    comparison_table,
    doubly_robust,
    effective_sample_size,
    evaluate_policies,
    hit_rate_at_k,
    importance_weights,
    ips,
    mean_ci,
    ndcg_at_k,
    snips,
    target_rank,
)
from livedqn_edu.recsys.offpolicy import collect_logs, ope_table, ranking_metrics
from livedqn_edu.recsys.oracles import MyopicOracle
from livedqn_edu.recsys.policies import EpsilonMix, FollowedFirst, LinUCB, MostViewers, Random


# --- confidence intervals ---------------------------------------------------------------------
def test_mean_ci_hand_example() -> None:
    # mean 2.5; sd (ddof 1) = sqrt((2.25 + 0.25 + 0.25 + 2.25) / 3) = sqrt(5/3) = 1.290994
    # se = 1.290994 / sqrt(4) = 0.645497; half width = 1.959964 * 0.645497 = 1.265151
    mean, low, high = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert mean == pytest.approx(2.5)
    assert low == pytest.approx(2.5 - 1.265151, abs=1e-6)
    assert high == pytest.approx(2.5 + 1.265151, abs=1e-6)


def test_mean_ci_bad_input() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        mean_ci([1.0])
    with pytest.raises(ValueError, match="level"):
        mean_ci([1.0, 2.0], level=95)
    with pytest.raises(ValueError, match="finite"):
        mean_ci([1.0, np.nan])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=50))
def test_mean_ci_contains_the_mean(values: list[float]) -> None:
    mean, low, high = mean_ci(values)
    assert low - 1e-9 <= mean <= high + 1e-9


# --- ranking metrics ---------------------------------------------------------------------------
SCORES = np.array([[0.9, 0.5, 0.1], [0.2, 0.8, 0.3], [0.4, 0.6, 0.7]])
TARGET = np.array([0, 2, 0])
MASK = np.array([[True, True, True], [True, True, True], [True, True, False]])


def test_ranking_hand_example() -> None:
    # row 0: target 0.9 is best -> rank 0; row 1: 0.3 < 0.8 -> rank 1;
    # row 2: 0.4 < 0.6, and 0.7 is not live (masked) -> rank 1
    assert target_rank(SCORES, TARGET, MASK).tolist() == [0, 1, 1]
    assert hit_rate_at_k(SCORES, TARGET, MASK, k=1) == pytest.approx(1 / 3)
    assert hit_rate_at_k(SCORES, TARGET, MASK, k=2) == pytest.approx(1.0)
    # NDCG@2 = (1/log2(2) + 1/log2(3) + 1/log2(3)) / 3 = (1 + 0.630930 * 2) / 3 = 0.753953
    assert ndcg_at_k(SCORES, TARGET, MASK, k=2) == pytest.approx(0.753953, abs=1e-6)
    assert ndcg_at_k(SCORES, TARGET, MASK, k=1) == pytest.approx(1 / 3)


def test_ties_count_against_the_target() -> None:
    # a constant scorer ranks the target last among 3 live rooms (rank 2)
    assert target_rank(np.zeros((1, 3)), np.array([1])).tolist() == [2]


def test_ranking_bad_input() -> None:
    with pytest.raises(ValueError, match="target must hold valid slots"):
        hit_rate_at_k(SCORES, np.array([0, 2, 2]), MASK)  # row 2's slot 2 is not live
    with pytest.raises(ValueError, match="k must be"):
        ndcg_at_k(SCORES, TARGET, MASK, k=0)


# --- off-policy estimators --------------------------------------------------------------------
# Two arms. Logging: arm 0 with 0.8, arm 1 with 0.2. Target: always arm 1.
ACTIONS = np.array([0, 0, 0, 1])
REWARDS = np.array([1.0, 0.0, 1.0, 2.0])
MU = np.array([0.8, 0.8, 0.8, 0.2])
PI = np.array([0.0, 0.0, 0.0, 1.0])


def test_ope_estimators_hand_computed_two_arm() -> None:
    # weights pi/mu = (0, 0, 0, 1/0.2 = 5)
    np.testing.assert_allclose(importance_weights(MU, PI), [0, 0, 0, 5])
    # IPS = (0 + 0 + 0 + 5 * 2) / 4 = 2.5
    assert ips(REWARDS, MU, PI) == pytest.approx(2.5)
    # SNIPS = (5 * 2) / (0 + 0 + 0 + 5) = 2.0
    assert snips(REWARDS, MU, PI) == pytest.approx(2.0)
    # DR with rhat(arm 0) = 0.5, rhat(arm 1) = 1.5: the target's model value is 1.5 per row;
    # corrections w (r - rhat(a)) = (0, 0, 0, 5 * (2 - 1.5) = 2.5) -> (1.5 * 4 + 2.5) / 4 = 2.125
    rhat_logged = np.where(ACTIONS == 0, 0.5, 1.5)
    assert doubly_robust(REWARDS, MU, PI, rhat_logged, np.full(4, 1.5)) == pytest.approx(2.125)
    # ESS = (sum w)^2 / sum w^2 = 25 / 25 = 1 impression really counts
    assert effective_sample_size(importance_weights(MU, PI)) == pytest.approx(1.0)


def test_ope_estimators_converge_to_the_known_value() -> None:
    # arm means 0.3 and 0.7 (Bernoulli); target plays each arm half the time: value 0.5
    rng = np.random.default_rng(0)
    n = 200_000
    a = (rng.random(n) < 0.2).astype(int)  # logging: arm 1 with probability 0.2
    r = (rng.random(n) < np.where(a == 1, 0.7, 0.3)).astype(float)
    mu = np.where(a == 1, 0.2, 0.8)
    pi = np.full(n, 0.5)
    # IPS sd ~ sqrt(E[w^2 r^2]) / sqrt(n) < 1.6 / 447 = 0.004: 0.015 is > 3 sd
    assert ips(r, mu, pi) == pytest.approx(0.5, abs=0.015)
    assert snips(r, mu, pi) == pytest.approx(0.5, abs=0.015)
    # DR with a wrong reward model (0.5 everywhere) is still unbiased
    assert doubly_robust(r, mu, pi, np.full(n, 0.5), np.full(n, 0.5)) == pytest.approx(
        0.5, abs=0.015
    )
    # DR with the right model has the true value as its direct part
    rhat = np.where(a == 1, 0.7, 0.3)
    assert doubly_robust(r, mu, pi, rhat, np.full(n, 0.5)) == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5, np.nan])
def test_propensities_outside_unit_interval_are_rejected(bad: float) -> None:
    with pytest.raises(ValueError, match="propensities"):
        ips(REWARDS, np.array([0.8, 0.8, bad, 0.2]), PI)


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="target_probs has length 3"):
        snips(REWARDS, MU, PI[:3])
    with pytest.raises(ValueError, match="propensities has length 2"):
        ips(REWARDS, MU[:2], PI)
    with pytest.raises(ValueError, match="reward_pred"):
        doubly_robust(REWARDS, MU, PI, np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="target_probs must lie"):
        ips(REWARDS, MU, PI + 2)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(0, 10_000))
def test_snips_of_logging_policy_is_the_mean_reward(n: int, seed: int) -> None:
    # target = logging policy: every weight is 1, so IPS = SNIPS = the plain mean reward
    rng = np.random.default_rng(seed)
    r, mu = rng.random(n), rng.uniform(0.05, 1.0, n)
    assert snips(r, mu, mu) == pytest.approx(r.mean())
    assert ips(r, mu, mu) == pytest.approx(r.mean())


# --- online evaluation and logs on the small world --------------------------------------------
SMALL = WorldConfig(n_rooms=150, days=2)
WEEKEND = WorldConfig(days=2)  # the full catalogue, two days


def test_evaluate_policies_table_and_order() -> None:
    pols = {"random": Random(0), "followed_first": FollowedFirst(), "oracle": MyopicOracle(),
            "linucb": LinUCB(alpha=0.5)}  # fmt: skip
    df = evaluate_policies(pols, n_viewers=150, days=2, seeds=(0, 1), config=WEEKEND)
    assert set(df["policy"]) == set(pols)
    assert (df["n"] == 300).all()
    assert ((df["ci_low"] <= df["mean"]) & (df["mean"] <= df["ci_high"])).all()
    ret = df[df["metric"] == "return"].set_index("policy")["mean"]
    # the oracle knows the hidden click model: it beats random by far
    assert ret["oracle"] > 1.5 * ret["random"]
    table = comparison_table(df, ("return", "ctr"))
    assert list(table.index) == list(pols) and list(table.columns) == ["return", "ctr"]
    # same seeds, same numbers
    again = evaluate_policies({"random": Random(0)}, n_viewers=150, days=2, seeds=(0, 1),
                              config=WEEKEND)  # fmt: skip
    np.testing.assert_allclose(again["mean"], df[df["policy"] == "random"]["mean"])


def test_evaluate_policies_bad_input() -> None:
    with pytest.raises(TypeError, match="policies"):
        evaluate_policies({})
    with pytest.raises(ValueError, match="seeds"):
        evaluate_policies({"r": Random()}, seeds=())


@pytest.fixture(scope="module")
def logs():
    return collect_logs(300, days=2, seed=0, config=SMALL)


def test_collected_logs_are_consistent(logs) -> None:
    n = len(logs)
    assert n > 1_000
    rows = np.arange(n)
    assert logs.obs["mask"][rows, logs.actions].all()  # only live rooms are shown
    np.testing.assert_allclose(logs.propensities.sum(axis=1), 1.0)
    assert (logs.logged_propensity > 0).all()
    assert (logs.rewards[~logs.clicks] == 0).all()
    # the true expected reward of the shown room matches the realised rewards on average
    assert logs.expected[rows, logs.actions].mean() == pytest.approx(logs.rewards.mean(), rel=0.2)


def test_ope_table_snips_near_truth_for_a_policy_close_to_logging(logs) -> None:
    pols = {"mv_eps0.3": EpsilonMix(MostViewers(), 0.3), "ff": FollowedFirst()}
    lin = LinUCB(alpha=0.0).fit(logs.obs, logs.actions, logs.rewards)
    table = ope_table(pols, logs, reward_model=lin.scores, n_boot=20)
    row = table.loc["mv_eps0.3"]
    assert abs(row["snips"] - row["true"]) <= 0.1 * row["true"] + 3 * row["snips_sd"]
    assert table.loc["ff", "ess"] < table.loc["mv_eps0.3", "ess"] <= len(logs)
    assert {"ips_bias", "dr_sd", "max_weight", "match_share"} <= set(table.columns)


def test_ranking_metrics_followed_first_beats_random(logs) -> None:
    ff = ranking_metrics(FollowedFirst(), logs)
    rnd = ranking_metrics(Random(0), logs)
    assert ff["HR@1"] > rnd["HR@1"] + 0.2  # repeat consumption dominates clicks
    assert 0 <= ff["NDCG@5"] <= 1


def test_shipped_logs_replay_matches_the_csv() -> None:
    from livedqn_edu.recsys.offpolicy import shipped_logs

    logs = shipped_logs(verify=True)  # raises ValueError if rooms or clicks differ from the CSV
    assert len(logs) > 100_000
    assert logs.obs["mask"][np.arange(len(logs)), logs.actions].all()


# --- paired comparisons ------------------------------------------------------------------------
def test_t_quantile_against_tables() -> None:
    from livedqn_edu.recsys.evaluation import t_quantile

    # Student t, 97.5% quantile: 12.706 (1 df), 4.303 (2), 2.776 (4), 2.228 (10), 2.045 (29)
    for df, table in [(1, 12.706), (2, 4.303), (4, 2.776), (10, 2.228), (29, 2.045)]:
        assert t_quantile(0.975, df) == pytest.approx(table, abs=2e-3)
    with pytest.raises(ValueError, match="df"):
        t_quantile(0.975, 0)


def test_paired_difference_by_hand() -> None:
    from livedqn_edu.recsys.evaluation import paired_difference

    a, b = np.array([3.0, 5.0, 4.0, 6.0]), np.array([2.0, 3.0, 3.0, 4.0])
    # d = (1, 2, 1, 2): mean 1.5, sd 0.57735, t(0.975, 3) = 3.182 -> half 3.182 * 0.57735 / 2
    out = paired_difference(a, b)
    half = 3.1824 * 0.57735 / 2
    assert out["diff"] == pytest.approx(1.5)
    assert out["low"] == pytest.approx(1.5 - half, abs=5e-3)
    assert out["high"] == pytest.approx(1.5 + half, abs=5e-3)
    assert out["rel"] == pytest.approx(1.5 / 3.0) and out["n"] == 4
    # pairing matters: the same values shuffled lose the pairing and widen the interval
    loose = paired_difference(a, b[[2, 0, 3, 1]])
    assert (
        loose["diff"] == pytest.approx(1.5)
        and loose["high"] - loose["low"] > out["high"] - out["low"]
    )
    with pytest.raises(ValueError, match="same units in the same order"):
        paired_difference(a, b[:3])
    with pytest.raises(ValueError, match="finite"):
        paired_difference([1.0, np.nan], [1.0, 2.0])


def test_paired_table_pairs_viewers_by_seed_and_position() -> None:
    from livedqn_edu.recsys.evaluation import paired_table

    rows = []
    for policy, values in (("base", [1.0, 2.0, 3.0, 4.0]), ("new", [2.0, 3.0, 4.0, 6.0])):
        for i, value in enumerate(values):
            rows.append({"policy": policy, "seed": i // 2, "return": value})
    table = paired_table(pd.DataFrame(rows), "base")
    # differences (1, 1, 1, 2): mean 1.25
    assert list(table.index) == ["new"] and table.loc["new", "diff"] == pytest.approx(1.25)
    with pytest.raises(ValueError, match="baseline 'nope'"):
        paired_table(pd.DataFrame(rows), "nope")
