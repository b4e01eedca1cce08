"""The article's choices switched into the package's DQN one at a time, over several seeds.

The article's own agent is far too slow to train (lesson 03 measures it), so its choices are
tried on the package's agent (:mod:`livedqn_edu.dqn`, the lesson-04 defaults): each variant
changes one thing, with the same budget and the same seeds (one seed fixes the network's
initial weights, the exploration and the episodes' random starts), so every variant can be
compared with the reference seed by seed (a paired difference).

The variants, and what each switches in (:data:`VARIANTS`):

- ``merged done``: a time-limit truncation is stored as a termination (the article's single
  ``done``), so the target at step 500 does not bootstrap (:class:`MergedDone`).
- ``article epsilon``: the article's exploration. Uniformly random play only until learning
  starts, at step 33 as in the article (the package: 1,000 random steps), then epsilon x0.995
  per env step, from 1 down to 0.0099 at step 952
  (:func:`~livedqn_edu.article.article_epsilon_by_step`; the article decays once per training
  call, so its own agent gets there a few dozen steps later). Learning starts at step 33 too, so
  the package's first learning call comes at step 256 instead of 1,024.
- ``no target network``: targets from the online network itself (synced after every gradient
  step), as in the 2013 DQN; the 2015 DQN added the frozen copy.
- ``MSE, no clipping``: the squared TD error and no gradient-norm clipping, instead of the Huber
  loss and clipping at 10.
- ``gamma 0.95``: the article's discount instead of 0.99.
- ``24-24 network, lr 1e-3``: the article's layer sizes and learning rate.
- ``all article choices``: all of the above at once.

What is *not* switched in: one ``fit`` per sample (32 gradient steps of one transition per env
step: a speed problem first, timed in lesson 03) and the unbounded list memory (the package's
buffer never fills in these budgets either). The ``24-24 network, lr 1e-3`` row changes two
settings at once (the article's network and its learning rate).

Regenerate the stored result (about 10 minutes on one core)::

    LIVEDQN_TF_THREADS=1 python -m livedqn_edu.article_ablation --write

Lesson 03's full mode re-runs only :data:`RERUN_IN_LESSON` and checks that they reproduce the
stored rows (:func:`lesson_ablation`); ``lesson_ablation("all")`` re-runs every row.
"""

from __future__ import annotations

import argparse
import json
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from time import perf_counter
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd

__all__ = [
    "ABLATION_FILE",
    "MergedDone",
    "Variant",
    "VARIANTS",
    "ablation_table",
    "RERUN_IN_LESSON",
    "dumps",
    "lesson_ablation",
    "load_ablation",
    "paired_difference",
    "run_ablation",
]

ABLATION_FILE = "article_ablation.json"
"""Name of the stored result inside ``data/``."""

SEEDS = (0, 1, 2, 3, 4)
"""Training seeds of the stored result."""
TOTAL_STEPS = 40_000
"""Env steps per run: the reference reaches the time limit (500 steps) in every seed by then."""
EVAL_EVERY = 2_000
"""Env steps between two greedy evaluations."""
EVAL_EPISODES = 10
"""Greedy episodes per evaluation (episode i starts from the reset seed EVAL_SEED + i)."""


@dataclass(frozen=True)
class Variant:
    """One row of the ablation: the package agent with some of the article's choices."""

    name: str
    """Short label, used as the table's index."""
    kind: str
    """``bug`` (wrong on the day it was written), ``2013 DQN`` or ``choice`` (a setting)."""
    overrides: Mapping[str, Any] = field(default_factory=dict)
    """Fields of :class:`~livedqn_edu.dqn.DQNConfig` to replace."""
    merged_done: bool = False
    """Store time-limit truncations as terminations (:class:`MergedDone`)."""
    hidden: tuple[int, ...] | None = None
    """Hidden layer sizes (None: the package's ``CARTPOLE_HIDDEN``)."""
    article_epsilon: bool = False
    """Explore with the article's schedule (x0.995 per env step after its first training call)."""


_EPSILON = {"learning_starts": 33}  # with article_epsilon=True: the article's exploration
_NO_TARGET = {"target_update_interval": 1}
_MSE = {"huber_delta": None, "max_grad_norm": None}
_GAMMA = {"gamma": 0.95}
_NET = {"learning_rate": 1e-3}

