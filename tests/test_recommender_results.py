"""The committed recommender benchmark: its JSON, its page and the README say the same numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from livedqn_edu.recsys.lineup import BASELINES, benchmark_record

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = ("policy", "mean_return", "ci_low", "ci_high", "diff_vs_dqn", "diff_low", "diff_high")


@pytest.mark.parametrize("name", ["recommender", "recommender_new_catalogue"])
def test_every_policy_has_a_row_with_its_paired_difference(name: str) -> None:
    record = benchmark_record(name)
    rows = {r["policy"]: r for r in record["rows"]}
    assert set(BASELINES) | {"dqn", "dqn_gamma0", "planner"} <= set(rows)
    for r in rows.values():
        assert all(k in r for k in REQUIRED)
        assert r["ci_low"] <= r["mean_return"] <= r["ci_high"]
        assert r["diff_low"] <= r["diff_vs_dqn"] <= r["diff_high"]
    assert rows["linucb_logs"]["seeds"] == rows["myopic_model"]["seeds"] == 5
    page = (ROOT / "benchmarks" / "results" / f"{name}.md").read_text()
    for r in rows.values():
        assert f"| {r['mean_return']:.2f} [{r['ci_low']:.2f}, {r['ci_high']:.2f}] |" in page


def test_the_readme_quotes_the_committed_numbers() -> None:
    readme = (ROOT / "README.md").read_text()
    test = {r["policy"]: r for r in benchmark_record("recommender")["rows"]}
    new = {r["policy"]: r for r in benchmark_record("recommender_new_catalogue")["rows"]}

    def diff(r: dict) -> str:
        d, lo, hi = r["diff_vs_visible_scorer"], r["scorer_diff_low"], r["scorer_diff_high"]
        return f"{d:+.2f} [{lo:+.2f}, {hi:+.2f}]".replace("+", "")

    s = test["visible_scorer"]
    assert f"{s['mean_return']:.2f} [{s['ci_low']:.2f}, {s['ci_high']:.2f}]" in readme
    ff = test["followed_first"]
    assert f"{-ff['diff_vs_visible_scorer']:.2f} [{-ff['scorer_diff_high']:.2f}, " \
           f"{-ff['scorer_diff_low']:.2f}]" in readme  # fmt: skip
    oracle = test["myopic_oracle"]
    assert diff(oracle).lstrip("+") in readme
    assert f"({new['visible_scorer']['mean_return']:.2f})" in readme
    for name in ("followed_first", "myopic_model", "linucb_online"):
        assert diff(new[name]) in readme


def test_the_readme_quotes_the_dqn_rows() -> None:
    readme = " ".join((ROOT / "README.md").read_text().split())
    test = {r["policy"]: r for r in benchmark_record("recommender")["rows"]}
    new = {r["policy"]: r for r in benchmark_record("recommender_new_catalogue")["rows"]}
    dqn, twin = test["dqn"], test["dqn_gamma0"]
    assert dqn["seeds"] == twin["seeds"] == 5
    assert f"{dqn['mean_return']:.2f} [{dqn['ci_low']:.2f}, {dqn['ci_high']:.2f}]" in readme
    for r in (dqn, new["dqn"]):
        d, lo, hi = r["diff_vs_visible_scorer"], r["scorer_diff_low"], r["scorer_diff_high"]
        assert f"{d:+.2f} [{lo:+.2f}, {hi:+.2f}]" in readme
    # dqn minus its twin: the twin's difference to the DQN, negated
    d, lo, hi = -twin["diff_vs_dqn"], -twin["diff_high"], -twin["diff_low"]
    assert f"{d:+.2f} [{lo:+.2f}, {hi:+.2f}] against its own gamma-0" in readme
