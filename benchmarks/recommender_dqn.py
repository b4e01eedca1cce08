"""The DQN recommender's targets over several training seeds: gamma 0.9 vs gamma 0 vs baselines.

For each training seed, a gamma-0.9 and a gamma-0 agent are trained with
:func:`livedqn_edu.recsys.train.train_live_room` (training wall time recorded), then every policy
runs over the evaluation populations (viewer seeds never used in training) and the mean return
per viewer-week is reported with 95% confidence intervals (viewer-weeks pooled over evaluation
seeds and, for the DQNs, over training seeds). The table sets each DQN beside the best non-oracle
baseline (target: >= +10%, non-overlapping CIs) and beside the MyopicOracle.

    python benchmarks/recommender_dqn.py --train-seeds 0 1 2 3 4 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.recsys.evaluation import evaluate_policies, mean_ci
from livedqn_edu.recsys.policies import AgentPolicy
from livedqn_edu.recsys.train import train_live_room

sys.path.insert(0, str(Path(__file__).parent))
from recommender import build_policies  # noqa: E402  (the baselines of recommender.md, reused)

METRICS = ("return", "ctr", "sessions", "return_visits", "follows", "category_diversity")
BASELINES = ("random", "most_viewers", "followed_first", "linucb", "myopic_model")
SKIPPED = ("lookahead_oracle", "dqn", "dqn_gamma0")  # too slow here / trained below instead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--viewers", type=int, default=1_000)
    parser.add_argument("--steps", type=int, default=300_000)
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "recommender_dqn.md")
    )
    args = parser.parse_args()

    frames, seconds = [], {"dqn": [], "dqn_gamma0": []}
    notes: list[str] = []
    base = {k: v for k, v in build_policies(WorldConfig(), notes).items() if k not in SKIPPED}
    frames.append(evaluate_policies(base, args.viewers, seeds=tuple(args.seeds), per_viewer=True))
    for ts in args.train_seeds:
        for name, gamma in (("dqn", 0.9), ("dqn_gamma0", 0.0)):
            t0 = time.perf_counter()
            agent, _ = train_live_room(seed=ts, gamma=gamma, total_steps=args.steps, progress=False)
            seconds[name].append(time.perf_counter() - t0)
            df = evaluate_policies({name: AgentPolicy(agent, name)}, args.viewers,
                                   seeds=tuple(args.seeds), per_viewer=True)  # fmt: skip
            frames.append(df.assign(train_seed=ts))
            print(f"train seed {ts} {name}: {df['return'].mean():.3f} ({seconds[name][-1]:.0f} s)")
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
    print(md)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        "# DQN recommender vs baselines\n\n"
        f"Training seeds {args.train_seeds}, {args.steps:,} viewer-steps each; evaluation seeds "
        f"{args.seeds} x {args.viewers} viewers x 7 days; mean return per viewer-week [95% CI]; "
        f"best non-oracle baseline: {best}.\n\n" + md + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
