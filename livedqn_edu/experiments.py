"""Multi-seed DQN experiments for lesson 05: ablations, sensitivity, Q over-estimation.

Over-estimation is measured against the value of the SAME policy, as van Hasselt et al. (2016)
do: at each evaluation the agent's greedy policy is frozen and rolled out from fixed start
states, and the network's estimate ``Q(s_t, a_t)`` is compared with the discounted return that
this fixed policy actually collected from ``s_t``, ``G_t = sum_k gamma^k r_{t+k}``. CartPole is
deterministic, so for a deterministic policy ``G_t`` is exactly its value ``V^pi(s_t)``. The
agent's Q-values assume the future goes on past CartPole's 500-step limit (a truncation
bootstraps), so the rollouts run with a longer limit (``bias_horizon``, 2,000 steps) and only the
first ``first_steps`` states are compared: the part cut off is worth at most
``gamma^1960 / (1 - gamma)``, below 1e-6 return units at gamma = 0.99.

A gap measured this way still mixes two things: the max's optimism, and Q lagging behind a
policy that keeps changing (Q-values move slowly, paced by target syncs, while the greedy policy
can jump from 500 steps to 50 between two evaluations). :func:`matched_difference` separates
them by comparing two variants at the same seed and step where both policies are equally good.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd

from livedqn_edu.dqn import DQNAgent, DQNConfig
from livedqn_edu.intervals import paired_difference, t_quantile
from livedqn_edu.networks import mlp_q_network
from livedqn_edu.training import CARTPOLE_HIDDEN, EVAL_SEED, History, train

__all__ = [
    "discounted_returns",
    "q_overestimation",
    "run_seeds",
    "summarise",
    "run_variants",
    "paired_difference",  # from livedqn_edu.intervals, used with the tables here
    "t_quantile",
    "matched_difference",
    "same_step_difference",
    "shipped_table",
    "lesson05_tables",
    "RESULT_COLUMNS",
    "VARIANTS",
    "LESSON05",
    "LONG_RUNS",
]

RESULT_COLUMNS = ("variant", "seed", "step", "mean_return", "q_estimate", "mc_return")
"""Columns of a results table: one row per evaluation of one run."""

VARIANTS: dict[str, dict[str, Any]] = {
    "DQN": {},
    "Double DQN": {"double_dqn": True},
    "Dueling": {"dueling": True},
    "Double + dueling": {"double_dqn": True, "dueling": True},
}
"""Lesson 05's ablation: each variant's options for :func:`run_seeds`."""

LESSON05: dict[str, Any] = {
    "seeds": (0, 1, 2, 3, 4),
    "steps": 30_000,
    "eval_every": 1_500,
    "rates": (3e-4, 1e-3, 2.3e-3, 5e-3, 1e-2),
}
"""Lesson 05's full-mode protocol: seeds, env steps per run, evaluation period, learning rates."""

LONG_RUNS: dict[str, Any] = {
    "variants": ("DQN", "Double DQN"),
    "seeds": (0, 1, 2, 3, 4),
    "steps": 150_000,
    "eval_every": 5_000,
}
"""Lesson 05's long runs: long enough (582 target syncs) for Q to climb to its values."""


def discounted_returns(rewards: Sequence[float], gamma: float) -> np.ndarray:
    """``G_t = r_t + gamma * G_{t+1}`` for every step of one episode, ``(T,)`` float64.

    Example:
        >>> discounted_returns([1.0, 1.0, 1.0], 0.5).tolist()  # 1 + 0.5 * (1 + 0.5 * 1)
        [1.75, 1.5, 1.0]
    """
    out = np.zeros(len(rewards))
    g = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        g = float(rewards[t]) + gamma * g
        out[t] = g
    return out


