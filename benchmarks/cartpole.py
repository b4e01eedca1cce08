"""Benchmark of lessons 03-04: time to solve CartPole-v1, speed against the article's agent, memory.

Protocol (issue 3): CartPole-v1; a deterministic (greedy) evaluation of 20 episodes every 2,000
env steps, evaluation episode i reset with seed 10,000 + i, its time not counted; "solved" = an
evaluation mean >= 475; at most 50,000 env steps. Per seed: env steps and training wall seconds
to solve, env steps/s while learning, and the peak RSS of the run (each seed runs in its own
subprocess, which reports its ``ru_maxrss``).

The article's agent (``livedqn_edu.article``) manages ~0.5 env steps/s, so it cannot run the
protocol (50,000 steps would take more than a day): its speed is measured over a fixed wall time
with ``livedqn_edu.article.measure_speed`` and compared with the package agent's env steps/s.

Targets: every seed solves within 50,000 env steps; median training time to solve <= 13 s on a
2-core CPU; env steps/s >= 1,000x the article agent's; peak RSS <= 1.5 GB.

The peer reference, Stable-Baselines3's DQN with its RL-Zoo CartPole settings
(``benchmarks/sb3_peer.py``, run from its own virtualenv ``.venv-peers`` that ``make bench-peers``
builds), is measured in the same run when ``--sb3-python`` names that virtualenv's python: each
seed runs the package agent and then SB3, interleaved, and the table gives the ratio of the
medians.

Usage::

    python benchmarks/cartpole.py [--seeds 0 1 2 3 4] [--json OUT] [--article-seconds 60]
                                  [--sb3-python .venv-peers/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

MAX_STEPS, TARGET = 50_000, 475.0
RESULTS = Path(__file__).parent / "results" / "cartpole.md"
SB3_SCRIPT = Path(__file__).resolve().parent / "sb3_peer.py"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _child_package(seed: int) -> dict[str, Any]:
    from livedqn_edu.training import make_cartpole_agent, train

    env, agent = make_cartpole_agent(seed=seed)
    hist = train(env, agent, MAX_STEPS, seed=seed, target_return=TARGET, progress=False)
    solved = hist["eval/mean_return"][-1] >= TARGET
    steps, seconds = hist["eval/step"][-1], hist["eval/train_seconds"][-1]
    return {
        "agent": "package",
        "seed": seed,
        "solved": bool(solved),
        "env_steps": steps,
        "train_seconds": round(seconds, 2),
        "env_steps_per_s": round(steps / seconds, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def _child_article(seed: int, seconds: float) -> dict[str, Any]:
    from livedqn_edu.article import measure_speed

    speed = measure_speed(seconds, seed)
    return {
        "agent": "article",
        "seed": seed,
        "solved": False,
        "env_steps": int(speed["env_steps"]),
        "train_seconds": round(speed["seconds"], 2),
        "env_steps_per_s": round(speed["env_steps"] / speed["seconds"], 3),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def _run_child(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"benchmark child {args} failed:\n{proc.stderr[-3000:]}")


def _run_sb3(python: str, script: Path, seed: int) -> dict[str, Any]:
    """Run the SB3 peer reference for one seed; parse its ``RESULT sb3 ...`` line."""
    # torch's OpenMP threads spin while they wait: on a busy machine two of them fell to 10
    # gradient steps/s (325/s with passive waiting, measured under a load of 9 on 2 cores)
    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    proc = subprocess.run(
        [python, str(script), str(seed)], capture_output=True, text=True, check=False, env=env
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT sb3")), None)
    if line is None:
        raise RuntimeError(f"SB3 reference for seed {seed} failed:\n{proc.stderr[-3000:]}")
    fields = dict(part.split("=", 1) for part in line.split()[2:])
    solved = fields.get("solved_steps", "NA") != "NA"
    return {
        "agent": "sb3",
        "seed": seed,
        "solved": solved,
        "env_steps": int(fields["solved_steps"]) if solved else MAX_STEPS,
        "train_seconds": float(fields.get("solved_train_s", fields.get("train_s", "nan"))),
        "env_steps_per_s": None,
        "peak_rss_mb": None,
    }


def _settings() -> str:
    from dataclasses import asdict

    from livedqn_edu.dqn import DQNConfig
    from livedqn_edu.training import CARTPOLE_HIDDEN

    keys = [
        "learning_rate",
        "batch_size",
        "train_freq",
        "gradient_steps",
        "target_update_interval",
        "exploration_steps",
        "epsilon_end",
        "gamma",
    ]
    cfg = asdict(DQNConfig())
    mlp = "x".join(map(str, CARTPOLE_HIDDEN))
    return f"{mlp} MLP, " + ", ".join(f"{k}={cfg[k]}" for k in keys)


def _markdown(rows: list[dict[str, Any]], seeds: list[int], threads: str, load: str) -> str:
    pkg = [r for r in rows if r["agent"] == "package"]
    art = [r for r in rows if r["agent"] == "article"]
    solved = [r for r in pkg if r["solved"]]
    med_s = statistics.median(r["train_seconds"] for r in solved) if solved else float("nan")
    med_speed = statistics.median(r["env_steps_per_s"] for r in pkg)
    peak = max(r["peak_rss_mb"] for r in pkg)
    lines = [
        "# CartPole-v1 benchmark (lessons 03-04)",
        "",
        f"Produced by `python benchmarks/cartpole.py --seeds {' '.join(map(str, seeds))}`. "
        f"Protocol: greedy evaluation of 20 episodes every 2,000 env steps (not timed), solved = "
        f"mean >= 475, at most {MAX_STEPS:,} env steps; each seed in its own process. "
        f"{platform.machine()}, {os.cpu_count()} CPUs, TF threads {threads}, "
        f"Python {platform.python_version()}; load average at the start: {load}.",
        "",
        f"Agent: the package defaults, `DQNConfig()` ({_settings()}).",
        "",
        "| seed | solved | env steps to solve | training s | env steps/s | peak RSS (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for r in pkg:
        lines.append(
            f"| {r['seed']} | {'yes' if r['solved'] else 'NO'} | {r['env_steps']:,} | "
            f"{r['train_seconds']:.1f} | {r['env_steps_per_s']:,.0f} | {r['peak_rss_mb']:.0f} |"
        )
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    all_solved = len(solved) == len(pkg)
    lines.append(
        f"| every seed solves within 50,000 env steps | {len(solved)}/{len(pkg)} "
        f"(max {max(r['env_steps'] for r in pkg):,} steps) | {'yes' if all_solved else 'NO'} |"
    )
    lines.append(
        f"| median training time to solve <= 13 s | {med_s:.1f} s | "
        f"{'yes' if med_s <= 13 else 'NO'} |"
    )
    if art:
        a = art[0]
        ratio = med_speed / a["env_steps_per_s"] if a["env_steps_per_s"] > 0 else float("inf")
        lines.append(
            f"| env steps/s >= 1,000x the article agent's | {med_speed:,.0f} vs "
            f"{a['env_steps_per_s']:.2f} ({a['env_steps']} steps in {a['train_seconds']:.0f} s): "
            f"{ratio:,.0f}x | {'yes' if ratio >= 1000 else 'NO'} |"
        )
    else:
        lines.append(
            "| env steps/s >= 1,000x the article agent's | not measured (--article-seconds 0) | - |"
        )
    lines.append(
        f"| peak RSS <= 1.5 GB | {peak:.0f} MB (max over seeds) | "
        f"{'yes' if peak <= 1536 else 'NO'} |"
    )
    sb3 = [r for r in rows if r["agent"] == "sb3"]
    if sb3:
        sb3_solved = [r for r in sb3 if r["solved"]]
        sb3_med = (
            statistics.median(r["train_seconds"] for r in sb3_solved)
            if sb3_solved
            else float("nan")
        )
        lines += [
            "",
            "Peer reference measured in the same run, seed by seed interleaved with the package "
            "agent: Stable-Baselines3 DQN with its RL-Zoo CartPole settings "
            "(`benchmarks/sb3_peer.py` in `.venv-peers`, built by `make bench-peers`; torch CPU, "
            "2 threads, OMP_WAIT_POLICY=PASSIVE).",
            "",
            "| seed | SB3 solved | SB3 env steps | SB3 training s | package training s |",
            "|---|---|---|---|---|",
        ]
        by_seed = {r["seed"]: r for r in pkg}
        for r in sb3:
            ours = by_seed.get(r["seed"])
            lines.append(
                f"| {r['seed']} | {'yes' if r['solved'] else 'NO'} | {r['env_steps']:,} | "
                f"{r['train_seconds']:.1f} | {ours['train_seconds']:.1f} |"
            )
        lines += [
            "",
            f"Median training time to solve: package {med_s:.1f} s, SB3 {sb3_med:.1f} s; "
            f"ratio package / SB3 = {med_s / sb3_med:.2f} (below 1: the package is faster).",
            "",
        ]
    else:
        lines += [
            "",
            "Reference, not measured in this run (pass `--sb3-python` to measure it side by "
            "side; `make bench-peers` does).",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    parser.add_argument(
        "--article-seconds",
        type=float,
        default=60.0,
        help="wall seconds to measure the article agent's speed (0: skip)",
    )
    parser.add_argument(
        "--sb3-python",
        default=None,
        help="python of a virtualenv with stable-baselines3 (`make bench-peers` builds "
        ".venv-peers) to run the peer reference side by side",
    )
    parser.add_argument("--sb3-script", type=Path, default=SB3_SCRIPT)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, seed, *rest = args.child
        row = (
            _child_package(int(seed))
            if kind == "package"
            else _child_article(int(seed), float(rest[0]))
        )
        print("RESULT " + json.dumps(row), flush=True)
        return
    from livedqn_edu.runtime import tf_threads

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    rows = []
    for seed in args.seeds:
        row = _run_child("package", str(seed))
        print(json.dumps(row), flush=True)
        rows.append(row)
        if args.sb3_python:
            row = _run_sb3(args.sb3_python, args.sb3_script, seed)
            print(json.dumps(row), flush=True)
            rows.append(row)
    if args.article_seconds > 0:
        row = _run_child("article", str(args.seeds[0]), str(args.article_seconds))
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(_markdown(rows, args.seeds, str(tf_threads()), load), encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
