"""The DQN recommender over five training seeds: train, ship, and compare on test viewers.

For each training seed, the DQN (gamma 0.9 per day) and its myopic twin (gamma 0) are trained
with the shipped set-up (:func:`livedqn_edu.recsys.train.train_recommender`, validation curves
recorded) and saved as ``data/checkpoints/live_room/dqn{,_gamma0}_seed{S}.keras`` (seed 0's
copied to the one-seed ``live_room_dqn{,_gamma0}.keras``; checksums in ``data/MANIFEST.json``).
Then every policy runs on the same test viewers and on the new catalogue's viewers (common
random numbers), and the tables give each policy's mean return per viewer-week with its 95%
interval and its paired difference to the DQN, intervals from a two-stage bootstrap that
resamples training seeds, then viewers (:func:`livedqn_edu.recsys.stats.compare_policies`).
The planner (the world's knowledge: an upper reference) runs on fewer viewers, with the DQN
beside it on those viewers.

    python benchmarks/recommender_dqn.py --jobs 2          # retrain, ship, evaluate (~1 hour)
    python benchmarks/recommender_dqn.py --train-only      # retrain and ship only
    python benchmarks/recommender_dqn.py --from-checkpoints  # evaluate the shipped seeds only

``--jobs N`` trains N agents at a time in separate processes (one TensorFlow thread each); the
training times are then measured with N trainings sharing the CPU. A run with non-default
options writes its checkpoints to a temporary folder and its results under ``--out`` only if
given: it never overwrites the shipped checkpoints or the committed results.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("LIVEDQN_TF_THREADS", "1")

RESULTS = Path(__file__).parent / "results"
DEFAULTS = {"train_seeds": [0, 1, 2, 3, 4], "steps": None, "viewers": 1_000, "viewer_seeds": 2,
            "planner_viewers": 250, "curve_every": 100_000, "curve_viewers": 500}  # fmt: skip


def train_one(seed: int, gamma0: bool, steps: int, out: str, curve_every: int, curve_viewers: int):
    """Train one agent in a child process, save it (no manifest: the parent records)."""
    from livedqn_edu.recsys.train import checkpoint_path, train_recommender

    agent, meta, curve = train_recommender(
        seed, gamma0, steps, progress=False, curve_every=curve_every, curve_viewers=curve_viewers
    )
    path = checkpoint_path(seed, gamma0, out)
    agent.save(path, seed=seed, **meta)
    name = "dqn_gamma0" if gamma0 else "dqn"
    print(f"seed {seed} {name}: validation {meta['score']:.2f} ({meta['train_seconds']:.0f} s)",
          flush=True)  # fmt: skip
    return {"seed": seed, "policy": name, "meta": meta, "curve": curve, "path": str(path)}


def train_all(args: argparse.Namespace, out: str) -> list[dict[str, Any]]:
    """Every (seed, agent) training, ``args.jobs`` at a time."""
    runs = [(s, g0, args.steps, out, args.curve_every, args.curve_viewers)
            for s in args.train_seeds for g0 in (False, True)]  # fmt: skip
    if args.jobs > 1:
        ctx = multiprocessing.get_context("spawn")  # TensorFlow does not survive a fork
        with ProcessPoolExecutor(args.jobs, mp_context=ctx) as pool:
            return list(pool.map(train_one, *zip(*runs, strict=True)))
    return [train_one(*r) for r in runs]


def ship(trained: list[dict[str, Any]]) -> None:
    """Record the shipped checkpoints in the manifest; copy seed 0's to the one-seed names."""
    from livedqn_edu.manifest import record
    from livedqn_edu.recsys.train import checkpoint_path, copy_checkpoint

    command = "python benchmarks/recommender_dqn.py --jobs 2"
    for run in trained:
        path = Path(run["path"])
        for p in (path, path.with_suffix(".json")):
            record(p, command=command, seed=run["seed"], gamma=run["meta"]["gamma"],
                   score=run["meta"]["score"])  # fmt: skip
        if run["seed"] == 0:
            copy_checkpoint(path, checkpoint_path(None, run["policy"] == "dqn_gamma0"), command)


def dqn_policies(root: str | None, seeds: list[int]) -> dict[str, list[Any]]:
    """The DQN and its twin, one greedy policy per training seed."""
    from livedqn_edu.recsys.policies import AgentPolicy
    from livedqn_edu.recsys.train import load_live_room_agents

    return {name: [AgentPolicy(a, name) for a in load_live_room_agents(g0, seeds, root)]
            for name, g0 in (("dqn", False), ("dqn_gamma0", True))}  # fmt: skip