VARIANTS: tuple[Variant, ...] = (
    Variant("package agent", "reference"),
    Variant("merged done", "bug", merged_done=True),
    Variant("article epsilon", "choice", _EPSILON, article_epsilon=True),
    Variant("no target network", "2013 DQN", _NO_TARGET),
    Variant("MSE, no clipping", "2013 DQN", _MSE),
    Variant("gamma 0.95", "choice", _GAMMA),
    Variant("24-24 network, lr 1e-3", "choice", _NET, hidden=(24, 24)),
    Variant(
        "all article choices",
        "all",
        {**_EPSILON, **_NO_TARGET, **_MSE, **_GAMMA, **_NET},
        merged_done=True,
        hidden=(24, 24),
        article_epsilon=True,
    ),
)
"""The reference first, then one variant per article choice, then all of them together."""


class MergedDone(gym.Wrapper):
    """Report a time-limit truncation as a termination, as the article's single ``done`` does.

    ``step`` returns ``terminated = terminated or truncated`` and ``truncated = False``: the
    agent's target then stops bootstrapping at step 500 too.
    """

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:  # noqa: D102
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, reward, bool(terminated or truncated), False, info


def _run_one(
    variant: Variant, seed: int, total_steps: int, eval_every: int, eval_episodes: int
) -> dict[str, Any]:
    """Train one agent; its evaluation curve, final Q-estimate and Monte-Carlo return."""
    from livedqn_edu.article import article_epsilon_by_step  # noqa: PLC0415  (imports Keras)
    from livedqn_edu.dqn import DQNAgent, DQNConfig  # noqa: PLC0415  (imports TensorFlow)
    from livedqn_edu.experiments import q_overestimation  # noqa: PLC0415
    from livedqn_edu.networks import mlp_q_network  # noqa: PLC0415
    from livedqn_edu.training import CARTPOLE_HIDDEN, train  # noqa: PLC0415

    config = replace(DQNConfig(), **variant.overrides)
    network = mlp_q_network(4, 2, hidden=variant.hidden or CARTPOLE_HIDDEN, seed=seed)
    agent = DQNAgent(network, config, seed=seed)
    env = gym.make("CartPole-v1")
    env = MergedDone(env) if variant.merged_done else env
    eval_env = gym.make("CartPole-v1")
    start = perf_counter()
    hist = train(
        env, agent, total_steps, seed=seed, eval_env=eval_env, eval_every=eval_every,
        eval_episodes=eval_episodes, progress=False,
        epsilon_schedule=article_epsilon_by_step if variant.article_epsilon else None,
    )  # fmt: skip
    seconds = perf_counter() - start
    bias = q_overestimation(eval_env, agent)
    limit = eval_env.spec.max_episode_steps  # 500 for CartPole-v1
    return {
        "time_limits": int(sum(n >= limit for n in hist.get("charts/episode_length", []))),
        "eval_steps": [int(s) for s in hist["eval/step"]],
        "eval_returns": [round(float(r), 2) for r in hist["eval/mean_return"]],
        "q_estimate": round(bias["q_estimate"], 3),
        "mc_return": round(bias["mc_return"], 3),
        "seconds": round(seconds, 1),
    }


def run_ablation(
    variants: Sequence[Variant] = VARIANTS,
    seeds: Sequence[int] = SEEDS,
    total_steps: int = TOTAL_STEPS,
    eval_every: int = EVAL_EVERY,
    eval_episodes: int = EVAL_EPISODES,
    progress: bool = True,
) -> dict[str, Any]:
    """Train every variant on every seed with the same budget; return the raw results.

    Args:
        variants: the rows (the first is the reference of the paired differences).
        seeds: training seeds, shared by all variants.
        total_steps: env steps per run.
        eval_every: env steps between greedy evaluations.
        eval_episodes: greedy episodes per evaluation (from the evaluation reset seeds).
        progress: print one line per finished variant.

    Returns:
        ``{"settings": {...}, "runs": {variant name: {str(seed): run}}}`` where a run holds
        ``time_limits`` (training episodes that reached the 500-step limit), ``eval_steps``,
        ``eval_returns``, ``q_estimate`` and ``mc_return`` (mean over the first 40 states of 5
        greedy episodes after training, see :func:`~livedqn_edu.experiments.q_overestimation`)
        and ``seconds``.
    """
    if not variants or not seeds:
        raise ValueError("run_ablation needs at least one variant and one seed")
    if total_steps < eval_every or eval_every < 1:
        raise ValueError(
            f"need 1 <= eval_every <= total_steps, got eval_every={eval_every}, "
            f"total_steps={total_steps}"
        )
    runs: dict[str, dict[str, Any]] = {}
    for variant in variants:
        runs[variant.name] = {
            str(s): _run_one(variant, s, total_steps, eval_every, eval_episodes) for s in seeds
        }
        if progress:
            secs = sum(r["seconds"] for r in runs[variant.name].values())
            print(f"{variant.name}: {len(seeds)} seeds in {secs:.0f} s")
    settings = {
        "seeds": list(seeds),
        "total_steps": total_steps,
        "eval_every": eval_every,
        "eval_episodes": eval_episodes,
        "variants": {v.name: _describe(v) for v in variants},
        "order": [v.name for v in variants],
        "versions": _versions(),
        "date": date.today().isoformat(),
    }
    return {"settings": settings, "runs": runs}


