"""Tests of the baseline line-up (livedqn_edu/recsys/lineup.py): seeds, fits, online learning."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.envs.populations import TRAIN
from livedqn_edu.recsys.evaluation import evaluate_policies, per_viewer_values
from livedqn_edu.recsys.lineup import (
    BASELINES,
    baseline_policies,
    benchmark_record,
    fit_linucb,
    fit_myopic_models,
    planner,
    resample_viewers,
)
from livedqn_edu.recsys.offpolicy import collect_logs
from livedqn_edu.recsys.oracles import LookaheadOracle
from livedqn_edu.recsys.policies import LinUCB


@pytest.fixture(scope="module")
def small_logs():
    return collect_logs(n_viewers=60, days=2, seed=5)


def test_resample_viewers_draws_whole_viewer_histories(small_logs) -> None:
    sample = resample_viewers(small_logs, seed=3)
    rows_per_viewer = np.bincount(small_logs.viewers)
    drawn = np.random.default_rng(3).choice(np.unique(small_logs.viewers), 60, replace=True)
    assert len(sample) == sum(rows_per_viewer[v] for v in drawn)
    counts = np.bincount(sample.viewers, minlength=rows_per_viewer.size)
    times = np.bincount(drawn, minlength=rows_per_viewer.size)
    np.testing.assert_array_equal(counts, rows_per_viewer * times)  # each viewer whole, c times
    assert len(resample_viewers(small_logs, 4)) != len(sample)  # another seed, another sample
    again = resample_viewers(small_logs, 3)
    np.testing.assert_array_equal(again.actions, sample.actions)


def test_fitted_linucb_differs_by_seed_and_keeps_its_prior_across_reset(small_logs) -> None:
    fitted = fit_linucb(small_logs, seeds=(0, 1), alpha=0.0)
    assert [p.name for p in fitted] == ["linucb_logs", "linucb_logs"]
    assert not np.allclose(fitted[0].theta, fitted[1].theta)
    policy = fitted[0]
    prior_a, prior_b = policy.A.copy(), policy.b.copy()
    evaluate_policies({"l": policy}, 40, 1, (TRAIN.seed(7),))  # learns online during the run
    assert not np.allclose(policy.b, prior_b)
    policy.reset(123)
    np.testing.assert_array_equal(policy.A, prior_a)
    np.testing.assert_array_equal(policy.b, prior_b)


def test_online_linucb_really_learns_during_the_evaluation() -> None:
    seen = []

    class Spy(LinUCB):
        def learn(self, rewards: np.ndarray) -> None:
            before = 0.0 if self.A is None else float(np.trace(self.A))
            super().learn(rewards)
            seen.append(float(np.trace(self.A)) - before)

    policy = Spy(alpha=0.1)
    evaluate_policies({"l": policy}, 30, 1, (TRAIN.seed(8),))
    assert len(seen) > 5 and all(g >= 0 for g in seen) and sum(g > 0 for g in seen) > 5
    policy.reset()
    assert policy.A is None  # no prior: back to nothing


def test_fitted_baselines_differ_by_seed_and_change_the_table(small_logs) -> None:
    models = fit_myopic_models(small_logs, seeds=(0, 1), epochs=1)
    obs = {k: v[:50] for k, v in small_logs.obs.items()}
    assert not np.allclose(models[0].scores(obs)[obs["mask"]], models[1].scores(obs)[obs["mask"]])
    values = per_viewer_values(
        {"m": models}, TRAIN, 20, "expected_return", seeds=(TRAIN.seed(9),), days=1
    )
    assert values["m"].shape == (2, 20)


def test_baseline_policies_builds_the_line_up_in_order(small_logs) -> None:
    no_logs = baseline_policies(None)
    assert list(no_logs) == [n for n in BASELINES if n not in ("linucb_logs", "myopic_model")]
    some = baseline_policies(small_logs, seeds=(0, 1, 2), include=["linucb_logs", "random"])
    assert list(some) == ["linucb_logs", "random"] and len(some["linucb_logs"]) == 3
    with pytest.raises(ValueError, match="unknown baselines"):
        baseline_policies(None, include=["dqn"])
    with pytest.raises(ValueError, match="at least one training seed"):
        baseline_policies(small_logs, seeds=())


def test_planner_is_the_documented_lookahead() -> None:
    p = planner()
    assert isinstance(p, LookaheadOracle) and p.name == "planner"
    assert (p.depth, p.n_rollouts, p.top, p.min_t) == (12, 6, 3, 2.0)


def test_benchmark_record_reads_json_and_names_the_command_when_missing(tmp_path) -> None:
    (tmp_path / "bandits.json").write_text('{"viewers": 100}')
    assert benchmark_record("bandits", tmp_path) == {"viewers": 100}
    with pytest.raises(FileNotFoundError, match="recommender.py --catalogue-seed"):
        benchmark_record("recommender_new_catalogue", tmp_path)
    assert "chosen" in benchmark_record("baselines_tuning")["visible_scorer"]  # the committed one
