"""Benchmark of lessons 07-09: every recommender on the same test viewers, paired with the DQN.

Protocol (issue 10):

- every policy runs over ``--viewers`` viewers x 7 days for each viewer seed of the population
  (default: the test population, seeds 20,000 and 20,001), on the SAME viewers with common random
  numbers (``livedqn_edu.recsys.evaluation.per_viewer_frame``);
- learned policies have one fitted copy per training seed: the DQN and its gamma-0 twin load
  ``data/checkpoints/live_room/dqn{,_gamma0}_seed{S}.keras`` when present (else the single
  shipped checkpoint, said in the header); LinUCB fitted on the logs and the myopic model fit
  on 5 viewer-bootstrap resamples of the shipped logs (``livedqn_edu.recsys.lineup``);
- each policy's mean return per viewer-week with its 95% interval and its paired difference to
  the DQN, intervals from a two-stage bootstrap that resamples training seeds, then viewers
  (``livedqn_edu.recsys.stats.compare_policies``);
- the planner (``lineup.planner``: the world's knowledge, 12-step rollouts) is an upper
  reference and costly: it runs on ``--planner-viewers`` viewers per seed, compared with the DQN
  and the myopic oracle on those same viewers; its cost is reported in seconds.

Targets: evaluating every policy but the planner (one fitted copy each) over 1,000 viewer-weeks
takes <= 60 s (the sum of their wall times, scaled to 1,000 viewer-weeks).

Usage::

    python benchmarks/recommender.py                   # test viewers: results/recommender.md
    python benchmarks/recommender.py --catalogue-seed  # new catalogue (rooms seed 424,242):
                                                       #   results/recommender_new_catalogue.md
    python benchmarks/recommender.py [--catalogue-seed N] [--seeds S ...] [--viewers 1000]
        [--planner-viewers 250] [--json OUT]

Only the two default runs write under ``benchmarks/results/`` (markdown and JSON); any other
option prints the table and writes ``--json OUT`` if asked.
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

RESULTS = Path(__file__).parent / "results"
DEFAULT_VIEWERS, DEFAULT_PLANNER_VIEWERS, DEFAULT_SEEDS = 1_000, 250, 2
TRAIN_SEEDS = tuple(range(5))
SECONDARY = ("ctr", "follows", "category_diversity", "long_tail_share", "churned")


def population_for(catalogue_seed: int | None) -> Any:
    """The test population, or test viewers' counterpart on another room catalogue."""
    from livedqn_edu.envs.populations import NEW_CATALOGUE, NEW_ROOMS, TEST, Population

    if catalogue_seed is None:
        return TEST
    if catalogue_seed == NEW_ROOMS:
        return NEW_CATALOGUE
    return Population(
        f"catalogue_{catalogue_seed}",
        catalogue_seed,
        NEW_CATALOGUE.seeds,
        f"viewers of the new catalogue on rooms seed {catalogue_seed}",
    )


def load_dqns(notes: list[str]) -> dict[str, list[Any]]:
    """The DQN and its gamma-0 twin, one agent policy per training seed when shipped."""
    from livedqn_edu.manifest import data_dir
    from livedqn_edu.recsys.policies import AgentPolicy
    from livedqn_edu.recsys.train import load_live_room_agent

    out: dict[str, list[Any]] = {}
    for name, suffix in (("dqn", ""), ("dqn_gamma0", "_gamma0")):
        paths = [
            data_dir() / "checkpoints" / "live_room" / f"dqn{suffix}_seed{s}.keras"
            for s in TRAIN_SEEDS
        ]
        found = [p for p in paths if p.is_file()]
        if found:
            out[name] = [AgentPolicy(load_live_room_agent(p), name) for p in found]
            notes.append(f"{name}: {len(found)} training seeds ({found[0].parent.name}/)")
            continue
        try:
            agent = load_live_room_agent(gamma0=bool(suffix))
        except FileNotFoundError as exc:
            notes.append(f"{name} skipped: {exc}")
            continue
        out[name] = [AgentPolicy(agent, name)]
        notes.append(
            f"{name}: ONE training seed (the single shipped "
            f"live_room_dqn{suffix}.keras; the multi-seed checkpoints are not shipped)"
        )
    return out


def build_policies(notes: list[str], train_seeds: tuple[int, ...] = TRAIN_SEEDS) -> dict[str, Any]:
    """The line-up (baselines, fitted per training seed) and the DQNs, in table order."""
    from livedqn_edu.recsys.lineup import baseline_policies
    from livedqn_edu.recsys.offpolicy import shipped_logs

    start = time.perf_counter()
    logs = shipped_logs()
    policies: dict[str, Any] = baseline_policies(logs, seeds=train_seeds)
    notes.append(
        f"linucb_logs / myopic_model: fitted on {len(train_seeds)} viewer-bootstrap "
        f"resamples of the shipped logs ({len(logs):,} impressions), "
        f"{time.perf_counter() - start:.0f} s"
    )
    return {**load_dqns(notes), **policies}


SCORER = "visible_scorer"
"""The second reference of every row: the tuned heuristic (lesson 07 reads the table against it)."""


