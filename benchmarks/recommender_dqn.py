"""The DQN recommender's targets over several training seeds: gamma 0.9 vs gamma 0 vs baselines.

For each training seed, a gamma-0.9 and a gamma-0 agent are trained with
:func:`livedqn_edu.recsys.train.train_live_room` (training wall time recorded), then every policy
runs over the evaluation populations (viewer seeds never used in training) and the mean return
per viewer-week is reported with 95% confidence intervals (viewer-weeks pooled over evaluation
seeds and, for the DQNs, over training seeds). The table sets each DQN beside the best non-oracle
baseline (target: >= +10%, non-overlapping CIs) and beside the MyopicOracle.

    python benchmarks/recommender_dqn.py --train-seeds 0 1 2 3 4 --seeds 0 1 2 [--jobs 2]

``--jobs N`` trains N agents at a time in separate processes (one TensorFlow thread each); the
training times in the table are then measured with N trainings sharing the CPU.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("LIVEDQN_TF_THREADS", "1")

import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.recsys.evaluation import evaluate_policies, mean_ci
from livedqn_edu.recsys.policies import AgentPolicy
from livedqn_edu.recsys.train import LIVE_ROOM_STEPS, train_live_room

sys.path.insert(0, str(Path(__file__).parent))
from recommender import build_policies  # noqa: E402  (the baselines of recommender.md, reused)

METRICS = ("return", "ctr", "sessions", "return_visits", "follows", "category_diversity")
PAIRED = ("return", "watch_minutes", "ctr", "sessions", "return_visits", "churned")
BASELINES = ("random", "most_viewers", "followed_first", "linucb", "myopic_model")
SKIPPED = ("lookahead_oracle", "dqn", "dqn_gamma0")  # too slow here / trained below instead


def train_and_evaluate(
    ts: int, name: str, gamma: float, steps: int, viewers: int, seeds: tuple[int, ...]
) -> tuple[pd.DataFrame, float]:
    """Train one agent (training seed ``ts``) and evaluate it; per-viewer table and seconds."""
    t0 = time.perf_counter()
    agent, _ = train_live_room(seed=ts, gamma=gamma, total_steps=steps, progress=False)
    seconds = time.perf_counter() - t0
    df = evaluate_policies({name: AgentPolicy(agent, name)}, viewers, seeds=seeds, per_viewer=True)
    print(f"train seed {ts} {name}: {df['return'].mean():.3f} ({seconds:.0f} s)", flush=True)
    return df.assign(train_seed=ts, viewer=df.groupby("seed").cumcount()), seconds


def paired_gamma_table(table: pd.DataFrame) -> str:
    """gamma 0.9 minus gamma 0, paired by (training seed, evaluation seed, viewer), 95% CIs.

    Both agents of a training seed meet the same viewers (same evaluation seeds, so the same
    tastes, habits and activeness); pairing removes the spread between viewers from the
    comparison, which is what decides small differences such as return visits.
    """
    keys = ["train_seed", "seed", "viewer"]
    a = table[table["policy"] == "dqn"].set_index(keys)
    b = table[table["policy"] == "dqn_gamma0"].set_index(keys)
    both = a.index.intersection(b.index)
    lines = [
        "| metric | gamma 0.9 - gamma 0 [95% CI] | relative | CI excludes 0 |",
        "|---|---|---|---|",
    ]
    for metric in PAIRED:
        diff = a.loc[both, metric].to_numpy() - b.loc[both, metric].to_numpy()
        mean, low, high = mean_ci(diff)
        rel = mean / b.loc[both, metric].mean()
        lines.append(f"| {metric} | {mean:+.4f} [{low:+.4f}, {high:+.4f}] | {rel:+.1%} | "
                     f"{low > 0 or high < 0} |")  # fmt: skip
    return f"{len(both):,} paired viewer-weeks.\n\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--viewers", type=int, default=1_000)
    parser.add_argument("--steps", type=int, default=LIVE_ROOM_STEPS)
    parser.add_argument("--jobs", type=int, default=1, help="agents trained at a time")
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "recommender_dqn.md")
    )
    args = parser.parse_args()

    frames, seconds = [], {"dqn": [], "dqn_gamma0": []}
    notes: list[str] = []
    base = {k: v for k, v in build_policies(WorldConfig(), notes).items() if k not in SKIPPED}
    frames.append(evaluate_policies(base, args.viewers, seeds=tuple(args.seeds), per_viewer=True))
    runs = [(ts, name, gamma) for ts in args.train_seeds
            for name, gamma in (("dqn", 0.9), ("dqn_gamma0", 0.0))]  # fmt: skip
    job_args = [(ts, name, gamma, args.steps, args.viewers, tuple(args.seeds))
                for ts, name, gamma in runs]  # fmt: skip
    if args.jobs > 1:
        ctx = multiprocessing.get_context("spawn")  # TensorFlow does not survive a fork
        with ProcessPoolExecutor(args.jobs, mp_context=ctx) as pool:
            done = list(pool.map(train_and_evaluate, *zip(*job_args, strict=True)))
    else:
        done = [train_and_evaluate(*a) for a in job_args]
    for (_, name, _), (df, secs) in zip(runs, done, strict=True):
        frames.append(df)
        seconds[name].append(secs)
    table = pd.concat(frames, ignore_index=True)
    rows = []
    for policy, sub in table.groupby("policy", sort=False):
        row = {"policy": policy}
        for metric in METRICS:
            mean, low, high = mean_ci(sub[metric].to_numpy())
            row[metric] = f"{mean:.3f} [{low:.3f}, {high:.3f}]"
        row["_mean"], row["_low"], row["_high"] = mean_ci(sub["return"].to_numpy())
        if "train_seed" in sub and sub["train_seed"].notna().any():
            per_seed = sub.groupby("train_seed")["return"].mean()
            row["per_train_seed"] = " ".join(f"{v:.2f}" for v in per_seed)
            row["train_s_median"] = f"{pd.Series(seconds[policy]).median():.0f}"
        rows.append(row)
    res = pd.DataFrame(rows).set_index("policy")
    best = res.loc[list(BASELINES), "_mean"].idxmax()
    oracle = res.loc["myopic_oracle", "_mean"]
    for name in ("dqn", "dqn_gamma0"):
        if name in res.index:
            res.loc[name, "vs_best_baseline"] = (
                f"{res.loc[name, '_mean'] / res.loc[best, '_mean'] - 1:+.1%}"
            )
            res.loc[name, "CIs_disjoint"] = str(res.loc[name, "_low"] > res.loc[best, "_high"])
            res.loc[name, "vs_myopic_oracle"] = f"{res.loc[name, '_mean'] / oracle:.1%}"
    shown = res.drop(columns=["_mean", "_low", "_high"]).fillna("")
    header = ["policy", *shown.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join([str(i), *map(str, r)]) + " |" for i, r in shown.iterrows()]
    md = "\n".join(lines)
    paired = paired_gamma_table(table) if {"dqn", "dqn_gamma0"} <= set(res.index) else ""
    print(md)
    print(paired)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        "# DQN recommender vs baselines\n\n"
        f"Training seeds {args.train_seeds}, {args.steps:,} viewer-steps each ({args.jobs} "
        "training(s) at a time on the machine's cores); evaluation seeds "
        f"{args.seeds} x {args.viewers} viewers x 7 days; mean return per viewer-week [95% CI]; "
        f"best non-oracle baseline: {best}.\n\n"
        + md
        + "\n"
        + ("\n## gamma 0.9 vs gamma 0, paired by viewer\n\n" + paired + "\n" if paired else ""),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