def baselines(notes: list[str], seeds: list[int]) -> dict[str, Any]:
    """The line-up of lesson 07 (``recsys.lineup``; learned baselines: one fit per seed)."""
    from livedqn_edu.recsys.lineup import baseline_policies
    from livedqn_edu.recsys.offpolicy import shipped_logs

    start = time.perf_counter()
    logs = shipped_logs()
    policies = baseline_policies(logs, seeds=seeds)
    notes.append(
        f"learned baselines fitted on {len(seeds)} viewer-bootstrap resamples of the "
        f"shipped logs ({len(logs):,} impressions), {time.perf_counter() - start:.0f} s"
    )
    return policies


KEY = (("dqn", "visible_scorer"), ("dqn", "followed_first"), ("dqn", "dqn_gamma0"),
       ("dqn_gamma0", "visible_scorer"), ("dqn", "myopic_oracle"))  # fmt: skip
"""The paired differences the lesson reads (first minus second)."""


def key_comparisons(values: dict[str, Any]) -> dict[str, Any]:
    """Paired differences of :data:`KEY` and the DQN's share of the myopic oracle, 95% CIs."""
    import numpy as np

    from livedqn_edu.recsys.stats import bootstrap_replicates

    reps = bootstrap_replicates(values, 2_000, rng=0)
    out = {}
    for a, b in KEY:
        d = reps[a] - reps[b]
        mean = float(values[a].mean() - values[b].mean())
        low, high = np.quantile(d, [0.025, 0.975])
        out[f"{a} - {b}"] = [round(mean, 4), round(float(low), 4), round(float(high), 4)]
    for a in ("dqn", "dqn_gamma0"):
        share = reps[a] / reps["myopic_oracle"]
        mean = float(values[a].mean() / values["myopic_oracle"].mean())
        low, high = np.quantile(share, [0.025, 0.975])
        out[f"{a} / myopic_oracle"] = [round(mean, 4), round(float(low), 4), round(float(high), 4)]
    return out


def evaluate(policies: dict[str, Any], population: Any, viewers: int, n_seeds: int) -> dict:
    """Per-viewer values on one population; the comparison table and the secondary metrics."""
    from livedqn_edu.recsys.evaluation import per_viewer_frame, values_from_frame
    from livedqn_edu.recsys.stats import compare_policies

    frame = per_viewer_frame(policies, population, viewers, tuple(population.seeds[:n_seeds]))
    values = values_from_frame(frame)
    table = compare_policies(values, reference="dqn")
    vs_scorer = compare_policies(values, reference="visible_scorer").set_index("policy")
    metrics = ("ctr", "sessions", "follows", "category_diversity", "churned")
    extra = frame.groupby("policy", sort=False)[list(metrics)].mean()
    rows = []
    for r in table.to_dict("records"):
        row = {k: (round(float(v), 4) if isinstance(v, float) else v) for k, v in r.items()}
        vs = vs_scorer.loc[r["policy"]]
        row.update({"diff_vs_visible_scorer": round(float(vs["diff_vs_visible_scorer"]), 4),
                    "scorer_diff_low": round(float(vs["diff_low"]), 4),
                    "scorer_diff_high": round(float(vs["diff_high"]), 4)})  # fmt: skip
        row.update({m: round(float(extra.loc[r["policy"], m]), 4) for m in metrics})
        rows.append(row)
    per_seed = frame.groupby(["policy", "train_seed"])["return"].mean()
    return {
        "population": population.name, "viewer_seeds": list(population.seeds[:n_seeds]),
        "viewers": viewers, "rows": rows, "key": key_comparisons(values),
        "per_train_seed": {p: [round(float(per_seed[p][s]), 3) for s in per_seed[p].index]
                           for p in ("dqn", "dqn_gamma0")},
    }  # fmt: skip


def planner_check(dqn: list[Any], population: Any, viewers: int, n_seeds: int) -> dict:
    """The DQN as a share of the planner on the same (fewer) viewers, and the planner's cost."""
    import numpy as np

    from livedqn_edu.recsys.evaluation import per_viewer_values
    from livedqn_edu.recsys.lineup import planner
    from livedqn_edu.recsys.oracles import MyopicOracle
    from livedqn_edu.recsys.stats import bootstrap_replicates

    plan = planner(seed=0)  # the world's knowledge: an upper reference, costly
    pols = {"planner": plan, "myopic_oracle": MyopicOracle(), "dqn": dqn}
    values = per_viewer_values(pols, population, viewers, seeds=tuple(population.seeds[:n_seeds]))
    reps = bootstrap_replicates(values, 2_000, rng=0)
    ratio = reps["dqn"] / reps["planner"]
    d = reps["planner"] - reps["myopic_oracle"]
    return {
        "viewers": viewers * n_seeds, "seconds": round(plan.seconds, 1),
        "world_steps": int(plan.world_steps),
        "means": {k: round(float(v.mean()), 4) for k, v in values.items()},
        "dqn_share_of_planner": [round(float(values["dqn"].mean() / values["planner"].mean()), 4),
                                 *[round(float(q), 4) for q in np.quantile(ratio, [0.025, 0.975])]],
        "planner_minus_myopic_oracle": [
            round(float(values["planner"].mean() - values["myopic_oracle"].mean()), 4),
            *[round(float(q), 4) for q in np.quantile(d, [0.025, 0.975])]],
    }  # fmt: skip