RERUN_IN_LESSON = ("package agent", "no target network")
"""The rows lesson 03's full mode re-runs (the reference, and the one change five seeds detect)."""

_COMPARED = ("eval_steps", "eval_returns", "time_limits", "q_estimate", "mc_return")
"""What a re-run must reproduce exactly (not its wall time)."""


def lesson_ablation(
    rerun: Sequence[str] | str = RERUN_IN_LESSON, progress: bool = True
) -> tuple[dict[str, Any], dict[str, bool]]:
    """The stored ablation, with some variants re-run here and checked against it.

    Args:
        rerun: names of the variants to re-run with the stored settings (seeds, budget), or
            ``"all"`` for every row (about 10 minutes on one core).
        progress: print one line per finished variant.

    Returns:
        ``(result, reproduced)``: the stored result with the re-run variants' runs replaced by
        the fresh ones, and for each re-run variant whether every seed reproduced the stored run
        exactly (evaluation returns, time limits, final Q-estimate and Monte-Carlo return).

    Raises:
        ValueError: a name that is not a variant of :data:`VARIANTS`.
    """
    by_name = {v.name: v for v in VARIANTS}
    if isinstance(rerun, str) and rerun != "all":
        raise ValueError(
            f"rerun must be 'all' or a list of variant names, got the string {rerun!r}; "
            f"for one row pass a list, e.g. [{rerun!r}]; choose among {list(by_name)}"
        )
    names = list(by_name) if rerun == "all" else list(rerun)
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(f"unknown variants {unknown}; choose among {list(by_name)}")
    stored = load_ablation()
    s = stored["settings"]
    fresh = run_ablation(
        [by_name[n] for n in names], s["seeds"], s["total_steps"], s["eval_every"],
        s["eval_episodes"], progress=progress,
    )  # fmt: skip
    described = {**stored["settings"]["variants"], **fresh["settings"]["variants"]}
    result = {
        "settings": {**stored["settings"], "variants": described},
        "runs": {**stored["runs"], **fresh["runs"]},
    }

    def same(name: str, seed: str) -> bool:
        new, old = fresh["runs"][name][seed], stored["runs"][name][seed]
        return all(new.get(k) == old.get(k) for k in _COMPARED)

    reproduced = {n: all(same(n, seed) for seed in fresh["runs"][n]) for n in names}
    return result, reproduced


def _describe(v: Variant) -> dict[str, Any]:
    return {
        "kind": v.kind,
        "overrides": dict(v.overrides),
        "merged_done": v.merged_done,
        "hidden": list(v.hidden) if v.hidden else None,
        "article_epsilon": v.article_epsilon,
    }


def _versions() -> dict[str, str]:
    import keras  # noqa: PLC0415  (TensorFlow is loaded by then)

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "gymnasium": gym.__version__,
        "keras": keras.__version__,
    }


def paired_difference(values: Sequence[float], reference: Sequence[float]) -> dict[str, float]:
    """Mean of ``values - reference`` (paired by seed) with a 95% Student t interval.

    Args:
        values: ``(n,)`` one number per seed, 2 <= n <= 20.
        reference: ``(n,)`` the reference's numbers for the same seeds, in the same order.

    Returns:
        ``{"mean", "low", "high"}``. Example: differences [1, 2, 3] have mean 2, sd 1, so the
        half-width is t(0.975, 2) * 1 / sqrt(3) = 4.303 / 1.732 = 2.484: (-0.484, 4.484).
    """
    from livedqn_edu.intervals import paired_difference as t_interval  # noqa: PLC0415

    d = np.asarray(values, dtype=float) - np.asarray(reference, dtype=float)
    if d.ndim != 1 or not 2 <= d.size <= 20:
        raise ValueError(f"need 2 to 20 paired values, got {d.size}")
    t = t_interval(values, reference, 0.95)
    return {"mean": t["mean"], "low": t["low"], "high": t["high"]}