def q_overestimation(
    env: gym.Env, agent: DQNAgent, episodes: int = 5, seed: int = EVAL_SEED, first_steps: int = 40
) -> dict[str, float]:
    """Mean predicted ``Q(s_t, a_t)`` against the discounted return that followed (greedy play).

    Args:
        env: the environment.
        agent: the agent; it acts greedily, its ``config.gamma`` discounts the returns.
        episodes: greedy episodes; episode ``i`` resets with ``seed + i``.
        seed: reset seed of the first episode.
        first_steps: compare only the first steps of each episode (see the module docstring).

    Returns:
        ``{"q_estimate", "mc_return", "overestimation"}``: means over the compared states, and
        their difference (positive: the network is too optimistic).
    """
    q_est, mc = [], []
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        states, actions, rewards, done = [], [], [], False
        while not done:
            action = agent.act(obs, 0.0)
            states.append(obs)
            actions.append(action)
            obs, reward, terminated, truncated, _ = env.step(action)
            rewards.append(float(reward))
            done = terminated or truncated
        n = min(first_steps, len(states))
        q = agent.q_values(np.asarray(states[:n], dtype=np.float32))
        q_est.extend(q[np.arange(n), actions[:n]])
        mc.extend(discounted_returns(rewards, agent.config.gamma)[:n])
    q_mean, mc_mean = float(np.mean(q_est)), float(np.mean(mc))
    return {"q_estimate": q_mean, "mc_return": mc_mean, "overestimation": q_mean - mc_mean}


def run_seeds(
    seeds: Sequence[int],
    total_steps: int,
    config: DQNConfig | None = None,
    dueling: bool = False,
    hidden: tuple[int, ...] = CARTPOLE_HIDDEN,
    eval_every: int = 2_000,
    measure_bias: bool = True,
    bias_horizon: int = 2_000,
    **overrides: Any,
) -> list[History]:
    """Train one CartPole agent per seed for a fixed budget (no early stop); one history each.

    Args:
        seeds: the seeds (each seeds the network, the agent, the env and the sampling).
        total_steps: env steps per run.
        config: the config (default :class:`DQNConfig`); ``overrides`` replace some fields.
        dueling: use the dueling head.
        hidden: hidden layer sizes.
        eval_every: env steps between evaluations (20 greedy episodes).
        measure_bias: also record ``eval/q_estimate``, ``eval/mc_return`` and
            ``eval/overestimation`` (from :func:`q_overestimation`) at each evaluation.
        bias_horizon: time limit of the rollouts that measure the greedy policy's returns.

    Returns:
        The training histories, in the order of ``seeds``.
    """
    cfg = replace(config or DQNConfig(), **overrides)
    return [
        _run_one(seed, total_steps, cfg, dueling, hidden, eval_every, measure_bias, bias_horizon)
        for seed in seeds
    ]


def _run_one(
    seed: int,
    total_steps: int,
    cfg: DQNConfig,
    dueling: bool,
    hidden: tuple[int, ...],
    eval_every: int,
    measure_bias: bool,
    bias_horizon: int,
) -> History:
    agent = DQNAgent(mlp_q_network(4, 2, hidden=hidden, dueling=dueling, seed=seed), cfg, seed)
    env, eval_env = gym.make("CartPole-v1"), gym.make("CartPole-v1")
    bias_env = gym.make("CartPole-v1", max_episode_steps=bias_horizon)
    bias: dict[str, list[float]] = {"q_estimate": [], "mc_return": [], "overestimation": []}

    def on_eval(step: int, mean: float) -> bool:
        if measure_bias:
            for key, value in q_overestimation(bias_env, agent).items():
                bias[key].append(value)
        return False

    hist = train(
        env,
        agent,
        total_steps,
        seed=seed,
        eval_env=eval_env,
        eval_every=eval_every,
        on_eval=on_eval,
        progress=False,
    )
    if measure_bias:
        hist.update({f"eval/{k}": v for k, v in bias.items()})
    return hist


def summarise(histories: Sequence[History], target: float = 475.0) -> dict[str, float]:
    """Across seeds: mean evaluation return over the run (area under the curve) and solving.

    Returns:
        ``{"auc_median", "auc_min", "auc_max", "solved", "final_median"}``: the per-seed mean of
        ``eval/mean_return`` (median, min and max over seeds), the fraction of seeds whose
        evaluation ever reached ``target``, and the median last evaluation.
    """
    auc = [float(np.mean(h["eval/mean_return"])) for h in histories]
    solved = [max(h["eval/mean_return"]) >= target for h in histories]
    final = [h["eval/mean_return"][-1] for h in histories]
    return {
        "auc_median": float(np.median(auc)),
        "auc_min": min(auc),
        "auc_max": max(auc),
        "solved": float(np.mean(solved)),
        "final_median": float(np.median(final)),
    }


