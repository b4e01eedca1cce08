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
    """The line-up of lesson 07 (learned baselines: one fit per training seed).

    Without ``recsys.lineup`` (the baselines' branch not merged yet) a smaller line-up:
    followed-first, the myopic model fitted on the logs (one per seed) and the myopic oracle.
    """
    start = time.perf_counter()
    try:
        from livedqn_edu.recsys.lineup import baseline_policies

        from livedqn_edu.recsys.offpolicy import shipped_logs
    except ImportError:
        from livedqn_edu.recsys.offpolicy import collect_logs
        from livedqn_edu.recsys.oracles import MyopicModel, MyopicOracle
        from livedqn_edu.recsys.policies import FollowedFirst

        logs = collect_logs(2_000, 7, seed=0)
        notes.append("SMALL LINE-UP: recsys.lineup is not on this branch yet")
        return {"followed_first": FollowedFirst(), "myopic_oracle": MyopicOracle(),
                "myopic_model": [MyopicModel(seed=s).fit(logs.obs, logs.actions, logs.rewards)
                                 for s in seeds]}  # fmt: skip
    logs = shipped_logs()
    policies = baseline_policies(logs, seeds=seeds)
    notes.append(
        f"learned baselines fitted on {len(seeds)} viewer-bootstrap resamples of the "
        f"shipped logs ({len(logs):,} impressions), {time.perf_counter() - start:.0f} s"
    )
    return policies


def per_viewer_frame(policies: dict[str, Any], population: Any, viewers: int, seeds: Any) -> Any:
    """``recsys.evaluation.per_viewer_frame`` (same viewers, common random numbers), or the same
    table built here from ``evaluate_policies`` when that helper is not on this branch yet."""
    try:
        from livedqn_edu.recsys.evaluation import per_viewer_frame as frame_of
    except ImportError:
        import pandas as pd

        from livedqn_edu.recsys.evaluation import evaluate_policies

        frames = []
        for name, entry in policies.items():
            for i, policy in enumerate(entry if isinstance(entry, list) else [entry]):
                df = evaluate_policies({name: policy}, viewers, 7, tuple(seeds), per_viewer=True,
                                       population=population)  # fmt: skip
                frames.append(df.assign(train_seed=i, viewer=df.groupby("seed").cumcount()))
        return pd.concat(frames, ignore_index=True)
    return frame_of(policies, population, viewers, tuple(seeds))


def values_from_frame(frame: Any) -> dict[str, Any]:
    """``{policy: (training seeds, viewers)}`` returns of a per-viewer frame."""
    out = {}
    for name in dict.fromkeys(frame["policy"]):
        sub = frame[frame["policy"] == name].sort_values(["train_seed", "seed", "viewer"])
        out[name] = sub["return"].to_numpy(dtype=float).reshape(sub["train_seed"].nunique(), -1)
    return out


def evaluate(policies: dict[str, Any], population: Any, viewers: int, n_seeds: int) -> dict:
    """Per-viewer values on one population; the comparison table and the secondary metrics."""
    from livedqn_edu.recsys.stats import compare_policies

    frame = per_viewer_frame(policies, population, viewers, population.seeds[:n_seeds])
    table = compare_policies(values_from_frame(frame), reference="dqn")
    gamma = compare_policies({k: values_from_frame(frame)[k] for k in ("dqn", "dqn_gamma0")},
                             reference="dqn_gamma0").set_index("policy").loc["dqn"]  # fmt: skip
    metrics = ("ctr", "sessions", "follows", "category_diversity", "churned")
    extra = frame.groupby("policy", sort=False)[list(metrics)].mean()
    rows = [{**{k: (round(float(v), 4) if isinstance(v, float) else v) for k, v in r.items()},
             **{m: round(float(extra.loc[r["policy"], m]), 4) for m in metrics}}
            for r in table.to_dict("records")]  # fmt: skip
    per_seed = frame.groupby(["policy", "train_seed"])["return"].mean()
    return {
        "population": population.name, "viewer_seeds": list(population.seeds[:n_seeds]),
        "viewers": viewers, "rows": rows,
        "gamma_09_minus_0": [round(float(gamma[k]), 4)
                             for k in ("diff_vs_dqn_gamma0", "diff_low", "diff_high")],
        "per_train_seed": {p: [round(float(per_seed[p][s]), 3) for s in per_seed[p].index]
                           for p in ("dqn", "dqn_gamma0")},
    }  # fmt: skip


