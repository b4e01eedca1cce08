"""Tests of livedqn_edu.experiments: discounted returns, over-estimation, multi-seed runs."""

from __future__ import annotations

import gymnasium as gym
import keras
import numpy as np
import pytest

from livedqn_edu.dqn import DQNAgent, DQNConfig
from livedqn_edu.experiments import discounted_returns, q_overestimation, run_seeds, summarise
from livedqn_edu.training import evaluate


def test_discounted_returns_hand_computed() -> None:
    # G_2 = 3; G_1 = 2 + 0.5 * 3 = 3.5; G_0 = 1 + 0.5 * 3.5 = 2.75
    np.testing.assert_allclose(discounted_returns([1.0, 2.0, 3.0], 0.5), [2.75, 3.5, 3.0])
    assert discounted_returns([], 0.9).shape == (0,)


def test_q_overestimation_against_a_constant_network() -> None:
    inp = keras.Input((4,))
    dense = keras.layers.Dense(2, kernel_initializer="zeros")
    net = keras.Model(inp, dense(inp))
    dense.bias.assign(np.array([50.0, 10.0], np.float32))  # Q = 50 for action 0, always chosen
    agent = DQNAgent(net, DQNConfig(gamma=0.9))
    got = q_overestimation(gym.make("CartPole-v1"), agent, episodes=3, first_steps=40)
    assert got["q_estimate"] == pytest.approx(50.0)
    # always pushing left, each episode falls within a few steps (< 40: every state compared)
    lengths = evaluate(gym.make("CartPole-v1"), lambda obs: 0, episodes=3).astype(int)
    mc = np.concatenate([discounted_returns([1.0] * n, 0.9) for n in lengths])
    assert got["mc_return"] == pytest.approx(mc.mean())
    assert got["overestimation"] == pytest.approx(50.0 - mc.mean())


def test_run_seeds_records_bias_at_each_evaluation() -> None:
    cfg = DQNConfig(learning_starts=100, train_freq=50, gradient_steps=5, exploration_steps=200)
    hists = run_seeds([0, 1], 400, cfg, hidden=(8,), eval_every=200, double_dqn=True)
    assert len(hists) == 2
    for h in hists:
        assert h["eval/step"] == [200, 400]
        assert len(h["eval/overestimation"]) == 2
    assert hists[0]["eval/mean_return"] != hists[1]["eval/mean_return"] or (
        hists[0]["charts/episodic_return"] != hists[1]["charts/episodic_return"]
    )


def test_summarise_hand_computed() -> None:
    a = {"eval/mean_return": [100.0, 500.0, 300.0]}  # mean 300, solved, final 300
    b = {"eval/mean_return": [50.0, 150.0, 100.0]}  # mean 100, not solved, final 100
    got = summarise([a, b])
    assert got == {
        "auc_median": 200.0,
        "auc_min": 100.0,
        "auc_max": 300.0,
        "solved": 0.5,
        "final_median": 200.0,
    }


def _table(rows):
    import pandas as pd

    from livedqn_edu.experiments import RESULT_COLUMNS

    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def test_matched_difference_pairs_same_seed_and_step_where_both_policies_are_good() -> None:
    from livedqn_edu.experiments import matched_difference

    table = _table([
        # seed 0, step 10: both good -> pair, difference 90 - 80 = 10
        ("A", 0, 10, 500, 90.0, 100.0), ("B", 0, 10, 500, 80.0, 100.0),
        # seed 0, step 20: B's policy is poor -> no pair
        ("A", 0, 20, 500, 95.0, 100.0), ("B", 0, 20, 40, 85.0, 30.0),
        # seed 1, steps 10 and 20: both good -> differences 4 and 8, seed mean 6
        ("A", 1, 10, 500, 84.0, 99.5), ("B", 1, 10, 500, 80.0, 99.5),
        ("A", 1, 20, 500, 90.0, 100.0), ("B", 1, 20, 500, 82.0, 100.0),
    ])  # fmt: skip
    got = matched_difference(table, "A", "B", min_value=99.0)
    assert got["pairs"] == 3 and got["seeds"] == 2
    assert got["mean"] == pytest.approx(8.0)  # seed means 10 and 6
    # gaps over the pairs: A (90-100, 84-99.5, 90-100) / 3; B (80-100, 80-99.5, 82-100) / 3
    assert got["gap_a"] == pytest.approx((-10 - 15.5 - 10) / 3)
    assert got["gap_b"] == pytest.approx((-20 - 19.5 - 18) / 3)
    assert got["low"] < 8.0 < got["high"]


def test_run_variants_gives_one_row_per_evaluation() -> None:
    from livedqn_edu.experiments import RESULT_COLUMNS, run_variants

    cfg = DQNConfig(learning_starts=100, train_freq=50, gradient_steps=5, exploration_steps=200)
    variants = {"plain": {"config": cfg, "hidden": (8,)},
                "double": {"config": cfg, "hidden": (8,), "double_dqn": True}}  # fmt: skip
    table = run_variants(variants, [0, 1], 400, eval_every=200)
    assert list(table.columns) == list(RESULT_COLUMNS) and len(table) == 2 * 2 * 2
    assert set(table["variant"]) == {"plain", "double"} and set(table["step"]) == {200, 400}
    assert table["mc_return"].notna().all()
    no_bias = run_variants({"plain": variants["plain"]}, [0], 400, 200, measure_bias=False)
    assert no_bias["q_estimate"].isna().all()
    # the bias measurement does not change training: same returns with or without it
    np.testing.assert_array_equal(
        no_bias["mean_return"].to_numpy(), table[(table.variant == "plain") & (table.seed == 0)]
        ["mean_return"].to_numpy()
    )  # fmt: skip


def test_shipped_tables_are_verified(tmp_path, monkeypatch) -> None:
    from livedqn_edu import manifest
    from livedqn_edu.experiments import shipped_table

    monkeypatch.setenv("LIVEDQN_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="python -m livedqn_edu.experiments"):
        shipped_table("nothing")
    (tmp_path / "results").mkdir()
    path = tmp_path / "results" / "t.csv"
    path.write_text("variant,seed\nDQN,0\n")
    manifest.record(path, root=tmp_path)
    assert shipped_table("t")["variant"].tolist() == ["DQN"]
    path.write_text("variant,seed\nDQN,1\n")
    with pytest.raises(manifest.ChecksumError):
        shipped_table("t")


def test_lesson05_tables_writes_both_tables(tmp_path, monkeypatch) -> None:
    import livedqn_edu.experiments as ex

    cfg = DQNConfig(learning_starts=100, train_freq=50, gradient_steps=5, exploration_steps=200)
    monkeypatch.setattr(ex, "VARIANTS", {"DQN": {"config": cfg, "hidden": (8,)}})
    monkeypatch.setattr(
        ex, "LESSON05", {"seeds": (0,), "steps": 200, "eval_every": 100, "rates": (1e-3, 2.3e-3)}
    )
    monkeypatch.setattr(
        ex, "LONG_RUNS", {"variants": ("DQN",), "seeds": (1,), "steps": 200, "eval_every": 200}
    )
    tables = ex.lesson05_tables(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dqn_long.csv", "dqn_variants.csv", "lr_sweep.csv"
    ]  # fmt: skip
    assert tables["dqn_long"]["seed"].tolist() == [1]
    only = ex.lesson05_tables(tmp_path / "one", only=["dqn_long"])
    assert list(only) == ["dqn_long"]
    assert set(tables["lr_sweep"]["variant"]) == {"0.001", "0.0023"}  # the default reuses DQN
    assert not (tmp_path / "MANIFEST.json").exists()  # outside data/: nothing recorded
