"""Speed of the array-level comparison and off-policy tools at the course's sizes (issue 10).

Measures, as medians over several runs (every run listed), on synthetic data of the sizes the
lessons use:

- :func:`~livedqn_edu.recsys.stats.compare_policies`: 10 policies (5 learned with 5 training
  seeds, 5 fixed) x 3,000 shared viewers, 2,000 two-stage replicates (target <= 5 s), and the
  same replicates drawn the plain way, a Python loop over replicates indexing seeds and viewers
  (the reference the ratio is taken against, measured in the same run);
- :func:`~livedqn_edu.recsys.ope.ope_estimates`: DM, IPS, SNIPS and DR with viewer-clustered
  intervals, 166,000 logged rows of 2,000 viewers, 2,000 replicates (target <= 5 s);
- :func:`~livedqn_edu.recsys.fitted_q.fitted_q_iteration`: 166,000 transitions, K = 10 slots,
  F = 30 features, at most 50 regressions (target <= 10 s);
- one :class:`~livedqn_edu.recsys.bandits.LinUCBBandit` step (select + update) for 3,000
  viewers, K = 10, F = 20 (information).

Usage::

    python benchmarks/stats.py [--runs 3] [--out benchmarks/results/stats.md]

Only a run with the default ``--runs`` writes the default results file.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from livedqn_edu.recsys.bandits import LinUCBBandit
from livedqn_edu.recsys.fitted_q import Transitions, fitted_q_iteration
from livedqn_edu.recsys.ope import ope_estimates
from livedqn_edu.recsys.stats import compare_policies

RUNS, OUT = 3, Path("benchmarks/results/stats.md")


def _scores(rng: np.random.Generator) -> dict[str, np.ndarray]:
    viewers = rng.normal(5.0, 3.0, 3_000)
    out = {f"learned_{i}": viewers + rng.normal(0, 1, (5, 3_000)) for i in range(5)}
    out.update({f"fixed_{i}": viewers + rng.normal(0, 1, 3_000) for i in range(5)})
    return out


def bootstrap_table(seed: int) -> float:
    scores = _scores(np.random.default_rng(seed))
    start = time.perf_counter()
    compare_policies(scores, reference="learned_0", n_resamples=2_000, rng=seed)
    return time.perf_counter() - start


def bootstrap_loop(seed: int) -> float:
    """The same two-stage replicates with a Python loop over replicates (the reference)."""
    scores = _scores(np.random.default_rng(seed))
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    reps = {k: np.empty(2_000) for k in scores}
    for b in range(2_000):
        viewers = rng.integers(0, 3_000, 3_000)
        for name, x in scores.items():
            x = np.atleast_2d(x)
            seeds = rng.integers(0, x.shape[0], x.shape[0])
            reps[name][b] = x[np.ix_(seeds, viewers)].mean()
    {k: np.quantile(v - reps["learned_0"], [0.025, 0.975]) for k, v in reps.items()}
    return time.perf_counter() - start


def ope(seed: int) -> float:
    rng = np.random.default_rng(seed)
    n = 166_000
    viewers = rng.integers(0, 2_000, n)
    mu, pi = rng.uniform(0.05, 1.0, n), rng.uniform(0.0, 1.0, n)
    r, rhat, direct = rng.exponential(1.0, n), rng.random(n), rng.random(n)
    start = time.perf_counter()
    ope_estimates(r, mu, pi, viewers, rhat, direct, n_resamples=2_000, rng=seed)
    return time.perf_counter() - start


def fqi(seed: int) -> float:
    rng = np.random.default_rng(seed)
    n, k, f = 166_000, 10, 30
    feats = rng.normal(size=(n, k, f)).astype(np.float64)
    mask = rng.random((n, k)) < 0.9
    mask[:, 0] = True
    data = Transitions(feats, mask, np.zeros(n, np.int64), rng.normal(size=n), feats[::-1],
                       mask[::-1], rng.random(n) < 0.05, 0.9)  # fmt: skip
    start = time.perf_counter()
    fitted_q_iteration(data, n_iterations=50)
    return time.perf_counter() - start


def linucb_step(seed: int) -> float:
    rng = np.random.default_rng(seed)
    feats, mask = rng.normal(size=(3_000, 10, 20)), rng.random((3_000, 10)) < 0.9
    bandit = LinUCBBandit(20, alpha=1.0, seed=seed)
    start = time.perf_counter()
    for _ in range(20):
        slots = bandit.select(feats, mask)
        bandit.update(feats[np.arange(3_000), slots], rng.random(3_000))
    return (time.perf_counter() - start) / 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="runs per measurement (median)")
    parser.add_argument("--out", type=Path, default=None, help=f"results file (default {OUT})")
    args = parser.parse_args()
    out = args.out or (OUT if args.runs == RUNS else None)
    load_before = os.getloadavg()
    rows: list[tuple[str, float | None, Callable[[int], float]]] = [
        ("compare_policies: 10 policies x 3,000 viewers, 5 seeds, 2,000 replicates", 5.0,
         bootstrap_table),
        ("  the same replicates, Python loop over replicates (reference)", None, bootstrap_loop),
        ("ope_estimates: DM/IPS/SNIPS/DR, 166k rows, 2,000 viewers, 2,000 replicates", 5.0, ope),
        ("fitted_q_iteration: 166k transitions, K 10, F 30, <= 50 regressions", 10.0, fqi),
        ("LinUCBBandit select + update, 3,000 viewers, K 10, F 20 (one step)", None, linucb_step),
    ]  # fmt: skip
    results = []
    for name, target, measure in rows:
        runs = [measure(seed) for seed in range(args.runs)]
        results.append((name, target, statistics.median(runs), runs))
        print(f"{name:78s} median {statistics.median(runs):8.3f} s")
    ratio = results[1][2] / results[0][2]
    load_after = os.getloadavg()
    lines = [
        "# Speed of the comparison and off-policy tools (issue 10)\n",
        f"Synthetic data of the lessons' sizes; {args.runs} runs each (seeds 0-{args.runs - 1}), "
        f"medians, wall-clock seconds. {os.cpu_count()} CPU cores ({platform.machine()}), Python "
        f"{platform.python_version()}, numpy {np.__version__}. Load average before: "
        f"{', '.join(f'{x:.1f}' for x in load_before)}; after: "
        f"{', '.join(f'{x:.1f}' for x in load_after)} (the machine was shared). The vectorised "
        f"bootstrap is {ratio:.1f}x faster than the loop over replicates in the same run.\n",
        "| measurement | median (s) | target | meets | runs (s) |",
        "|---|---|---|---|---|",
    ]
    for name, target, median, runs in results:
        goal = "" if target is None else f"<= {target:g} s"
        meets = "" if target is None else ("yes" if median <= target else "no")
        lines.append(f"| {name.strip()} | {median:.3f} | {goal} | {meets} | "
                     f"{', '.join(f'{r:.3f}' for r in runs)} |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