def compare(frame: Any, weeks: int) -> list[dict[str, Any]]:
    """One row per policy: mean return, paired difference to the DQN and to the tuned scorer."""
    from livedqn_edu.recsys.evaluation import values_from_frame
    from livedqn_edu.recsys.stats import compare_policies

    values = values_from_frame(frame)
    vs_dqn = compare_policies(values, reference="dqn").set_index("policy")
    vs_scorer = compare_policies(values, reference=SCORER).set_index("policy")
    rows = []
    for name, r in vs_dqn.iterrows():
        s = vs_scorer.loc[name]
        sub = frame[frame["policy"] == name]
        rows.append({
            "policy": name, "mean_return": r["mean_return"], "ci_low": r["ci_low"],
            "ci_high": r["ci_high"], "diff_vs_dqn": r["diff_vs_dqn"], "diff_low": r["diff_low"],
            "diff_high": r["diff_high"], f"diff_vs_{SCORER}": s[f"diff_vs_{SCORER}"],
            "scorer_diff_low": s["diff_low"], "scorer_diff_high": s["diff_high"],
            "seeds": int(r["seeds"]), "viewers": int(r["viewers"]),
            "seconds_per_1000_viewer_weeks": 1000 * min(frame.attrs["seconds"][name]) / weeks,
            **{m: sub[m].mean() for m in SECONDARY},
        })  # fmt: skip
    return [{k: round(float(v), 4) if isinstance(v, float) else v for k, v in row.items()}
            for row in rows]  # fmt: skip


def run(population: Any, seeds: tuple[int, ...], viewers: int, planner_viewers: int) -> dict:
    """Evaluate every policy; the rows, the planner's cost and the notes."""
    from livedqn_edu.recsys.evaluation import per_viewer_frame, values_from_frame
    from livedqn_edu.recsys.lineup import planner
    from livedqn_edu.recsys.stats import compare_policies

    notes: list[str] = []
    policies = build_policies(notes)
    if "dqn" not in policies:
        raise SystemExit("no DQN checkpoint: the table compares every policy with the DQN")
    rows = compare(per_viewer_frame(policies, population, viewers, seeds), viewers * len(seeds))
    for r in rows:
        print(f"{r['policy']:15s} {r['mean_return']:7.2f} [{r['ci_low']:.2f}, {r['ci_high']:.2f}]"
              f"  vs dqn {r['diff_vs_dqn']:+.2f} [{r['diff_low']:+.2f}, {r['diff_high']:+.2f}]",
              flush=True)  # fmt: skip
    result: dict[str, Any] = {"rows": rows, "notes": notes, "planner": None}
    if planner_viewers > 0:
        plan = planner()
        near = {"planner": plan, **{k: policies[k] for k in ("myopic_oracle", SCORER, "dqn")}}
        small = per_viewer_frame(near, population, planner_viewers, seeds)
        prows = {r["policy"]: r for r in compare(small, planner_viewers * len(seeds))}
        gap = compare_policies(values_from_frame(small), reference="myopic_oracle")
        gap = gap.set_index("policy").loc["planner"]
        result["planner"] = {
            "viewer_weeks": planner_viewers * len(seeds), "seconds": round(plan.seconds, 1),
            "world_steps": int(plan.world_steps),
            "on_these_viewers": {k: r["mean_return"] for k, r in prows.items()},
            "minus_myopic_oracle": [round(float(gap[k]), 4)
                                    for k in ("diff_vs_myopic_oracle", "diff_low", "diff_high")],
        }  # fmt: skip
        rows.append(prows["planner"])
        print(f"planner {prows['planner']['mean_return']:.2f} ({plan.seconds:.0f} s)", flush=True)
    result["seconds_per_1000_all_but_planner"] = round(
        sum(r["seconds_per_1000_viewer_weeks"] for r in rows if r["policy"] != "planner"), 1
    )
    return result


