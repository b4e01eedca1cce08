"""Tune the baselines' settings on VALIDATION viewers and write the record the package copies.

What is chosen, on which viewers (``livedqn_edu.recsys.tuning``; objective: mean expected return
per viewer-week, every setting on the same viewers with the same random numbers):

1. the visible scorer's weights: coordinate search from followed-first written as a soft score,
   on ``--viewers`` viewers of validation seed 10,000;
2. a check on other validation viewers (seed 10,001): the chosen weights against the start and
   against followed-first, paired differences with 95% intervals;
3. the diversity re-ranker's ``lam`` over a grid below 1 (chosen weights), seed 10,000
   (``lam = 1`` is the scorer itself, whose value is the search's);
4. LinUCB's ``alpha``, fitted on the shipped logs and learning online from scratch, seed 10,000.

Writes ``benchmarks/results/baselines_tuning.json`` (every point tried with its value) and
``baselines_tuning.md`` with default options only. ``livedqn_edu.recsys.baselines.TUNED`` /
``TUNED_LAMBDA`` and ``livedqn_edu.recsys.lineup.LINUCB_ALPHA`` are copied from it
(``tests/test_tuning.py`` checks they agree).

Usage::

    python benchmarks/tune_baselines.py [--viewers 1000] [--passes 8] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LIVEDQN_TF_THREADS", "1")

RESULTS = Path(__file__).parent / "results"
DEFAULTS = {"viewers": 1_000, "passes": 8}


def run(viewers: int, passes: int) -> dict[str, Any]:
    """Every search; the record as a dict."""
    from livedqn_edu.envs.populations import VALIDATION
    from livedqn_edu.recsys.baselines import START_WEIGHTS, VisibleScorer
    from livedqn_edu.recsys.evaluation import evaluate_policies
    from livedqn_edu.recsys.offpolicy import shipped_logs
    from livedqn_edu.recsys.policies import FollowedFirst, LinUCB
    from livedqn_edu.recsys.stats import paired_difference
    from livedqn_edu.recsys.tuning import (
        SCORER_STEPS,
        tune_linucb_alpha,
        tune_mmr_lambda,
        tune_visible_scorer,
    )

    search_seed, check_seed = VALIDATION.seeds[0], VALIDATION.seeds[1]
    t0 = time.perf_counter()
    weights, trace = tune_visible_scorer(viewers, (search_seed,), passes=passes)
    search_seconds = time.perf_counter() - t0
    print(f"visible scorer: {weights} ({len(trace)} points, {search_seconds:.0f} s)", flush=True)

    check = evaluate_policies(
        {
            "tuned": VisibleScorer(weights),
            "start": VisibleScorer(START_WEIGHTS),
            "followed_first": FollowedFirst(),
        },
        viewers,
        7,
        (check_seed,),
        population=VALIDATION,
        per_viewer=True,
    )
    value = {
        n: check.loc[check["policy"] == n, "expected_return"].to_numpy()
        for n in ("tuned", "start", "followed_first")
    }
    confirm = {}
    for other in ("start", "followed_first"):
        diff, low, high = paired_difference(value["tuned"], value[other], rng=0)
        confirm[f"tuned_minus_{other}"] = {
            "diff": diff,
            "low": low,
            "high": high,
            "mean_other": float(value[other].mean()),
        }
    confirm["tuned_mean"] = float(value["tuned"].mean())
    print(f"check on seed {check_seed}: {confirm}", flush=True)

    lam, lam_values = tune_mmr_lambda(weights, n_viewers=viewers, seeds=(search_seed,))
    print(f"mmr lam {lam}: {lam_values}", flush=True)

    logs = shipped_logs()

    def warm(alpha: float) -> LinUCB:
        return LinUCB(alpha=alpha).fit(logs.obs, logs.actions, logs.rewards)

    alpha_logs, logs_values = tune_linucb_alpha(warm, n_viewers=viewers, seeds=(search_seed,))
    alpha_online, online_values = tune_linucb_alpha(
        lambda a: LinUCB(alpha=a), n_viewers=viewers, seeds=(search_seed,)
    )
    print(f"linucb alpha logs {alpha_logs} {logs_values}; online {alpha_online} {online_values}")
    return {
        "population": VALIDATION.name,
        "search_seed": search_seed,
        "check_seed": check_seed,
        "viewers": viewers,
        "objective": "mean expected_return per viewer-week",
        "visible_scorer": {
            "start": START_WEIGHTS.as_dict(),
            "steps": SCORER_STEPS,
            "passes": passes,
            "chosen": weights.as_dict(),
            "chosen_value": max(t["value"] for t in trace),
            "start_value": trace[0]["value"],
            "seconds": round(search_seconds, 1),
            "trace": trace,
            "check": confirm,
        },
        "mmr_lambda": {"chosen": lam, "values": lam_values},
        "linucb_alpha": {
            "linucb_logs": {"chosen": alpha_logs, "values": logs_values},
            "linucb_online": {"chosen": alpha_online, "values": online_values},
        },
        "seconds": round(time.perf_counter() - t0, 1),
    }


def _grid(label: str, values: dict[str, float]) -> list[str]:
    """A one-row markdown table of a grid search: each setting and its validation value."""
    return [
        f"| {label} | " + " | ".join(f"{float(k):g}" for k in values) + " |",
        "|---|" + "---|" * len(values),
        "| validation value | " + " | ".join(f"{v:.3f}" for v in values.values()) + " |",
        "",
    ]


def markdown(record: dict[str, Any]) -> str:
    """The record as a results page."""
    vs = record["visible_scorer"]
    names = list(vs["start"])
    lines = [
        "# Tuning the baselines on validation viewers",
        "",
        f"Generated by `python benchmarks/tune_baselines.py` ({record['seconds']:.0f} s). "
        f"Objective: {record['objective']}, {record['viewers']:,} viewers of validation seed "
        f"{record['search_seed']:,}, every setting on the same viewers and random numbers.",
        "",
        f"## Visible scorer: coordinate search ({len(vs['trace'])} points, {vs['passes']} passes)",
        "",
        "| | " + " | ".join(names) + " | validation value |",
        "|---|" + "---|" * (len(names) + 1),
        "| start | "
        + " | ".join(f"{vs['start'][n]:g}" for n in names)
        + f" | {vs['start_value']:.3f} |",
        "| chosen | "
        + " | ".join(f"{vs['chosen'][n]:g}" for n in names)
        + f" | {vs['chosen_value']:.3f} |",
        "",
        f"Check on other validation viewers (seed {record['check_seed']:,}): the chosen weights "
        f"score {vs['check']['tuned_mean']:.3f};",
    ]
    for other in ("start", "followed_first"):
        c = vs["check"][f"tuned_minus_{other}"]
        lines.append(
            f"- minus {other} ({c['mean_other']:.3f}): {c['diff']:+.3f} "
            f"[{c['low']:+.3f}, {c['high']:+.3f}] (paired 95% bootstrap interval)"
        )
    mmr = record["mmr_lambda"]
    lines += [
        "",
        f"## Diversity re-ranker: lam = {mmr['chosen']:g}",
        "",
        f"The scorer itself (lam = 1) scores {vs['chosen_value']:.3f} on the same viewers.",
        "",
        *_grid("lam", mmr["values"]),
    ]
    for name, res in record["linucb_alpha"].items():
        lines += [f"## {name}: alpha = {res['chosen']:g}", "", *_grid("alpha", res["values"])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=int, default=DEFAULTS["viewers"])
    parser.add_argument("--passes", type=int, default=DEFAULTS["passes"])
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the record here instead (non-default runs never overwrite the committed one)",
    )
    args = parser.parse_args(argv)
    default = args.viewers == DEFAULTS["viewers"] and args.passes == DEFAULTS["passes"]
    out = args.out or (RESULTS if default else None)
    record = run(args.viewers, args.passes)
    if out is None:
        print(json.dumps({k: v for k, v in record.items() if k != "visible_scorer"}, indent=2))
        print("non-default options: nothing written (pass --out DIR to keep the record)")
        return
    out.mkdir(parents=True, exist_ok=True)
    (out / "baselines_tuning.json").write_text(json.dumps(record, indent=1) + "\n")
    (out / "baselines_tuning.md").write_text(markdown(record) + "\n")
    print(f"wrote {out / 'baselines_tuning.json'} and baselines_tuning.md")


if __name__ == "__main__":
    main()