def ablation_table(result: Mapping[str, Any], target: float = 475.0) -> pd.DataFrame:
    """One row per variant: returns over seeds and the paired difference with the reference.

    Columns: ``kind``; ``auc mean`` and ``auc sd`` (per seed, the mean evaluation return over
    the run, then mean and sd over seeds); ``final mean`` (last evaluation); ``solved`` (seeds
    whose evaluation reached ``target`` at least once, "k/n"); ``time limits`` (training
    episodes cut at 500 steps, summed over seeds); ``Q - G`` (mean over seeds of the final
    Q-estimate minus the discounted Monte-Carlo return of the same states);
    ``auc diff``, ``diff low``, ``diff high`` (paired difference of auc with the variant of
    kind ``reference``, 95% t interval; NaN for the reference itself). Rows follow
    ``settings["order"]``, the order in which the variants ran.
    """
    runs, kinds = result["runs"], result["settings"]["variants"]
    seeds = [str(s) for s in result["settings"]["seeds"]]
    names = list(result["settings"].get("order", runs))
    reference = next((n for n in names if kinds[n]["kind"] == "reference"), None)
    if reference is None:
        raise ValueError(f"no variant of kind 'reference' among {names}")
    auc = {n: [float(np.mean(runs[n][s]["eval_returns"])) for s in seeds] for n in names}
    rows = []
    for n in names:
        per = [runs[n][s] for s in seeds]
        diff = paired_difference(auc[n], auc[reference]) if n != reference else None
        rows.append(
            {
                "variant": n,
                "kind": kinds[n]["kind"],
                "auc mean": float(np.mean(auc[n])),
                "auc sd": float(np.std(auc[n], ddof=1)) if len(seeds) > 1 else float("nan"),
                "final mean": float(np.mean([r["eval_returns"][-1] for r in per])),
                "solved": f"{sum(max(r['eval_returns']) >= target for r in per)}/{len(per)}",
                "time limits": int(sum(r.get("time_limits", 0) for r in per)),
                "Q - G": float(np.mean([r["q_estimate"] - r["mc_return"] for r in per])),
                "auc diff": diff["mean"] if diff else float("nan"),
                "diff low": diff["low"] if diff else float("nan"),
                "diff high": diff["high"] if diff else float("nan"),
            }
        )
    return pd.DataFrame(rows).set_index("variant")


def dumps(result: Mapping[str, Any]) -> str:
    """The JSON text of a result: keys sorted (the row order is ``settings["order"]``)."""
    return json.dumps(result, indent=1, sort_keys=True) + "\n"


def load_ablation(path: str | Path | None = None, verify: bool = True) -> dict[str, Any]:
    """Read the stored ablation result (default ``data/article_ablation.json``).

    Args:
        path: the JSON file; default the shipped one.
        verify: check its SHA-256 against ``data/MANIFEST.json`` first (shipped file only).

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: its checksum does not match the manifest, or it is not an ablation result.
    """
    from livedqn_edu import manifest  # noqa: PLC0415

    shipped = path is None
    p = manifest.data_dir() / ABLATION_FILE if shipped else Path(path)
    if not p.is_file():
        raise FileNotFoundError(
            f"no ablation result at {p}: restore it with `git checkout -- data/{ABLATION_FILE}` "
            "or rebuild it with `python -m livedqn_edu.article_ablation --write`"
        )
    if shipped and verify:
        entry = manifest.load().get(ABLATION_FILE)
        if entry is None or entry.get("sha256") != manifest.sha256(p):
            raise ValueError(
                f"{p} does not match its checksum in data/MANIFEST.json: it was changed or "
                f"corrupted; run `git checkout -- data/{ABLATION_FILE}`"
            )
    data = json.loads(p.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not {"settings", "runs"} <= set(data):
        raise ValueError(f"{p} is not an ablation result (needs 'settings' and 'runs')")
    return data


def _main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write data/ and the manifest")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--steps", type=int, default=TOTAL_STEPS)
    parser.add_argument(
        "--only", nargs="+", default=None, metavar="VARIANT",
        help="re-run these rows only, with the stored settings, and keep the other stored rows",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.write and (args.seeds != list(SEEDS) or args.steps != TOTAL_STEPS):
        raise SystemExit(
            "--write only with the default --seeds and --steps: it keeps the stored result"
        )
    if args.only:
        result, reproduced = lesson_ablation(args.only)
        print("reproduce the stored rows:", reproduced)
    else:
        result = run_ablation(seeds=args.seeds, total_steps=args.steps)
    print(ablation_table(result).round(1).to_string())
    if args.write:
        from livedqn_edu import manifest  # noqa: PLC0415

        out = manifest.data_dir() / ABLATION_FILE
        out.write_text(dumps(result), encoding="utf-8")
        command = "python -m livedqn_edu.article_ablation --write"
        if args.only:
            command += " --only " + " ".join(repr(n) for n in args.only)
        manifest.record(out, command=command)
        print(f"wrote {out}")


if __name__ == "__main__":
    _main()
