"""Benchmark of the live-room world's speed (issues 4 and 9): vectorised world and gymnasium envs.

Measures, as medians over several runs (every run listed):

- the vectorised world with 1,000 viewers and K = 10 under a random valid-slot policy:
  viewer-steps per second counted over viewers still active (target >= 200,000), both for the
  first 20 batched steps (every viewer active: a viewer's week is about 60 recommendations) and
  for whole weeks (until every viewer is done, when late steps carry few active viewers);
- the single gymnasium env, random valid slot, resets included: ``LiveRoomEnv`` itself and
  ``gymnasium.make("LiveRoom-v1")`` with its wrappers (target >= 10,000 steps/s);
- ``gymnasium.make_vec("LiveRoom-v1", num_envs=1000)`` (the same vectorised world behind
  gymnasium's vector API, autoreset included; for information).

Reference (not run here): SARDINE, the one maintained gymnasium-native recommender simulator,
ran 9.6k-12.3k steps/s, one env, random policy, on a 2-core VM (measured for this project,
see ../shared/research/recommender-simulators.md).

The machine is shared: the load average before and after is printed with the table.

Usage::

    python benchmarks/live_room.py [--runs 5] [--out benchmarks/results/live_room.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import gymnasium as gym
import numpy as np

import livedqn_edu  # noqa: F401  (registers LiveRoom-v1)
from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.live_room import LiveRoomEnv
from livedqn_edu.envs.world import World, random_valid_slot

N_VIEWERS = 1_000
K = 10
DEFAULT_OUT = Path("benchmarks/results/live_room.md")


def world_steps(seed: int, max_calls: int | None) -> tuple[float, float]:
    """Active viewer-steps per second of wall time and of CPU time (policy + step + observe)."""
    world = World(WorldConfig(k=K))
    obs = world.reset(N_VIEWERS, seed=seed)
    rng = np.random.default_rng(seed)
    active_steps = calls = 0
    start, cpu = time.perf_counter(), time.process_time()
    while not world.done.all() and (max_calls is None or calls < max_calls):
        active_steps += int((~world.done).sum())
        world.step(random_valid_slot(obs, rng))
        obs = world.observe()
        calls += 1
    return (
        active_steps / (time.perf_counter() - start),
        active_steps / (time.process_time() - cpu),
    )


def env_steps(make: Callable[[], gym.Env], seed: int, steps: int = 20_000) -> tuple[float, float]:
    """Env steps per second of wall time and of CPU time, random valid slot, resets included."""
    env = make()
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        valid = np.flatnonzero(obs["mask"])
        obs, _, terminated, truncated, _ = env.step(int(valid[int(rng.random() * valid.size)]))
        if terminated or truncated:
            obs, _ = env.reset()
    return steps / (time.perf_counter() - start), steps / (time.process_time() - cpu)


def vector_env_steps(seed: int, calls: int = 100) -> tuple[float, float]:
    """Viewer-steps per second through ``gymnasium.make_vec`` (wall and CPU), random slots."""
    envs = gym.make_vec("LiveRoom-v1", num_envs=N_VIEWERS, k=K)
    obs, _ = envs.reset(seed=seed)
    rng = np.random.default_rng(seed)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        mask = obs["mask"].astype(bool)
        obs, *_ = envs.step(np.where(mask, rng.random(mask.shape), -1.0).argmax(axis=1))
    steps = calls * N_VIEWERS
    return steps / (time.perf_counter() - start), steps / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    load_before = os.getloadavg()
    World(WorldConfig(k=K))  # warm-up: imports and room tables
    rows = [
        ("vectorised world, 1,000 viewers, first 20 steps", "viewer-steps/s", 200_000,
         lambda s: world_steps(s, 20)),
        ("vectorised world, 1,000 viewers, whole week (info)", "viewer-steps/s", None,
         lambda s: world_steps(s, None)),
        ("LiveRoomEnv (no wrappers)", "steps/s", 10_000,
         lambda s: env_steps(lambda: LiveRoomEnv(k=K), s)),
        ('gymnasium.make("LiveRoom-v1")', "steps/s", 10_000,
         lambda s: env_steps(lambda: gym.make("LiveRoom-v1", k=K), s)),
        ('gymnasium.make_vec("LiveRoom-v1", num_envs=1000), 100 steps (info)', "viewer-steps/s",
         None, lambda s: vector_env_steps(s)),  # autoreset keeps every viewer active
    ]  # fmt: skip
    results = []
    for name, unit, target, measure in rows:
        pairs = [measure(seed) for seed in range(args.runs)]
        runs = [wall for wall, _ in pairs]
        cpu = statistics.median(c for _, c in pairs)
        results.append((name, unit, target, statistics.median(runs), cpu, runs))
        print(f"{name:52s} median {statistics.median(runs):>11,.0f} {unit} (CPU time: {cpu:,.0f})")
    load_after = os.getloadavg()
    header = (
        f"# Live-room world speed (LiveRoom-v1)\n\n"
        f"Random valid-slot policy, K = {K}; {args.runs} runs each (seeds 0-{args.runs - 1}), "
        f"medians. {os.cpu_count()} CPU cores ({platform.machine()}), Python "
        f"{platform.python_version()}, numpy {np.__version__}, gymnasium {gym.__version__}. "
        f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.1f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.1f}' for x in load_after)} (the machine was shared: "
        f"a load above the core count slows every figure down).\n\n"
        "Viewer-steps count only viewers still active; the whole-week row is for information "
        "(late in the week most viewers are done, yet each batched step still costs the same; "
        "the vector env's autoreset keeps all 1,000 viewers active). "
        "Env figures include resets and the "
        "policy's own time. *Wall* rates are what a learner sees; *CPU* rates divide by the "
        "process's CPU time instead, which estimates the speed on an idle machine when the "
        "machine is shared. *Meets* judges the wall-clock median.\n\n"
    )
    lines = [
        "| measurement | unit | median (wall) | median (CPU) | target | meets | runs (wall) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, unit, target, median, cpu, runs in results:
        goal = "" if target is None else f">= {target:,}"
        meets = "" if target is None else ("yes" if median >= target else "no")
        lines.append(
            f"| {name} | {unit} | {median:,.0f} | {cpu:,.0f} | {goal} | {meets} | "
            f"{', '.join(f'{r:,.0f}' for r in runs)} |"
        )
    lines.append(
        "| reference: SARDINE, one env, random policy, 2-core VM (not run here) | steps/s | "
        "9,600-12,300 | | | | |"
    )
    table = "\n".join(lines)
    print(table)
    if args.runs != 5 and args.out == DEFAULT_OUT:
        print(f"non-default options: {DEFAULT_OUT} (the committed results) is left as it is")
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(header + table + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
