"""Tests for livedqn_edu.recsys.stats: paired, hierarchical bootstrap comparisons."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.recsys.stats import (
    as_scores,
    bootstrap_replicates,
    compare_policies,
    mean_interval,
    overlap_vs_paired,
    paired_difference,
    resample_counts,
)


def test_resample_counts_rows_sum_to_n_and_repeat_with_the_seed() -> None:
    c = resample_counts(7, 50, rng=3)
    assert c.shape == (50, 7) and (c.sum(axis=1) == 7).all() and (c >= 0).all()
    np.testing.assert_array_equal(c, resample_counts(7, 50, rng=3))
    assert not np.array_equal(c, resample_counts(7, 50, rng=4))


def test_one_seed_two_viewers_gives_the_three_possible_means() -> None:
    # viewers 0 and 2: a resample draws (0,0), (0,2), (2,0) or (2,2) -> means 0, 1, 1, 2
    reps = bootstrap_replicates({"p": [0.0, 2.0]}, n_resamples=4000, rng=0)["p"]
    values, counts = np.unique(reps, return_counts=True)
    np.testing.assert_allclose(values, [0.0, 1.0, 2.0])
    np.testing.assert_allclose(counts / reps.size, [0.25, 0.5, 0.25], atol=0.03)


def test_seed_stage_with_and_without_the_small_sample_correction() -> None:
    # two seeds, flat over viewers: seed 0 scores 0, seed 1 scores 2
    x = np.array([[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]])
    raw = bootstrap_replicates({"p": x}, 2000, seed_correction="none", rng=0)["p"]
    np.testing.assert_allclose(np.unique(raw), [0.0, 1.0, 2.0])
    # corrected: deviations +-1 from the centre 1 scaled by sqrt(2 / 1) -> 1 -+ sqrt(2)
    fixed = bootstrap_replicates({"p": x}, 2000, seed_correction="variance", rng=0)["p"]
    np.testing.assert_allclose(np.unique(fixed), [1 - np.sqrt(2), 1.0, 1 + np.sqrt(2)])
    # "t" at level 0.95 also scales by t(0.975, 1 df) / z(0.975) = 12.7062 / 1.95996
    t = bootstrap_replicates({"p": x}, 2000, seed_correction="t", level=0.95, rng=0)["p"]
    c = np.sqrt(2) * 12.706205 / 1.959964
    np.testing.assert_allclose(np.unique(t), [1 - c, 1.0, 1 + c], rtol=1e-6)


def test_replicates_match_explicit_index_resampling() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 6))
    reps = bootstrap_replicates({"p": x}, 200, seed_correction="none", rng=11)["p"]
    # the same draws by hand: viewer counts first (one draw), then the seeds of the policy
    gen = np.random.default_rng(11)
    v_idx = gen.integers(0, 6, size=(200, 6))
    s_idx = gen.integers(0, 3, size=(200, 3))
    by_hand = np.array([x[np.ix_(s, v)].mean() for s, v in zip(s_idx, v_idx, strict=True)])
    np.testing.assert_allclose(reps, by_hand)


def test_a_constant_paired_difference_has_a_zero_width_interval() -> None:
    # b is a shifted by exactly 1 on every viewer: the paired difference is 1 in every resample,
    # while each mean's own interval is wide (viewers differ a lot)
    a = np.array([1.0, 5.0, 9.0, 2.0, 7.0])
    table = compare_policies({"a": a, "b": a - 1.0}, reference="b", n_resamples=500)
    row = table.set_index("policy").loc["a"]
    assert row["diff_vs_b"] == pytest.approx(1.0)
    assert row["diff_low"] == pytest.approx(1.0) and row["diff_high"] == pytest.approx(1.0)
    assert row["ci_high"] - row["ci_low"] > 3.0
    d, low, high = paired_difference(a, a - 1.0, n_resamples=500)
    assert (d, low, high) == pytest.approx((1.0, 1.0, 1.0))


def test_table_columns_order_and_reference_row() -> None:
    rng = np.random.default_rng(0)
    scores = {"random": rng.normal(size=50), "dqn": rng.normal(1, 1, (5, 50))}
    table = compare_policies(scores, reference="dqn", n_resamples=200)
    assert list(table.columns) == [
        "policy", "mean_return", "ci_low", "ci_high", "diff_vs_dqn", "diff_low", "diff_high",
        "seeds", "viewers",
    ]  # fmt: skip
    assert list(table["policy"]) == ["random", "dqn"]
    ref = table.set_index("policy").loc["dqn"]
    assert (ref["diff_vs_dqn"], ref["diff_low"], ref["diff_high"]) == (0.0, 0.0, 0.0)
    assert list(table["seeds"]) == [1, 5]
    assert (table["ci_low"] < table["mean_return"]).all()
    assert (table["mean_return"] < table["ci_high"]).all()


def _crossed(rng, n_seeds, n_viewers, seed_sd, viewer_sd, noise_sd):
    viewers = rng.normal(0, viewer_sd, n_viewers)
    seeds = rng.normal(0, seed_sd, (n_seeds, 1))
    return viewers, seeds + viewers + rng.normal(0, noise_sd, (n_seeds, n_viewers))


def test_coverage_hierarchical_near_95_where_pooled_iid_undercovers() -> None:
    # 5 training seeds x 200 shared viewers; true mean 0; seed sd 0.1, viewer sd 2, noise sd 1
    rng = np.random.default_rng(2024)
    sims, hier, pooled = 200, 0, 0
    for i in range(sims):
        _, x = _crossed(rng, 5, 200, 0.1, 2.0, 1.0)
        _, low, high = mean_interval(x, n_resamples=400, rng=i)
        hier += low <= 0.0 <= high
        flat = x.ravel()  # the mistake: 1,000 "independent" draws
        half = 1.96 * flat.std(ddof=1) / np.sqrt(flat.size)
        pooled += flat.mean() - half <= 0.0 <= flat.mean() + half
    # measured: hierarchical 0.94-0.96, pooled ~0.6 (viewers repeat under every seed)
    assert 0.90 <= hier / sims <= 0.99
    assert pooled / sims < 0.80


def test_coverage_of_the_paired_difference_with_seed_variance() -> None:
    # learned policy (5 seeds, seed sd 0.2) vs a fixed one on the same viewers; true diff 0.5
    rng = np.random.default_rng(7)
    sims, hits = 200, 0
    for i in range(sims):
        viewers, a = _crossed(rng, 5, 200, 0.2, 2.0, 1.0)
        b = viewers + rng.normal(0, 1.0, 200)
        _, low, high = paired_difference(a + 0.5, b, n_resamples=400, rng=i)
        hits += low <= 0.5 <= high
    assert 0.88 <= hits / sims <= 0.99


def test_paired_interval_is_much_narrower_than_unpaired_with_common_viewers() -> None:
    rng = np.random.default_rng(3)
    viewers, a = _crossed(rng, 5, 1000, 0.05, 3.0, 0.5)
    b = viewers + rng.normal(0, 0.5, 1000)
    _, low, high = paired_difference(a, b, n_resamples=1000)
    # unpaired: each policy resampled with its own viewer draw
    ra = bootstrap_replicates({"a": a}, 1000, rng=1)["a"]
    rb = bootstrap_replicates({"b": b}, 1000, rng=2)["b"]
    u_low, u_high = np.quantile(ra - rb, [0.025, 0.975])
    assert (u_high - u_low) > 3.0 * (high - low)


def test_shared_seeds_pair_seed_i_with_seed_i() -> None:
    # seed i of both policies moves them together: with shared seeds the difference is exact
    rng = np.random.default_rng(0)
    shift = rng.normal(0, 1.0, (5, 1))
    base = rng.normal(0, 1.0, 100)
    a, b = base + shift + 0.3, base + shift
    d, low, high = paired_difference(a, b, n_resamples=300, shared_seeds=True)
    assert (d, low, high) == pytest.approx((0.3, 0.3, 0.3))
    _, low_i, high_i = paired_difference(a, b, n_resamples=300, shared_seeds=False)
    assert high_i - low_i > 0.5


def test_single_seed_uses_scipy_and_accepts_bca() -> None:
    from scipy import stats

    x = np.random.default_rng(1).exponential(size=300)
    m, low, high = mean_interval(x, n_resamples=1000, method="BCa", rng=4)
    ref = stats.bootstrap((x,), np.mean, n_resamples=1000, method="BCa",
                          rng=np.random.default_rng(4)).confidence_interval  # fmt: skip
    assert m == pytest.approx(x.mean())
    assert (low, high) == pytest.approx((ref.low, ref.high))
    with pytest.raises(ValueError, match="only 'percentile'"):
        mean_interval(np.vstack([x, x]), method="BCa")


def test_overlap_vs_paired_gives_both_verdicts() -> None:
    rng = np.random.default_rng(0)
    viewers = rng.normal(5.0, 3.0, 400)
    a = viewers + 0.3 + rng.normal(0, 0.2, 400)
    b = viewers + rng.normal(0, 0.2, 400)
    out = overlap_vs_paired(a, b, names=("dqn", "heuristic"), n_resamples=1000)
    assert out["intervals_overlap"] and out["paired_excludes_zero"]
    assert out["diff_low"] > 0 and out["low_dqn"] < out["high_heuristic"]
    assert "overlap;" in out["verdict"] and "excludes 0" in out["verdict"]


@pytest.mark.parametrize(
    ("scores", "match"),
    [
        ({"a": np.zeros(5), "b": np.zeros(6)}, "same viewers"),
        ({"a": [1.0, np.nan, 2.0]}, "non-finite value .* viewer 1"),
        ({"a": [1.0]}, "at least 1 seed and 2 viewers"),
        ({"a": np.zeros((2, 3, 4))}, r"\(viewers,\) or \(seeds, viewers\)"),
    ],
)
def test_bad_scores_get_clear_errors(scores, match) -> None:
    with pytest.raises(ValueError, match=match):
        bootstrap_replicates(scores, 100)


def test_other_bad_arguments() -> None:
    x = np.zeros((5, 10))
    with pytest.raises(ValueError, match="reference must be one of"):
        compare_policies({"a": x}, reference="dqn")
    with pytest.raises(ValueError, match="same number of seeds"):
        bootstrap_replicates({"a": x, "b": np.zeros((3, 10))}, 100, shared_seeds=True)
    with pytest.raises(ValueError, match="level must be in"):
        mean_interval(x, level=95)
    with pytest.raises(ValueError, match="seed_correction must be one of"):
        mean_interval(x, seed_correction=True)
    with pytest.raises(ValueError, match="n_resamples must be >= 100"):
        bootstrap_replicates({"a": x}, 10)
    with pytest.raises(TypeError, match="non-empty dict"):
        bootstrap_replicates({}, 100)
    assert as_scores([1.0, 2.0]).shape == (1, 2)