def _ci(x: list[float], pct: bool = False) -> str:
    if pct:
        return f"{x[0]:.1%} [{x[1]:.1%}, {x[2]:.1%}]"
    return f"{x[0]:+.2f} [{x[1]:+.2f}, {x[2]:+.2f}]"


def markdown(result: dict[str, Any], command: str) -> str:
    """The results page: training, the two tables, the key paired comparisons, the planner."""
    tr = result["training"]
    lines = [
        "# The DQN recommender over training seeds (lesson 08)", "",
        f"Generated by `{command}`. Set-ups frozen on validation viewers "
        "(`recommender_dqn_configs.md`: E7 for gamma 0.9, E1 for gamma 0; "
        "`livedqn_edu.recsys.train.SHIPPED_SETUPS`). "
        f"Training seeds {tr['seeds']}, {tr['steps']:,} viewer-steps "
        f"per agent, {tr['jobs']} training(s) at a time on a shared {tr['cpus']}-CPU machine, one "
        f"TensorFlow thread; median training time per agent {tr['median_seconds']:.0f} s (max "
        f"{tr['max_seconds']:.0f} s). Validation score of each agent (mean return per viewer-week, "
        "2 x 1,000 validation viewers): "
        + "; ".join(f"{k} {' '.join(f'{v:.2f}' for v in vals)}" for k, vals in tr["scores"].items())
        + ".", "",
    ]  # fmt: skip
    for ev in result["evaluations"]:
        lines += [
            f"## {ev['population']} viewers (seeds {ev['viewer_seeds']}, {ev['viewers']:,} each)",
            "", "Return per viewer-week, mean [95% CI]; differences on the same viewers [95% CI] "
            "(two-stage bootstrap: training seeds, then viewers; `recsys.stats`).", "",
            "| policy | seeds | return [95% CI] | minus dqn [95% CI] | minus visible_scorer "
            "[95% CI] | ctr | follows | categories (diversity) | churned |",
            "|---|---|---|---|---|---|---|---|---|",
        ]  # fmt: skip
        for r in ev["rows"]:
            d = ("(reference)" if r["policy"] == "dqn" else
                 _ci([r["diff_vs_dqn"], r["diff_low"], r["diff_high"]]))  # fmt: skip
            v = (
                "(reference)"
                if r["policy"] == "visible_scorer"
                else _ci([r["diff_vs_visible_scorer"], r["scorer_diff_low"], r["scorer_diff_high"]])
            )
            lines.append(
                f"| {r['policy']} | {r['seeds']} | {r['mean_return']:.2f} [{r['ci_low']:.2f}, "
                f"{r['ci_high']:.2f}] | {d} | {v} | {r['ctr']:.3f} | {r['follows']:.3f} | "
                f"{r['category_diversity']:.3f} | {r['churned']:.3f} |"
            )  # fmt: skip
        lines += ["", "Key paired comparisons (first minus second, or share) [95% CI]:", ""]
        for name, x in ev["key"].items():
            lines.append(f"- {name}: {_ci(x, pct='/' in name)}")
        seeds = ev["per_train_seed"].items()
        per = "; ".join(f"{k} {' '.join(f'{v:.2f}' for v in vals)}" for k, vals in seeds)
        lines += ["", f"Per training seed: {per}", ""]
        if ev.get("planner"):
            p = ev["planner"]
            lines += [f"Planner (upper reference) on {p['viewers']:,} other viewer-weeks of this "
                      f"population: {p['means']['planner']:.2f}, myopic oracle "
                      f"{p['means']['myopic_oracle']:.2f}, DQN {p['means']['dqn']:.2f}; planner "
                      f"minus myopic oracle {_ci(p['planner_minus_myopic_oracle'])}; the DQN "
                      f"reaches {_ci(p['dqn_share_of_planner'], pct=True)} of the planner. The "
                      f"planner's cost: {p['seconds']:.0f} s, {p['world_steps']:,} world steps.",
                      ""]  # fmt: skip
    lines += ["Notes:", *[f"- {n}" for n in result["notes"]], ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-seeds", type=int, nargs="+", default=DEFAULTS["train_seeds"])
    parser.add_argument("--steps", type=int, default=None, help="viewer-steps per agent")
    parser.add_argument("--viewers", type=int, default=DEFAULTS["viewers"])
    parser.add_argument("--viewer-seeds", type=int, default=DEFAULTS["viewer_seeds"])
    parser.add_argument("--planner-viewers", type=int, default=DEFAULTS["planner_viewers"])
    parser.add_argument("--curve-every", type=int, default=DEFAULTS["curve_every"])
    parser.add_argument("--curve-viewers", type=int, default=DEFAULTS["curve_viewers"])
    parser.add_argument("--jobs", type=int, default=1, help="agents trained at a time")
    parser.add_argument("--from-checkpoints", action="store_true",
                        help="evaluate the shipped checkpoints, no training")  # fmt: skip
    parser.add_argument("--out", default=None, help="results .md (its .json beside it)")
    parser.add_argument(
        "--train-only",
        action="store_true",
        help="train and ship, record the training in the .json, no evaluation",
    )
    args = parser.parse_args()
    from livedqn_edu.envs.populations import NEW_CATALOGUE, TEST
    from livedqn_edu.recsys.train import LIVE_ROOM_STEPS

    custom = any(getattr(args, k) != v for k, v in DEFAULTS.items() if k != "steps")
    custom |= args.steps not in (None, LIVE_ROOM_STEPS)
    args.steps = args.steps or LIVE_ROOM_STEPS
    if args.out is None and custom:
        print("non-default options: the committed results are kept; pass --out to write "
              "somewhere", file=sys.stderr)  # fmt: skip
    out_md = Path(args.out) if args.out else (None if custom else RESULTS / "recommender_dqn.md")
    notes: list[str] = []
    root = None  # the shipped checkpoints
    result: dict[str, Any] = {"notes": notes}
    if not args.from_checkpoints:
        root = None if not custom else tempfile.mkdtemp(prefix="recommender_dqn_")
        from livedqn_edu.recsys.train import checkpoint_path

        target = str(checkpoint_path(0, root=root).parent.parent)
        trained = train_all(args, target)
        if not custom:
            ship(trained)
        else:
            notes.append(f"checkpoints of this run (not shipped): {root}")
        secs = sorted(r["meta"]["train_seconds"] for r in trained)
        result["training"] = {
            "seeds": args.train_seeds, "steps": args.steps, "jobs": args.jobs,
            "cpus": os.cpu_count(), "median_seconds": secs[len(secs) // 2],
            "max_seconds": secs[-1],
            "scores": {p: [r["meta"]["score"] for r in trained if r["policy"] == p]
                       for p in ("dqn", "dqn_gamma0")},
            "curves": trained and {f"{r['policy']}_seed{r['seed']}": r["curve"] for r in trained},
        }  # fmt: skip
    else:
        prev = RESULTS / "recommender_dqn.json"
        result["training"] = json.loads(prev.read_text())["training"] if prev.is_file() else {}
        notes.append("evaluated the shipped checkpoints; the training figures above were recorded "
                     "when they were trained (`--train-only --jobs 1`, one at a time)")  # fmt: skip
    if args.train_only:
        if out_md is not None:
            out_md.parent.mkdir(parents=True, exist_ok=True)
            out_md.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
        return
    policies = {**dqn_policies(root, args.train_seeds), **baselines(notes, args.train_seeds)}
    result["evaluations"] = []
    for population in (TEST, NEW_CATALOGUE):
        ev = evaluate(policies, population, args.viewers, args.viewer_seeds)
        if args.planner_viewers:
            ev["planner"] = planner_check(policies["dqn"], population, args.planner_viewers,
                                          args.viewer_seeds)  # fmt: skip
        result["evaluations"].append(ev)
        for r in ev["rows"]:
            print(f"{population.name:14s} {r['policy']:15s} {r['mean_return']:6.2f} minus dqn "
                  f"{r['diff_vs_dqn']:+.2f} [{r['diff_low']:+.2f}, {r['diff_high']:+.2f}]",
                  flush=True)  # fmt: skip
    command = "python " + " ".join(["benchmarks/recommender_dqn.py", *sys.argv[1:]])
    md = markdown(result, command)
    print(md)
    if out_md is not None:
        out_md.parent.mkdir(parents=True, exist_ok=True)
        out_md.write_text(md, encoding="utf-8")
        out_md.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
