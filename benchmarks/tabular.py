"""Benchmark of lesson 01: quality and wall time of tabular Q-learning and SARSA, over seeds.

Measures, for several seeds (medians reported, every seed listed):

- FrozenLake-v1 4x4 slippery, Q-learning: greedy success rate over 1,000 evaluation episodes
  (target >= 0.70), against the best possible rate under the 100-step limit, computed exactly
  by dynamic programming on the env's transition table (``optimal_return``);
- CliffWalking-v1, Q-learning vs SARSA (Sutton & Barto, example 6.6 settings): the greedy path's
  length (Q-learning: the optimal 13 steps along the cliff; SARSA: a longer, safer one) and the
  mean online return over the last 100 training episodes (SARSA's is higher: it falls less);
- Taxi-v4, Q-learning: greedy mean return and success rate over 1,000 episodes, against the
  value-iteration optimum;
- the wall time of each training run (target < 30 s on 2 cores).

Usage::

    python benchmarks/tabular.py [--seeds 0 1 2 3 4] [--out benchmarks/results/tabular.md]

Notebook 01 trains with the same settings (RECIPES below) and prints the same numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from livedqn_edu.tabular import (
    EpsilonSchedule,
    evaluate_tabular,
    greedy_path,
    optimal_return,
    train_tabular,
)

# Training settings, shared with notebooks/01_q_learning_tables.ipynb.
RECIPES: dict[str, dict[str, Any]] = {
    # gamma 0.99: with gamma near 1 the agent prefers the long safe route (FrozenLake's reward
    # is 1 at the goal only); slow decay then 10,000 near-greedy episodes let the table settle.
    "FrozenLake-v1": {
        "episodes": 20_000,
        "alpha": 0.05,
        "gamma": 0.99,
        "epsilon": EpsilonSchedule(start=1.0, end=0.05, decay_episodes=10_000),
    },
    # Sutton & Barto (2018), example 6.6: alpha 0.5, epsilon 0.1 constant, undiscounted.
    "CliffWalking-v1": {"episodes": 500, "alpha": 0.5, "gamma": 1.0, "epsilon": 0.1},
    # decaying to 0.01 lets the 500-state table settle: min over seeds 0-9 of the mean return
    # 7.81 (constant epsilon 0.1: 7.68), optimum 7.93.
    "Taxi-v4": {
        "episodes": 3_000,
        "alpha": 0.5,
        "gamma": 0.99,
        "epsilon": EpsilonSchedule(start=1.0, end=0.01, decay_episodes=1_500),
    },
}
EVAL_EPISODES = 1_000


def _run(env_id: str, algorithm: str, seed: int) -> dict[str, Any]:
    env = gym.make(env_id)
    cpu = time.process_time()
    history = train_tabular(env, algorithm, seed=seed, progress=False, **RECIPES[env_id])
    cpu = time.process_time() - cpu
    result = evaluate_tabular(env, history["q"], EVAL_EPISODES, seed=10_000 + seed)
    result["seconds"] = history["time/seconds"]
    result["cpu_seconds"] = cpu
    result["us_per_step"] = 1e6 * history["time/seconds"] / history["charts/episode_length"].sum()
    result["path_steps"] = len(greedy_path(env, history["q"])) - 1
    result["online_last100"] = float(history["charts/episodic_return"][-100:].mean())
    return result


def _bare_step_us(env_id: str, steps: int = 30_000, repeats: int = 3) -> float:
    """Reference: microseconds per ``env.step`` with random actions and nothing else (median)."""
    env = gym.make(env_id)
    actions = np.random.default_rng(0).integers(env.action_space.n, size=steps).tolist()
    times = []
    for _ in range(repeats):
        env.reset(seed=0)
        start = time.perf_counter()
        for a in actions:
            _, _, terminated, truncated, _ = env.step(a)
            if terminated or truncated:
                env.reset()
        times.append(1e6 * (time.perf_counter() - start) / steps)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results/tabular.md")
    args = parser.parse_args()
    seeds = args.seeds
    runs = [
        ("FrozenLake-v1", "q_learning", "success_rate", "greedy success rate"),
        ("CliffWalking-v1", "q_learning", "path_steps", "greedy path length (steps)"),
        ("CliffWalking-v1", "sarsa", "path_steps", "greedy path length (steps)"),
        ("Taxi-v4", "q_learning", "mean_return", "greedy mean return"),
    ]
    optimum = {
        "FrozenLake-v1": optimal_return(gym.make("FrozenLake-v1")),  # 100-step limit
        "CliffWalking-v1": -optimal_return(gym.make("CliffWalking-v1"), 100),  # -1 per step
        "Taxi-v4": optimal_return(gym.make("Taxi-v4")),  # 200-step limit
    }
    rows = []
    for env_id, algorithm, metric, label in runs:
        results = [_run(env_id, algorithm, seed) for seed in seeds]
        bare = _bare_step_us(env_id)  # same run, same load: the ratio below is load-independent
        values = [r[metric] for r in results]
        wall = [r["seconds"] for r in results]
        cpu = statistics.median(r["cpu_seconds"] for r in results)
        per_step = statistics.median(r["us_per_step"] for r in results)
        extra = ""
        if env_id == "CliffWalking-v1":
            online = statistics.median(r["online_last100"] for r in results)
            extra = f"online return, last 100 episodes: {online:.1f}"
        elif env_id != "FrozenLake-v1":
            extra = f"success rate {statistics.median(r['success_rate'] for r in results):.3f}"
        rows.append(
            f"| {env_id} | {algorithm} | {label} | {statistics.median(values):.3g} | "
            f"{min(values):.3g} | {', '.join(f'{v:.3g}' for v in values)} | "
            f"{optimum[env_id]:.3g} | {statistics.median(wall):.1f} / {max(wall):.1f} | "
            f"{cpu:.1f} | {per_step:.1f} / {bare:.1f} = {per_step / bare:.2f} | {extra} |"
        )
        print(rows[-1], flush=True)
    header = (
        f"# Tabular benchmark (lesson 01)\n\n"
        f"Seeds {seeds}; evaluation: {EVAL_EPISODES:,} greedy episodes per seed (eval seed = "
        f"10,000 + seed). Times are for training only, on {os.cpu_count()} CPU cores "
        f"({platform.processor() or platform.machine()}), Python {platform.python_version()}, "
        f"gymnasium {gym.__version__}; wall time depends on the machine's load, CPU time much "
        f"less. The last timing column divides training time per env step by the time of a "
        f"bare random `env.step` measured in the same run: the cost of learning per step, "
        f"whatever the load. Optimum: `optimal_return`, dynamic programming on the env's "
        f"transition table within its time limit (CliffWalking: shortest path, in steps)."
        f"\n\n"
        f"Settings: {', '.join(f'{k}: {v}' for k, v in RECIPES.items())}\n\n"
        "| env | algorithm | metric | median | min | per seed | optimum "
        "| train wall s (median / max) | train CPU s (median) "
        "| us per step: train / bare env = ratio | notes |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    table = header + "\n".join(rows) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table)
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