def planner_check(dqn: list[Any], population: Any, viewers: int, n_seeds: int) -> dict:
    """The DQN as a share of the planner on the same (fewer) viewers, and the planner's cost."""
    import numpy as np

    from livedqn_edu.recsys.oracles import LookaheadOracle, MyopicOracle
    from livedqn_edu.recsys.stats import bootstrap_replicates

    # the world's planner (docs/live-room-world.md): an upper reference, costly
    plan = LookaheadOracle(depth=12, n_rollouts=6, top=3, min_t=2.0, seed=0)
    pols = {"planner": plan, "myopic_oracle": MyopicOracle(), "dqn": dqn}
    values = values_from_frame(per_viewer_frame(pols, population, viewers,
                                                population.seeds[:n_seeds]))  # fmt: skip
    reps = bootstrap_replicates(values, 2_000, rng=0)
    ratio = reps["dqn"] / reps["planner"]
    return {
        "viewers": viewers * n_seeds, "seconds": round(plan.seconds, 1),
        "world_steps": int(plan.world_steps),
        "means": {k: round(float(v.mean()), 4) for k, v in values.items()},
        "dqn_share_of_planner": [round(float(values["dqn"].mean() / values["planner"].mean()), 4),
                                 *[round(float(q), 4) for q in np.quantile(ratio, [0.025, 0.975])]],
    }  # fmt: skip


def markdown(result: dict[str, Any], command: str) -> str:
    """The results page: training, the two tables, gamma 0.9 vs 0, the planner."""
    tr = result["training"]
    lines = [
        "# The DQN recommender over training seeds (lesson 08)", "",
        f"Generated by `{command}`. Training seeds {tr['seeds']}, {tr['steps']:,} viewer-steps "
        f"per agent, {tr['jobs']} training(s) at a time on a {tr['cpus']}-CPU machine; median "
        f"training time per agent {tr['median_seconds']:.0f} s (max {tr['max_seconds']:.0f} s). "
        "Validation score of each agent (mean return per viewer-week, validation viewers): "
        + "; ".join(f"{k} {' '.join(f'{v:.2f}' for v in vals)}" for k, vals in tr["scores"].items())
        + ".", "",
    ]  # fmt: skip
    for ev in result["evaluations"]:
        lines += [
            f"## {ev['population']} viewers (seeds {ev['viewer_seeds']}, {ev['viewers']:,} each)",
            "", "Return per viewer-week, mean [95% CI]; difference to the DQN on the same viewers "
            "[95% CI] (two-stage bootstrap: training seeds, then viewers).", "",
            "| policy | seeds | return [95% CI] | minus dqn [95% CI] | ctr | follows | "
            "categories (diversity) | churned |", "|---|---|---|---|---|---|---|---|",
        ]  # fmt: skip
        for r in ev["rows"]:
            d = (
                "(reference)"
                if r["policy"] == "dqn"
                else f"{r['diff_vs_dqn']:+.2f} [{r['diff_low']:+.2f}, {r['diff_high']:+.2f}]"
            )
            lines.append(
                f"| {r['policy']} | {r['seeds']} | {r['mean_return']:.2f} [{r['ci_low']:.2f}, "
                f"{r['ci_high']:.2f}] | {d} | {r['ctr']:.3f} | {r['follows']:.3f} | "
                f"{r['category_diversity']:.3f} | {r['churned']:.3f} |"
            )  # fmt: skip
        g = ev["gamma_09_minus_0"]
        lines += [
            "",
            f"gamma 0.9 minus gamma 0: {g[0]:+.2f} [{g[1]:+.2f}, {g[2]:+.2f}]. Per "
            "training seed: "
            + "; ".join(
                f"{k} {' '.join(f'{v:.2f}' for v in vals)}"
                for k, vals in ev["per_train_seed"].items()
            ),
            "",
        ]
        if ev.get("planner"):
            p = ev["planner"]
            lines += [f"Planner (upper reference) on {p['viewers']:,} of these viewer-weeks: "
                      f"{p['means']['planner']:.2f}, myopic oracle "
                      f"{p['means']['myopic_oracle']:.2f}, "
                      f"DQN {p['means']['dqn']:.2f}: the DQN reaches "
                      f"{p['dqn_share_of_planner'][0]:.1%} [{p['dqn_share_of_planner'][1]:.1%}, "
                      f"{p['dqn_share_of_planner'][2]:.1%}] of the planner. The planner's cost: "
                      f"{p['seconds']:.0f} s, {p['world_steps']:,} world steps.", ""]  # fmt: skip
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