def markdown(
    result: dict[str, Any], command: str, population: Any, seeds: tuple[int, ...], viewers: int
) -> str:
    """The results page."""
    from livedqn_edu.recsys.lineup import BASELINES

    what = {
        **BASELINES,
        "dqn": "the DQN recommender (gamma 0.9), greedy",
        "dqn_gamma0": "its myopic twin (gamma 0), greedy",
        "planner": "12-step rollouts on the true world: an upper reference, not a recommender",
    }
    rows = result["rows"]
    dqn = next(r for r in rows if r["policy"] == "dqn")
    seed_text = ", ".join(f"{s:,}" for s in seeds)
    lines = [
        f"# Recommender benchmark (lessons 07-09): {population.name} viewers",
        "",
        f"Generated by `{command}`: {viewers:,} viewers x 7 days for each viewer seed "
        f"({seed_text}) of the `{population.name}` population (rooms seed "
        f"{population.room_seed:,}), every policy on the same viewers with common random "
        f"numbers. Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}.",
        "",
        f"**DQN seeds: {dqn['seeds']}.** " + " ".join(n for n in result["notes"] if "dqn" in n),
        "",
        "Return per viewer-week (0.1 per watch minute, plus follows, gifts and return visits "
        "at the world's weights): mean with its 95% interval, and the paired difference to the "
        "DQN and to the tuned visible scorer on the same viewers with their 95% intervals "
        "(`recsys.stats.compare_policies`: a "
        "two-stage bootstrap resampling training seeds, then viewers; 2,000 replicates). "
        "`seeds` is the number of training seeds (fitted copies) of a policy.",
        "",
        f"| policy | what it does | seeds | return [95% CI] | minus dqn [95% CI] | minus {SCORER} "
        "[95% CI] | s / 1,000 viewer-weeks |",
        "|---|---|---|---|---|---|---|",
    ]

    def cell(r: dict[str, Any], ref: str, diff: str, low: str, high: str) -> str:
        if r["policy"] == ref:
            return "(reference)"
        return f"{r[diff]:+.2f} [{r[low]:+.2f}, {r[high]:+.2f}]"

    for r in rows:
        where = " (on fewer viewers: below)" if r["policy"] == "planner" else ""
        lines.append(
            f"| {r['policy']} | {what.get(r['policy'], '')}{where} | {r['seeds']} | "
            f"{r['mean_return']:.2f} [{r['ci_low']:.2f}, {r['ci_high']:.2f}] | "
            f"{cell(r, 'dqn', 'diff_vs_dqn', 'diff_low', 'diff_high')} | "
            f"{cell(r, SCORER, f'diff_vs_{SCORER}', 'scorer_diff_low', 'scorer_diff_high')} | "
            f"{r['seconds_per_1000_viewer_weeks']:.1f} |"
        )
    lines += [
        "",
        "Other metrics (means per viewer-week; definitions in "
        "`livedqn_edu.envs.vector_eval.METRICS`):",
        "",
        "| policy | " + " | ".join(SECONDARY) + " |",
        "|---|" + "---|" * len(SECONDARY),
    ]
    for r in rows:
        lines.append(f"| {r['policy']} | " + " | ".join(f"{r[m]:.3f}" for m in SECONDARY) + " |")
    lines += [
        "",
        f"Evaluation wall time of every policy but the planner (one fitted copy each) "
        f"over 1,000 viewer-weeks: **{result['seconds_per_1000_all_but_planner']:.1f} s** "
        "(target <= 60 s).",
    ]
    p = result["planner"]
    if p:
        gap = p["minus_myopic_oracle"]
        lines.append(
            f"The planner ran on {p['viewer_weeks']:,} viewer-weeks "
            f"({p['viewer_weeks'] // len(seeds):,} viewers of each seed: a smaller draw, not a "
            "subset of the table's viewers), "
            f"compared there with the DQN ({p['on_these_viewers']['dqn']:.2f}), the visible scorer "
            f"({p['on_these_viewers'][SCORER]:.2f}) and the myopic oracle "
            f"({p['on_these_viewers']['myopic_oracle']:.2f}): planner minus myopic oracle "
            f"{gap[0]:+.2f} [{gap[1]:+.2f}, {gap[2]:+.2f}]. Its cost: {p['seconds']:.0f} s and "
            f"{p['world_steps']:,} simulated world steps (each over all its viewers)."
        )
    lines += ["", "Notes:", *(f"- {n}" for n in result["notes"]), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    from livedqn_edu.envs.populations import NEW_ROOMS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--catalogue-seed",
        type=int,
        nargs="?",
        const=NEW_ROOMS,
        default=None,
        help=f"evaluate on a new room catalogue (default {NEW_ROOMS:,}, the "
        "new_catalogue population) instead of the test viewers",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=None,
        help="viewer seeds (default the population's first two)",
    )
    parser.add_argument("--viewers", type=int, default=DEFAULT_VIEWERS, help="viewers per seed")
    parser.add_argument(
        "--planner-viewers",
        type=int,
        default=DEFAULT_PLANNER_VIEWERS,
        help="viewers per seed for the costly planner (0: leave it out)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    population = population_for(args.catalogue_seed)
    seeds = tuple(args.seeds or population.seeds[:DEFAULT_SEEDS])
    default = (
        args.seeds is None
        and args.viewers == DEFAULT_VIEWERS
        and args.planner_viewers == DEFAULT_PLANNER_VIEWERS
        and args.catalogue_seed in (None, NEW_ROOMS)
    )
    start = time.perf_counter()
    result = run(population, seeds, args.viewers, args.planner_viewers)
    result["total_seconds"] = round(time.perf_counter() - start, 1)
    command = "python benchmarks/recommender.py" + (
        "" if args.catalogue_seed is None else f" --catalogue-seed {args.catalogue_seed}"
    )
    text = markdown(result, command, population, seeds, args.viewers)
    print(text)
    if default:
        stem = "recommender" if args.catalogue_seed is None else "recommender_new_catalogue"
        (RESULTS / f"{stem}.md").write_text(text, encoding="utf-8")
        (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {RESULTS / stem}.md and .json")
    if args.json is not None:
        args.json.write_text(json.dumps(result["rows"], indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
