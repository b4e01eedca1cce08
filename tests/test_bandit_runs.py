"""Tests of bandits learning online in the world (livedqn_edu/recsys/bandit_runs.py)."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.envs.populations import TRAIN
from livedqn_edu.recsys.bandit_runs import (
    N_FEATURES,
    bandit_features,
    bandit_runs,
    regret_per_impression,
    regret_table,
    run_bandit,
)
from livedqn_edu.recsys.bandits import EpsilonGreedyBandit, LinUCBBandit, regret_curves


def test_features_have_a_constant_and_every_candidate_column() -> None:
    obs = {"candidates": np.arange(2 * 3 * (N_FEATURES - 1), dtype=np.float32).reshape(2, 3, -1)}
    x = bandit_features(obs)
    assert x.shape == (2, 3, N_FEATURES) and (x[..., 0] == 1).all()
    np.testing.assert_array_equal(x[..., 1:], obs["candidates"])


def test_a_run_never_beats_the_oracle_and_the_learner_learns() -> None:
    learner = LinUCBBandit(N_FEATURES, alpha=0.1, seed=0)
    out = run_bandit(learner, 30, TRAIN.seed(3), days=2)
    assert out["learner"].shape == out["oracle"].shape == out["rewards"].shape
    assert (out["learner"] <= out["oracle"] + 1e-12).all()  # per-context regret >= 0
    assert learner.steps == len(out["learner"])  # one update per step with an active viewer
    assert np.trace(learner.A) > N_FEATURES * learner.lam  # it saw data


def test_runs_are_reproducible_padded_and_feed_the_regret_curves() -> None:
    make = lambda s: EpsilonGreedyBandit(N_FEATURES, 0.2, seed=s)  # noqa: E731
    seeds = [TRAIN.seed(4), TRAIN.seed(5)]
    a = bandit_runs(make, seeds, n_viewers=20, days=1)
    b = bandit_runs(make, seeds, n_viewers=20, days=1)
    for key in ("learner", "oracle", "rewards"):
        np.testing.assert_array_equal(a[key], b[key])
    assert a["learner"].shape[0] == 2
    curve = regret_curves(a["learner"], a["oracle"])
    assert len(curve) == a["learner"].shape[1]
    assert np.all(np.diff(curve["regret"]) >= -1e-12)  # cumulative regret never falls
    with pytest.raises(ValueError, match="at least one seed"):
        bandit_runs(make, [], n_viewers=5)


def _fake(gaps: list[list[float]], active: list[list[float]] | None = None) -> dict:
    gap = np.array(gaps)
    return {"learner": np.zeros_like(gap), "oracle": gap, "rewards": np.ones_like(gap),
            "active": np.ones_like(gap) if active is None else np.array(active)}  # fmt: skip


def test_regret_table_pairs_runs_with_the_reference() -> None:
    runs = {"greedy": _fake([[1.0, 1.0], [3.0, 1.0], [2.0, 2.0]]),
            "other": _fake([[2.0, 1.0], [4.0, 1.0], [3.0, 2.5]])}  # fmt: skip
    table = regret_table(runs)
    # final regrets: greedy (2, 4, 4) -> 3.333; other (3, 5, 5.5) -> 4.5; differences (1, 1, 1.5)
    assert table.loc["greedy", "regret"] == pytest.approx(10 / 3)
    assert table.loc["other", "diff"] == pytest.approx(7 / 6)
    half = 4.302653 * np.std([1, 1, 1.5], ddof=1) / np.sqrt(3)  # t_{0.975, 2} = 4.3027
    assert table.loc["other", "diff_high"] - table.loc["other", "diff"] == pytest.approx(half)
    assert table.loc["greedy", ["diff", "diff_low", "diff_high"]].tolist() == [0, 0, 0]
    assert table.loc["other", "return"] == pytest.approx(2.0)
    with pytest.raises(ValueError, match="reference"):
        regret_table(runs, reference="linucb")


def test_regret_per_impression_divides_by_the_viewers_still_shown_rooms() -> None:
    run = _fake([[0.4, 0.1, 0.01], [0.2, 0.3, 0.0]], active=[[1.0, 0.5, 0.1], [1.0, 0.5, 0.1]])
    curve = regret_per_impression(run, min_active=0.2)
    assert curve["step"].tolist() == [1, 2]  # step 3: 10% active, left out
    np.testing.assert_allclose(curve["regret"], [0.3, 0.4])  # (0.4 + 0.2) / 2; (0.2 + 0.6) / 2
