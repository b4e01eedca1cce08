"""Every DQN set-up tried on LiveRoom-v1, with its validation score: the configuration log.

Each configuration is a call of :func:`livedqn_edu.recsys.train.train_live_room` (training seed
0 unless named); its score is the greedy agent's mean return per viewer-week on 2 x 1,000
validation viewers (seeds 10,000 and 10,001), and its curve the score on 500 validation viewers
(seed 10,000) during training. Test viewers and the new catalogue are never used here.

    python benchmarks/recommender_dqn_configs.py --list          # the configurations
    python benchmarks/recommender_dqn_configs.py --run E7 E9     # (re)train some, one at a time
    python benchmarks/recommender_dqn_configs.py --table         # rewrite the markdown page

Results: ``benchmarks/results/recommender_dqn_configs.json`` (one record per configuration, the
commit it ran at) and ``.md``. Runs use one TensorFlow thread (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LIVEDQN_TF_THREADS", "1")

RESULTS = Path(__file__).parent / "results" / "recommender_dqn_configs.json"
MSE = {"huber_delta": None}
CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "E0": ("the first v1 trainer: gamma 0.9 per day, 5-step, Huber, tau 0.02, 1M (shipped before)",
           {"gamma": 0.9, "total_steps": 1_000_000}),
    "E0_g0": ("its gamma-0 twin (shipped before)", {"gamma": 0.0, "total_steps": 1_000_000}),
    "E1": ("gamma 0, mean squared error", {"gamma": 0.0, **MSE}),
    "E2": ("gamma 0.9, returns to the session's end, MSE",
           {"gamma": 0.9, "n_step": "session", **MSE}),
    "E3": ("gamma 0.9, 5-step, MSE, tau 0.005", {"gamma": 0.9, "tau": 0.005, **MSE}),
    "E4": ("E2 with a dueling scorer", {"gamma": 0.9, "n_step": "session", "dueling": True, **MSE}),
    "E5": ("E1 with the viewer's week (history columns)", {"gamma": 0.0, "history": True, **MSE}),
    "E6": ("E2 with the viewer's week", {"gamma": 0.9, "n_step": "session", "history": True,
                                        **MSE}),
    "E7": ("gamma 0.9, 1-step, MSE, tau 0.005", {"gamma": 0.9, "n_step": 1, "tau": 0.005, **MSE}),
    "E8": ("E7 with a dueling scorer",
           {"gamma": 0.9, "n_step": 1, "tau": 0.005, "dueling": True, **MSE}),
    "E9": ("E7, 1M steps", {"gamma": 0.9, "n_step": 1, "tau": 0.005, "total_steps": 1_000_000,
                           **MSE}),
    "E10": ("E9's gamma-0 twin", {"gamma": 0.0, "n_step": 1, "tau": 0.005,
                                  "total_steps": 1_000_000, **MSE}),
    "E11": ("E9 with a dueling scorer and the learning rate falling to 2.5e-5",
            {"gamma": 0.9, "n_step": 1, "tau": 0.005, "dueling": True, "lr_end": 2.5e-5,
             "total_steps": 1_000_000, **MSE}),
    "E12": ("E11's gamma-0 twin", {"gamma": 0.0, "n_step": 1, "tau": 0.005, "dueling": True,
                                   "lr_end": 2.5e-5, "total_steps": 1_000_000, **MSE}),
    "E13": ("E11 with gamma 0.5 per day", {"gamma": 0.5, "n_step": 1, "tau": 0.005,
                                          "dueling": True, "lr_end": 2.5e-5,
                                          "total_steps": 1_000_000, **MSE}),
    "E14": ("E11 with gamma 0.2 per day", {"gamma": 0.2, "n_step": 1, "tau": 0.005,
                                          "dueling": True, "lr_end": 2.5e-5,
                                          "total_steps": 1_000_000, **MSE}),
}  # fmt: skip
"""Name -> (what it is, arguments: DQNConfig fields and train_live_room keywords; 500,000
viewer-steps unless ``total_steps`` says otherwise)."""


def run(name: str) -> dict[str, Any]:
    """Train configuration ``name`` and score it on validation viewers."""
    import dataclasses

    import numpy as np

    from livedqn_edu.envs.populations import VALIDATION
    from livedqn_edu.recsys import train as rt

    what, kwargs = CONFIGS[name]
    fields = {f.name for f in dataclasses.fields(rt.LIVE_ROOM_DQN)}
    config = dataclasses.replace(rt.LIVE_ROOM_DQN, **{k: v for k, v in kwargs.items()
                                                      if k in fields})  # fmt: skip
    train_kw = {k: v for k, v in kwargs.items() if k not in fields}
    train_kw.setdefault("total_steps", 500_000)
    steps = train_kw["total_steps"]
    t0 = time.perf_counter()
    agent, hist = rt.train_live_room(config, seed=train_kw.pop("seed", 0), progress=False,
                                     eval_every=max(steps // 5, 1), **train_kw)  # fmt: skip
    wall = time.perf_counter() - t0
    scores = [rt.evaluate_live_room(agent, 1_000, s) for s in VALIDATION.seeds[:2]]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()  # fmt: skip
    return {
        "name": name, "what": what, "arguments": kwargs,
        "validation": round(float(np.mean(scores)), 3),
        "validation_per_seed": [round(s, 3) for s in scores],
        "curve": [round(x, 2) for x in hist["eval/mean_return"]],
        "q_max": round(max(hist["losses/q_max"]), 2),
        "train_seconds": round(hist["time/train_seconds"][0]), "wall_seconds": round(wall),
        "commit": commit,
    }  # fmt: skip


def table(records: dict[str, dict[str, Any]]) -> str:
    """The markdown page of the configuration log."""
    lines = [
        "# DQN set-ups tried on LiveRoom-v1 (validation viewers only)", "",
        "Generated by `python benchmarks/recommender_dqn_configs.py --table` from "
        "`recommender_dqn_configs.json`. Score: mean return per viewer-week of the greedy agent "
        "at the end of training, 2 x 1,000 validation viewers (seeds 10,000-10,001); curve: 500 "
        "validation viewers (seed 10,000) at each fifth of training. Training seed 0, one "
        "TensorFlow thread on a shared 2-core machine (times vary with the load).", "",
        "| name | set-up | validation | per seed | curve | largest Q | train s |",
        "|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for name in CONFIGS:
        r = records.get(name)
        if r is None:
            continue
        lines.append(
            f"| {name} | {r['what']} | {r['validation']:.2f} | "
            f"{' / '.join(f'{v:.2f}' for v in r['validation_per_seed'])} | "
            f"{' '.join(f'{v:.1f}' for v in r['curve'])} | {r['q_max']:,.1f} | "
            f"{r['train_seconds']} |"
        )  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", nargs="+", default=[], choices=list(CONFIGS), metavar="NAME")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args()
    if args.list:
        for name, (what, kwargs) in CONFIGS.items():
            print(f"{name:6s} {what}  {kwargs}")
    records = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    for name in args.run:
        records[name] = run(name)
        print(json.dumps(records[name]), flush=True)
        RESULTS.write_text(json.dumps(records, indent=1) + "\n")
    if args.table or args.run:
        RESULTS.with_suffix(".md").write_text(table(records))


if __name__ == "__main__":
    main()