def run_variants(
    variants: Mapping[str, Mapping[str, Any]],
    seeds: Sequence[int],
    total_steps: int,
    eval_every: int = 2_000,
    measure_bias: bool = True,
) -> pd.DataFrame:
    """Run every variant on every seed (:func:`run_seeds`) and gather one tidy table.

    Args:
        variants: name -> keyword arguments of :func:`run_seeds` (``dueling=True``,
            ``double_dqn=True``, ``learning_rate=1e-3``...).
        seeds: the seeds, the same for every variant (so runs pair by seed).
        total_steps: env steps per run.
        eval_every: env steps between evaluations.
        measure_bias: record the Q-estimates and the frozen policy's returns.

    Returns:
        A DataFrame with :data:`RESULT_COLUMNS`, one row per evaluation (NaN bias columns when
        ``measure_bias`` is False).
    """
    rows = []
    for name, options in variants.items():
        hists = run_seeds(seeds, total_steps, eval_every=eval_every, measure_bias=measure_bias,
                          **options)  # fmt: skip
        for seed, h in zip(seeds, hists, strict=True):
            for i, step in enumerate(h["eval/step"]):
                rows.append({
                    "variant": name, "seed": int(seed), "step": int(step),
                    "mean_return": float(h["eval/mean_return"][i]),
                    "q_estimate": float(h["eval/q_estimate"][i]) if measure_bias else np.nan,
                    "mc_return": float(h["eval/mc_return"][i]) if measure_bias else np.nan,
                })  # fmt: skip
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def matched_difference(
    table: pd.DataFrame, a: str, b: str, min_value: float = 99.0, level: float = 0.95
) -> dict:
    """Q-estimates of variants ``a`` and ``b`` where both greedy policies are equally good.

    Pairs are evaluations at the same seed and step where BOTH policies' measured values
    (``mc_return``) are at least ``min_value``: the same truth, the same amount of training.
    Differences are averaged within each seed, and the interval is over seeds.

    Returns:
        ``{"pairs", "seeds", "mean", "low", "high", "gap_a", "gap_b"}``: the number of matched
        evaluations and of seeds holding one, the mean difference of ``q_estimate`` (a - b) with
        its interval, and each variant's mean ``q_estimate - mc_return`` over the pairs.
    """
    keys = ["seed", "step"]
    good = table[table["mc_return"] >= min_value]
    both = good[good["variant"] == a].merge(
        good[good["variant"] == b], on=keys, suffixes=("_a", "_b")
    )
    per_seed = both.assign(diff=both["q_estimate_a"] - both["q_estimate_b"]).groupby("seed")["diff"]
    ci = paired_difference(per_seed.mean().to_numpy(), np.zeros(per_seed.ngroups), level)
    return {
        "pairs": len(both),
        "seeds": per_seed.ngroups,
        "mean": ci["mean"],
        "low": ci["low"],
        "high": ci["high"],
        "gap_a": float((both["q_estimate_a"] - both["mc_return_a"]).mean()),
        "gap_b": float((both["q_estimate_b"] - both["mc_return_b"]).mean()),
    }


def same_step_difference(
    table: pd.DataFrame,
    a: str,
    b: str,
    column: str = "q_estimate",
    min_step: int = 0,
    level: float = 0.95,
) -> dict:
    """``column`` of variant ``a`` minus variant ``b`` at the same seed and step, whatever the
    policies are worth: averaged over the evaluations from ``min_step`` on within each seed, with
    an interval over seeds (:func:`paired_difference`)."""
    keys = ["seed", "step"]
    rows = table[table["step"] >= min_step]
    both = rows[rows["variant"] == a].merge(
        rows[rows["variant"] == b], on=keys, suffixes=("_a", "_b")
    )
    per_seed = (both[f"{column}_a"] - both[f"{column}_b"]).groupby(both["seed"]).mean()
    return paired_difference(per_seed.to_numpy(), np.zeros(len(per_seed)), level)


