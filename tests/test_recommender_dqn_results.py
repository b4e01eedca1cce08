"""The committed DQN results: the JSON, its page and docs/live-room-dqn.md say the same numbers."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
NOT_IN_DOC = ("dqn - myopic_oracle", "dqn_gamma0 / myopic_oracle")


def _record() -> dict:
    return json.loads((RESULTS / "recommender_dqn.json").read_text(encoding="utf-8"))


def _ci(x: list[float], pct: bool = False) -> str:
    if pct:
        return f"{x[0]:.1%} [{x[1]:.1%}, {x[2]:.1%}]"
    return f"{x[0]:+.2f} [{x[1]:+.2f}, {x[2]:+.2f}]"


def test_five_seeds_of_each_agent_on_test_viewers_and_the_new_catalogue() -> None:
    record = _record()
    assert record["training"]["seeds"] == [0, 1, 2, 3, 4]
    assert [ev["population"] for ev in record["evaluations"]] == ["test", "new_catalogue"]
    for ev in record["evaluations"]:
        rows = {r["policy"]: r for r in ev["rows"]}
        assert rows["dqn"]["seeds"] == rows["dqn_gamma0"]["seeds"] == 5
        assert {"visible_scorer", "followed_first", "myopic_oracle"} <= set(rows)
        for r in rows.values():
            assert r["ci_low"] <= r["mean_return"] <= r["ci_high"]
        for m, low, high in ev["key"].values():
            assert low <= m <= high


def test_the_page_and_the_doc_quote_the_committed_numbers() -> None:
    page = (RESULTS / "recommender_dqn.md").read_text(encoding="utf-8")
    doc = (ROOT / "docs" / "live-room-dqn.md").read_text(encoding="utf-8")
    for ev in _record()["evaluations"]:
        rows = {r["policy"]: r for r in ev["rows"]}
        for name in ("dqn", "dqn_gamma0", "visible_scorer"):
            r = rows[name]
            assert f"{r['mean_return']:.2f} [{r['ci_low']:.2f}, {r['ci_high']:.2f}]" in doc
        for name, x in ev["key"].items():
            text = _ci(x, pct="/" in name)
            assert text in page
            assert name in NOT_IN_DOC or text in doc
        p = ev["planner"]
        for text in (_ci(p["dqn_share_of_planner"], pct=True),
                     _ci(p["planner_minus_myopic_oracle"])):  # fmt: skip
            assert text in page and text in doc
