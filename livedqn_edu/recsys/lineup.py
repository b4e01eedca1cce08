"""The line-up of baselines every comparison table of lessons 07-09 carries, built in one call.

::

    logs = shipped_logs()                              # the shipped logs, with observations
    policies = baseline_policies(logs, seeds=range(5)) # name -> Policy or list of Policy
    values = per_viewer_values(policies, TEST, n_viewers=1_000)   # name -> (seeds, viewers)

Learned baselines get one fitted policy per training seed, as the DQN does: seed ``s`` fits on a
bootstrap resample of the logs' *viewers* (:func:`resample_viewers`: whole viewer-weeks drawn with
replacement, as a new log of the same size from the same logging policy would differ) and, for
the myopic model, initialises and shuffles with ``s``. Their seed-to-seed spread then enters the
intervals of :func:`livedqn_edu.recsys.stats.compare_policies` as the DQN's does.

The line-up, in table order (:data:`BASELINES`): random, most viewers, followed first, the tuned
visible-feature scorer, the diversity re-ranker on top of it, LinUCB fitted on the logs (and
still learning online), LinUCB learning online from scratch, the myopic model (fitted on the
logs), the myopic oracle; the planner (an upper reference with the world's knowledge) is added
by :func:`planner` because it is costly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from livedqn_edu.manifest import data_dir
from livedqn_edu.recsys.baselines import TUNED, TUNED_LAMBDA, MMRReranker, VisibleScorer
from livedqn_edu.recsys.offpolicy import BanditLogs
from livedqn_edu.recsys.oracles import LookaheadOracle, MyopicModel, MyopicOracle
from livedqn_edu.recsys.policies import FollowedFirst, LinUCB, MostViewers, Policy, Random

__all__ = [
    "BASELINES",
    "LINUCB_ALPHA",
    "PLANNER",
    "resample_viewers",
    "fit_linucb",
    "fit_myopic_models",
    "baseline_policies",
    "planner",
    "benchmark_record",
]

BASELINES: dict[str, str] = {
    "random": "a uniformly random live room",
    "most_viewers": "the live room with the largest audience",
    "followed_first": "a followed room, else the most watched, else the largest audience",
    "visible_scorer": "a linear score of seven visible features (a fatigue and a diversity term "
    "among them), weights tuned on validation viewers",
    "mmr_rerank": "the visible scorer re-ranked for category variety (MMR), lambda the best "
    "below 1 on validation viewers",
    "linucb_logs": "LinUCB fitted on the shipped logs, then learning online",
    "linucb_online": "LinUCB learning online from scratch",
    "myopic_model": "a small network of the immediate reward fitted on the shipped logs, greedy",
    "myopic_oracle": "the largest true expected immediate reward (reads the hidden world)",
}
"""Each baseline of the line-up and what it does, in table order."""

LINUCB_ALPHA: dict[str, float] = {"linucb_logs": 0.1, "linucb_online": 0.1}
"""LinUCB's exploration width per variant, chosen on validation viewers (see
``benchmarks/results/baselines_tuning.json``)."""

PLANNER: dict[str, Any] = {"depth": 12, "n_rollouts": 6, "top": 3, "min_t": 2.0}
"""The planner's settings (chosen on validation viewers by the world's design,
``docs/live-room-world.md``)."""


def resample_viewers(logs: BanditLogs, seed: int) -> BanditLogs:
    """A bootstrap resample of the logs by viewer: each viewer-week drawn with replacement.

    Every row of a viewer drawn ``c`` times appears ``c`` times (rows of undrawn viewers are
    dropped), so the result is a log of as many viewer-weeks as ``logs``.

    Args:
        logs: logged impressions with their ``viewers``.
        seed: seed of the draw.
    """
    viewers = np.unique(logs.viewers)
    drawn = np.random.default_rng(seed).choice(viewers, size=viewers.size, replace=True)
    counts = np.zeros(int(logs.viewers.max()) + 1, dtype=np.int64)
    np.add.at(counts, drawn, 1)
    rows = np.repeat(np.arange(len(logs)), counts[logs.viewers])
    return logs.subset(rows)


def _seeds(seeds: Iterable[int]) -> list[int]:
    out = [int(s) for s in seeds]
    if not out:
        raise ValueError("seeds must hold at least one training seed, e.g. range(5)")
    return out


def fit_linucb(logs: BanditLogs, seeds: Iterable[int], alpha: float) -> list[LinUCB]:
    """One :class:`LinUCB` per seed, each fitted on :func:`resample_viewers` (logs, seed).

    The fit is the warm start: the policy keeps learning online when evaluated and
    :meth:`~LinUCB.reset` returns to it.
    """
    out = []
    for s in _seeds(seeds):
        sample = resample_viewers(logs, s)
        policy = LinUCB(alpha=alpha).fit(sample.obs, sample.actions, sample.rewards)
        policy.name = "linucb_logs"
        out.append(policy)
    return out


def fit_myopic_models(logs: BanditLogs, seeds: Iterable[int], epochs: int = 3) -> list[MyopicModel]:
    """One :class:`MyopicModel` per seed, fitted on :func:`resample_viewers` (logs, seed)."""
    out = []
    for s in _seeds(seeds):
        sample = resample_viewers(logs, s)
        out.append(
            MyopicModel(epochs=epochs, seed=s).fit(sample.obs, sample.actions, sample.rewards)
        )
    return out


def baseline_policies(
    logs: BanditLogs | None,
    seeds: Iterable[int] = range(5),
    epochs: int = 3,
    include: Iterable[str] | None = None,
) -> dict[str, Policy | list[Policy]]:
    """Every baseline of :data:`BASELINES` (those fitted on logs: one per seed).

    Args:
        logs: the logs the learned baselines fit on (``shipped_logs()``); None leaves out
            ``linucb_logs`` and ``myopic_model``.
        seeds: training seeds of the learned baselines (the DQN's count: 5).
        epochs: the myopic model's passes over the logs.
        include: names to build (default all of :data:`BASELINES`).

    Returns:
        ``{name: policy}``, or ``{name: [policy per seed]}`` for the learned ones, in table order.
    """
    names = list(BASELINES) if include is None else list(include)
    unknown = sorted(set(names) - set(BASELINES))
    if unknown:
        raise ValueError(f"unknown baselines {unknown}; known: {list(BASELINES)}")
    if logs is None:
        names = [n for n in names if n not in ("linucb_logs", "myopic_model")]
    seeds = _seeds(seeds)
    makers: dict[str, Any] = {
        "random": lambda: Random(seed=0),
        "most_viewers": MostViewers,
        "followed_first": FollowedFirst,
        "visible_scorer": lambda: VisibleScorer(TUNED),
        "mmr_rerank": lambda: MMRReranker(TUNED_LAMBDA, TUNED),
        "linucb_logs": lambda: fit_linucb(logs, seeds, LINUCB_ALPHA["linucb_logs"]),
        "linucb_online": lambda: _online_linucb(),
        "myopic_model": lambda: fit_myopic_models(logs, seeds, epochs),
        "myopic_oracle": MyopicOracle,
    }
    return {name: makers[name]() for name in names}


def _online_linucb() -> LinUCB:
    policy = LinUCB(alpha=LINUCB_ALPHA["linucb_online"])
    policy.name = "linucb_online"
    return policy


def planner(seed: int = 0) -> LookaheadOracle:
    """The planner with the world's knowledge (:data:`PLANNER`): an upper reference, costly.

    Its :attr:`~LookaheadOracle.seconds` and :attr:`~LookaheadOracle.world_steps` report the cost.
    """
    policy = LookaheadOracle(seed=seed, **PLANNER)
    policy.name = "planner"
    return policy


def benchmark_record(name: str, results: Path | str | None = None) -> dict[str, Any]:
    """A committed benchmark record, ``benchmarks/results/<name>.json`` (lesson 07 reads them).

    Args:
        name: ``"recommender"``, ``"recommender_new_catalogue"``, ``"bandits"`` or
            ``"baselines_tuning"``.
        results: the results folder (default ``benchmarks/results`` beside ``data/``).

    Raises:
        FileNotFoundError: the record is missing (with the command that writes it).
    """
    folder = Path(results) if results is not None else data_dir().parent / "benchmarks" / "results"
    path = folder / f"{name}.json"
    if not path.is_file():
        script = {"recommender_new_catalogue": "recommender.py --catalogue-seed",
                  "baselines_tuning": "tune_baselines.py"}.get(name, f"{name}.py")  # fmt: skip
        raise FileNotFoundError(
            f"no benchmark record at {path}: write it with `python benchmarks/{script}`"
        )
    return json.loads(path.read_text(encoding="utf-8"))