def shipped_table(name: str) -> pd.DataFrame:
    """A results table shipped in ``data/results/<name>.csv``, verified against the manifest.

    Lesson 05 loads these in fast mode instead of training for minutes; ``python -m
    livedqn_edu.experiments`` regenerates them (see :func:`reproduce_lesson05_tables`).
    """
    from livedqn_edu import manifest  # noqa: PLC0415

    path = manifest.data_dir() / "results" / f"{name}.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"no shipped results at {path}; regenerate them: `python -m livedqn_edu.experiments`"
        )
    manifest.verify_file(path)
    return pd.read_csv(path, dtype={"variant": str})


def lesson05_tables(
    out_dir: str | Path | None = None, only: Sequence[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Run lesson 05's experiments and write their tables (``<name>.csv``).

    - ``dqn_variants``: every variant of :data:`VARIANTS` with the protocol of :data:`LESSON05`,
      measuring the Q-estimates;
    - ``lr_sweep``: each learning rate of ``LESSON05["rates"]`` except the default, whose runs
      are the ablation's plain DQN ones (same seeds and settings: the bias measurement does not
      change training), so ``dqn_variants`` is run first when both are asked for;
    - ``dqn_long``: DQN and Double DQN for :data:`LONG_RUNS`.

    Files written inside ``data/`` are recorded in ``data/MANIFEST.json``.

    Args:
        out_dir: folder for the CSV files (default ``data/results``).
        only: names of the tables to (re)build (default: all three).
    """
    from livedqn_edu import manifest  # noqa: PLC0415

    out = Path(out_dir) if out_dir is not None else manifest.data_dir() / "results"
    out.mkdir(parents=True, exist_ok=True)
    names = list(only) if only is not None else ["dqn_variants", "lr_sweep", "dqn_long"]
    seeds, steps, every = LESSON05["seeds"], LESSON05["steps"], LESSON05["eval_every"]
    tables: dict[str, pd.DataFrame] = {}
    if "dqn_variants" in names or "lr_sweep" in names:
        tables["dqn_variants"] = run_variants(VARIANTS, seeds, steps, every)
    if "lr_sweep" in names:
        default = DQNConfig().learning_rate
        rates = {f"{lr:g}": {"learning_rate": lr} for lr in LESSON05["rates"] if lr != default}
        sweep = run_variants(rates, seeds, steps, every, measure_bias=False)
        plain = tables["dqn_variants"]
        plain = plain[plain["variant"] == "DQN"].assign(variant=f"{default:g}")
        tables["lr_sweep"] = pd.concat([sweep, plain], ignore_index=True)
    if "dqn_long" in names:
        variants = {name: VARIANTS[name] for name in LONG_RUNS["variants"]}
        tables["dqn_long"] = run_variants(
            variants, LONG_RUNS["seeds"], LONG_RUNS["steps"], LONG_RUNS["eval_every"]
        )
    data = manifest.data_dir().resolve()
    for name in names:
        path = out / f"{name}.csv"
        tables[name].to_csv(path, index=False, float_format="%.6g")
        if data in path.resolve().parents:
            protocol = LONG_RUNS if name == "dqn_long" else LESSON05
            command = f"python -m livedqn_edu.experiments --only {name}"
            manifest.record(path, command=command, protocol=protocol)
        print(f"wrote {path} ({len(tables[name])} rows)")
    return tables


if __name__ == "__main__":  # pragma: no cover  (a long run; the function is tested on a tiny one)
    import argparse

    parser = argparse.ArgumentParser(description="Regenerate lesson 05's shipped result tables.")
    parser.add_argument("--out", default=None, help="folder (default: data/results)")
    parser.add_argument("--only", nargs="*", default=None, help="dqn_variants lr_sweep dqn_long")
    args = parser.parse_args()
    lesson05_tables(args.out, args.only)
