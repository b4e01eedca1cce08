"""Tests for livedqn_edu.recsys.ope: estimators on arrays, clustered intervals, diagnostics."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.recsys import evaluation
from livedqn_edu.recsys.ope import (
    cluster_bootstrap_ratio,
    direct_method,
    greedy_probabilities,
    ips,
    model_value,
    ope_estimates,
    snips,
    subsample_estimates,
    viewer_subsample,
    weight_summary,
)
from livedqn_edu.recsys.sequential_ope import per_decision_is
from livedqn_edu.recsys.stats import resample_counts


def test_estimators_are_the_same_objects_as_in_evaluation() -> None:
    assert ips is evaluation.ips and snips is evaluation.snips


def test_greedy_probabilities_never_pick_a_masked_slot_with_negative_scores() -> None:
    scores = np.array([[-3.0, -1.0, 0.0], [2.0, 1.0, 5.0]])
    mask = np.array([[True, True, False], [True, True, False]])
    np.testing.assert_array_equal(greedy_probabilities(scores, mask), [[0, 1, 0], [1, 0, 0]])


def test_model_value_and_direct_method() -> None:
    probs = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    pred = np.array([[2.0, 4.0, np.nan], [1.0, 1.0, -1.0]])
    mask = np.array([[True, True, False], [True, True, True]])
    v = model_value(probs, pred, mask)
    np.testing.assert_allclose(v, [3.0, -1.0])  # 0.5 * 2 + 0.5 * 4; the third slot's -1
    assert direct_method(v) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="empty .masked. slot"):
        model_value(np.array([[0, 0, 1.0], [0, 0, 1]]), pred, mask)


def test_weight_summary_by_hand() -> None:
    s = weight_summary([0.0, 1.0, 1.0, 2.0])
    # ess = (0 + 1 + 1 + 2)^2 / (0 + 1 + 1 + 4) = 16 / 6; the top 1% is one row: 2 of 4
    assert s["ess"] == pytest.approx(16 / 6) and s["ess_share"] == pytest.approx(16 / 24)
    assert (s["max_weight"], s["top1_share"], s["zero_share"], s["mean_weight"]) == (
        2.0, 0.5, 0.25, 1.0,
    )  # fmt: skip
    with pytest.raises(ValueError, match="non-negative"):
        weight_summary([1.0, -1.0])


def test_cluster_bootstrap_matches_resampling_viewers_by_hand() -> None:
    rng = np.random.default_rng(0)
    viewers = np.repeat([10, 20, 30, 40], [2, 3, 1, 4])
    num, den = rng.normal(size=10), rng.random(10) + 0.5
    reps = cluster_bootstrap_ratio(num, den, viewers, 50, rng=7)
    counts = resample_counts(4, 50, rng=7)  # the same draws, cluster by cluster
    ids = np.unique(viewers)
    by_hand = [
        sum(c * num[viewers == v].sum() for c, v in zip(row, ids, strict=True))
        / sum(c * den[viewers == v].sum() for c, v in zip(row, ids, strict=True))
        for row in counts
    ]
    np.testing.assert_allclose(reps, by_hand)


def test_clustering_by_viewer_widens_the_interval_when_a_viewers_rows_agree() -> None:
    # 200 viewers x 20 rows; each viewer's rows share most of their reward
    rng = np.random.default_rng(1)
    viewers = np.repeat(np.arange(200), 20)
    r = rng.normal(0, 1, 200)[viewers] + rng.normal(0, 0.2, viewers.size)
    ones = np.ones_like(r)
    clustered = np.quantile(cluster_bootstrap_ratio(r, ones, viewers, 500), [0.025, 0.975])
    rows = np.quantile(cluster_bootstrap_ratio(r, ones, np.arange(r.size), 500), [0.025, 0.975])
    assert np.diff(clustered)[0] > 3.0 * np.diff(rows)[0]


def _bandit_logs(n_viewers: int = 400, rows: int = 10, seed: int = 0):
    """Contextual bandit logs: 3 slots, logging probabilities vary, truth known exactly."""
    rng = np.random.default_rng(seed)
    viewers = np.repeat(np.arange(n_viewers), rows)
    n = viewers.size
    x = rng.random(n)
    expected = np.stack([0.5 + 0.0 * x, x, 1.0 - x], axis=1)  # (n, 3) true mean rewards
    mu_all = np.stack([0.6 + 0.0 * x, 0.2 + 0.0 * x, 0.2 + 0.0 * x], axis=1)
    a = (rng.random(n)[:, None] > mu_all.cumsum(axis=1)).sum(axis=1)
    r = expected[np.arange(n), a] + rng.normal(0, 0.3, n) + rng.normal(0, 0.3, n_viewers)[viewers]
    target = np.where(x[:, None] > 0.5, [0, 1, 0], [0, 0, 1]).astype(float)  # the better of 1, 2
    return viewers, expected, mu_all, a, r, target


def test_ope_estimates_cover_the_truth_and_dr_beats_ips_with_a_good_model() -> None:
    viewers, expected, mu_all, a, r, target = _bandit_logs()
    rows = np.arange(a.size)
    truth = float((target * expected).sum(axis=1).mean())
    model = expected + 0.05  # a slightly biased reward model
    table = ope_estimates(r, mu_all[rows, a], target[rows, a], viewers,
                          reward_pred=model[rows, a],
                          target_reward_pred=model_value(target, model, np.ones_like(model, bool)),
                          n_resamples=500)  # fmt: skip
    assert list(table.index) == ["dm", "ips", "snips", "dr"]
    for name in ("ips", "snips", "dr"):
        assert table.loc[name, "ci_low"] <= truth <= table.loc[name, "ci_high"], name
    assert table.loc["dm", "estimate"] == pytest.approx(truth + 0.05)  # the model's bias
    width = table["ci_high"] - table["ci_low"]
    assert width["dr"] < width["ips"]
    assert list(ope_estimates(r, mu_all[rows, a], target[rows, a], viewers, n_resamples=100)
                .index) == ["ips", "snips"]  # fmt: skip


def test_viewer_subsample_takes_whole_viewers_at_random() -> None:
    viewers = np.tile(np.arange(50), 4)  # step-major: the first 50 rows are one step each
    rows = viewer_subsample(viewers, 5, rng=0)
    chosen = np.unique(viewers[rows])
    assert chosen.size == 5 and rows.size == 20 and (np.diff(rows) > 0).all()
    assert not np.array_equal(chosen, np.arange(5))
    np.testing.assert_array_equal(rows, viewer_subsample(viewers, 5, rng=0))
    with pytest.raises(ValueError, match="n_viewers must be in"):
        viewer_subsample(viewers, 51)


def test_subsample_estimates_table() -> None:
    viewers, expected, mu_all, a, r, target = _bandit_logs(100, 5)
    rows = np.arange(a.size)
    out = subsample_estimates(r, mu_all[rows, a], target[rows, a], viewers, (10, 50), n_draws=3,
                              n_resamples=100)  # fmt: skip
    assert list(out.columns) == ["n_viewers", "draw", "rows", "estimator", "estimate", "ci_low",
                                 "ci_high", "ess", "max_weight", "top1_share"]  # fmt: skip
    assert list(out["n_viewers"]) == [10] * 6 + [50] * 6  # ips and snips per draw
    assert (out["rows"] == out["n_viewers"] * 5).all()
    assert (out["ci_low"] <= out["estimate"]).all() and (out["estimate"] <= out["ci_high"]).all()
    # the same draws with a reward model add the direct method and DR; on 50 viewers the
    # estimate of each draw matches ope_estimates on those viewers' rows
    model = expected + 0.1
    full = subsample_estimates(r, mu_all[rows, a], target[rows, a], viewers, (50,), n_draws=2,
                               reward_pred=model[rows, a],
                               target_reward_pred=(target * model).sum(axis=1), rng=5)  # fmt: skip
    assert list(full["estimator"][:4]) == ["dm", "ips", "snips", "dr"]
    pick = viewer_subsample(viewers, 50, np.random.default_rng(5))
    direct = ope_estimates(r[pick], mu_all[pick, a[pick]], target[pick, a[pick]], viewers[pick],
                           reward_pred=model[pick, a[pick]],
                           target_reward_pred=(target * model).sum(axis=1)[pick])  # fmt: skip
    np.testing.assert_allclose(full["estimate"][:4], direct["estimate"])


def test_per_decision_is_equals_the_mean_return_when_target_is_the_logger() -> None:
    r = np.array([[1.0, 2.0, 3.0], [0.0, 4.0, 0.0]])
    p = np.full((2, 3), 0.5)
    valid = np.array([[True, True, True], [True, True, False]])
    # discounted returns: 1 + 0.5 * 2 + 0.25 * 3 = 2.75; 0 + 0.5 * 4 = 2 -> mean 2.375
    for weighted in (True, False):
        assert per_decision_is(r, p, p, valid, gamma=0.5, weighted=weighted) == pytest.approx(2.375)


def test_per_decision_is_is_unbiased_on_two_step_trajectories() -> None:
    # two steps, two actions, logged uniformly; the target always plays action 0
    rng = np.random.default_rng(3)
    n = 40_000
    a = rng.integers(0, 2, (n, 2))
    r = (
        np.where(a == 0, 1.0, 0.0)
        + np.array([0.0, 1.0]) * (a[:, :1] == 0)
        + rng.normal(0, 1, (n, 2))
    )
    pi = (a == 0).astype(float)
    # truth: step 0 pays 1, step 1 pays 1 + 1 (action 0 after action 0): 1 + 0.9 * 2 = 2.8
    est, low, high = per_decision_is(r, np.full((n, 2), 0.5), pi, gamma=0.9, weighted=False,
                                     n_resamples=300)  # fmt: skip
    assert low <= 2.8 <= high and high - low < 0.2
    wis = per_decision_is(r, np.full((n, 2), 0.5), pi, gamma=0.9)
    assert wis == pytest.approx(2.8, abs=0.05)
    with pytest.raises(ValueError, match=r"\(N, T\)"):
        per_decision_is(r[:, 0], r[:, 0], r[:, 0])
