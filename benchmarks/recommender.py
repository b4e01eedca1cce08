"""Benchmark of lessons 07-09: every recommender in the live-room world, with 95% CIs.

Protocol (issue 5): each policy runs over ``--viewers`` viewers x 7 days for every evaluation
seed (viewer populations; the rooms are the same world); metrics per viewer-week from
``livedqn_edu.envs.vector_eval.run_policy``, means with 95% confidence intervals over all
viewer-weeks (``livedqn_edu.recsys.evaluation.evaluate_policies``). The lookahead oracle is
costly, so it runs on ``--lookahead-viewers`` viewers per seed (its CI is wider).

- ``linucb`` and ``myopic_model`` are warm-started / trained on one week of logs of 2,000 viewers
  under the stochastic logging policy (seed 0; in the calibrated world these are exactly the
  shipped ``data/live_room_logs.csv.gz``). LinUCB keeps learning online during the evaluation.
- ``dqn`` and ``dqn_gamma0`` load ``data/checkpoints/live_room_dqn*.keras`` through
  ``livedqn_edu.recsys.train.load_live_room_agent``; they are skipped (with a note) if missing.

Targets: evaluating all policies but ``lookahead_oracle`` over 1,000 viewer-weeks takes <= 60 s
(reported as the sum of their wall times per seed, scaled to 1,000 viewers).

Usage::

    python benchmarks/recommender.py [--seeds 0 1 2] [--viewers 1000] [--json OUT] [--calibrated]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LIVEDQN_TF_THREADS", "1")

RESULTS = Path(__file__).parent / "results" / "recommender.md"
ORDER = ("random", "most_viewers", "followed_first", "linucb", "myopic_model", "myopic_oracle",
         "lookahead_oracle", "dqn", "dqn_gamma0")  # fmt: skip
SHOWN = ("return", "watch_minutes", "ctr", "sessions", "return_visits", "churned", "gifts",
         "follows", "long_tail_share", "category_diversity")  # fmt: skip


def build_policies(config: Any, notes: list[str]) -> dict[str, Any]:
    """Every policy of the benchmark (those that learn from logs are trained here)."""
    from livedqn_edu.recsys.offpolicy import collect_logs
    from livedqn_edu.recsys.oracles import LookaheadOracle, MyopicModel, MyopicOracle
    from livedqn_edu.recsys.policies import AgentPolicy, FollowedFirst, LinUCB, MostViewers, Random

    start = time.perf_counter()
    logs = collect_logs(2_000, 7, seed=0, config=config)
    linucb = LinUCB(alpha=0.5).fit(logs.obs, logs.actions, logs.rewards)
    myopic = MyopicModel(seed=0).fit(logs.obs, logs.actions, logs.rewards)
    notes.append(
        f"logs for linucb / myopic_model: {len(logs):,} impressions, collected and fitted in "
        f"{time.perf_counter() - start:.1f} s"
    )
    policies: dict[str, Any] = {
        "random": Random(0),
        "most_viewers": MostViewers(),
        "followed_first": FollowedFirst(),
        "linucb": linucb,
        "myopic_model": myopic,
        "myopic_oracle": MyopicOracle(),
        "lookahead_oracle": LookaheadOracle(depth=2, n_rollouts=4, top=3, seed=0),
    }
    try:
        from livedqn_edu.recsys.train import load_live_room_agent
    except ImportError as exc:
        notes.append(f"dqn rows skipped: livedqn_edu.recsys.train.load_live_room_agent ({exc})")
        return policies
    for name, gamma0 in (("dqn", False), ("dqn_gamma0", True)):
        try:
            policies[name] = AgentPolicy(load_live_room_agent(gamma0=gamma0), name=name)
        except (FileNotFoundError, ValueError) as exc:
            notes.append(f"{name} skipped: {exc}")
    return policies


def run(seeds: list[int], viewers: int, look_viewers: int, calibrated: bool) -> dict[str, Any]:
    """Evaluate every policy; return rows and notes."""
    from livedqn_edu.envs.config import WorldConfig
    from livedqn_edu.recsys.calibration import CALIBRATED
    from livedqn_edu.recsys.evaluation import evaluate_policies

    config = CALIBRATED if calibrated else WorldConfig()
    notes: list[str] = []
    policies = build_policies(config, notes)
    rows = []
    for name, policy in policies.items():
        n = look_viewers if name == "lookahead_oracle" else viewers
        df = evaluate_policies({name: policy}, n, 7, tuple(seeds), config=config)
        stats = df.set_index("metric")
        ret = stats.loc["return"]
        seconds = float(ret["seconds"])
        row = {
            "policy": name,
            "mean_return": round(float(ret["mean"]), 4),
            "ci_low": round(float(ret["ci_low"]), 4),
            "ci_high": round(float(ret["ci_high"]), 4),
            "viewer_weeks": int(ret["n"]),
            "seconds": round(seconds, 2),
            "seconds_per_1000_viewer_weeks": round(1000 * seconds / int(ret["n"]), 2),
        }
        for metric in SHOWN[1:]:
            row[metric] = round(float(stats.loc[metric, "mean"]), 4)
        if name == "lookahead_oracle":
            row["world_steps"] = int(policy.world_steps)
        rows.append(row)
        print(f"{name:18s} return {row['mean_return']:7.3f} [{row['ci_low']:.3f}, "
              f"{row['ci_high']:.3f}]  {seconds:6.1f} s", flush=True)  # fmt: skip
    return {"rows": rows, "notes": notes, "config": "calibrated" if calibrated else "default"}


def markdown(result: dict[str, Any], seeds: list[int], viewers: int) -> str:
    """The results page."""
    rows = result["rows"]
    non_oracle = [r for r in rows if r["policy"] != "lookahead_oracle"]
    total = sum(r["seconds_per_1000_viewer_weeks"] for r in non_oracle)
    lines = [
        "# Recommender benchmark (lessons 07-09)",
        "",
        f"Generated by `python benchmarks/recommender.py --seeds {' '.join(map(str, seeds))}` "
        f"({result['config']} world, {viewers} viewers x 7 days per seed; lookahead oracle on "
        f"fewer viewers, see `viewer_weeks`). Machine: {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}.",
        "",
        "Return per viewer-week with its 95% confidence interval (normal approximation over "
        "viewer-weeks), then the mean of each metric (definitions in "
        "`livedqn_edu.envs.vector_eval.METRICS`).",
        "",
        "| policy | return [95% CI] | " + " | ".join(SHOWN[1:]) + " | s / 1,000 viewer-weeks |",
        "|---|---|" + "---|" * (len(SHOWN) - 1) + "---|",
    ]
    for r in rows:
        cells = " | ".join(f"{r[m]:.3g}" for m in SHOWN[1:])
        lines.append(
            f"| {r['policy']} | {r['mean_return']:.2f} [{r['ci_low']:.2f}, {r['ci_high']:.2f}] "
            f"| {cells} | {r['seconds_per_1000_viewer_weeks']:.1f} |"
        )
    lines += [
        "",
        f"Evaluation wall time of all policies but the lookahead oracle over 1,000 viewer-weeks: "
        f"**{total:.1f} s** (target <= 60 s).",
    ]
    look = [r for r in rows if r["policy"] == "lookahead_oracle"]
    if look:
        r = look[0]
        lines.append(
            f"Lookahead oracle cost: {r['world_steps']:,} simulated world steps (each over all "
            f"viewers) for {r['viewer_weeks']:,} viewer-weeks, "
            f"{r['seconds_per_1000_viewer_weeks']:.0f} s per 1,000 viewer-weeks."
        )
    lines += ["", "Notes:", *(f"- {n}" for n in result["notes"]), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="viewer-population seeds for evaluation")  # fmt: skip
    parser.add_argument("--viewers", type=int, default=1_000, help="viewers per seed")
    parser.add_argument("--lookahead-viewers", type=int, default=300,
                        help="viewers per seed for the costly lookahead oracle")  # fmt: skip
    parser.add_argument("--calibrated", action="store_true",
                        help="use the calibrated world of the shipped logs")  # fmt: skip
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    result = run(args.seeds, args.viewers, args.lookahead_viewers, args.calibrated)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(markdown(result, args.seeds, args.viewers), encoding="utf-8")
    print(f"wrote {RESULTS}")
    if args.json is not None:
        args.json.write_text(json.dumps(result["rows"], indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
