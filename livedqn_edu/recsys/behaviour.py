"""What a recommender does on the states the world really produces: its choices beside another's.

Probing a Q-network with made-up feature vectors asks about states the world never produces.
Here a policy runs over real viewers and, at every step, a *reference* policy (the strongest
heuristic, or the gamma-0 twin) is asked what it would have shown on the very same observation
(its answer changes nothing). :func:`decisions` records both choices with the features of the
rooms chosen; :func:`disagreements` tabulates, where they differ, what kind of room each picks;
:func:`diversity` counts the categories shown per session and per week; :class:`Restricted`
switches one behaviour off (a rule forbids some candidates) so that a paired comparison can
test whether that behaviour pays.

>>> from livedqn_edu.recsys.policies import FollowedFirst, MostViewers
>>> frame = decisions(FollowedFirst(), MostViewers(), n_viewers=20, seed=0)
>>> bool(0 < frame["agree"].mean() < 1)     # they agree on some steps, not all
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import VALIDATION, Population
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.policies import Policy, _check_obs, masked_argmax

__all__ = ["FEATURES", "slot_kinds", "decisions", "disagreements", "diversity", "Restricted"]

FEATURES = ("followed", "log_past_minutes", "log_audience", "recent_impressions",
            "category_share", "hours_live")  # fmt: skip
"""Candidate features recorded for each chosen room (raw column values of the spec)."""
KINDS = ("followed", "popular", "discovery")
"""How the candidate generator filled a slot (see :func:`slot_kinds`)."""


def slot_kinds(obs: dict[str, np.ndarray], spec: Any, popular_slots: int) -> np.ndarray:
    """Which block of the candidate generator filled each slot: 0 followed, 1 popular,
    2 discovery (-1 empty), ``(N, K)`` int64.

    The generator fills followed rooms first, then ``popular_slots`` most-watched unfollowed
    rooms, then discovery rooms (:func:`~livedqn_edu.envs.candidates.build_candidates`).
    """
    mask = np.asarray(obs["mask"], dtype=bool)
    followed = spec.column(obs, "followed") > 0.5
    other = mask & ~followed
    rank = np.cumsum(other, axis=1) - other  # unfollowed valid slots before this one
    kind = np.where(followed, 0, np.where(rank < popular_slots, 1, 2))
    return np.where(mask, kind, -1)


def _choose(policy: Any, obs: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(policy(obs), dtype=np.int64)


def decisions(
    policy: Any,
    reference: Any,
    population: Population = VALIDATION,
    n_viewers: int = 1_000,
    seed: int | None = None,
    config: WorldConfig | None = None,
) -> pd.DataFrame:
    """Run ``policy`` over one week of real viewers, asking ``reference`` at every step too.

    ``reference`` sees the same observation and its choice is recorded, never shown (a
    reference that learns online is not fed: use a fixed policy). Oracles are attached to the
    world.

    Args:
        policy: the policy that acts (e.g. the DQN's ``AgentPolicy`` or ``greedy_policy``).
        reference: the policy asked for comparison (e.g. the tuned visible scorer).
        population: the viewers' population (its rooms; its first seed unless ``seed``).
        n_viewers: viewers, >= 1.
        seed: viewer seed (default ``population.seeds[0]``).
        config: the world's knobs (the population sets the rooms).

    Returns:
        One row per (viewer, step) of an active viewer: ``viewer``, ``session``, ``step``
        (recommendation in the session), ``hour`` (0-24 on the viewer's clock), ``day``,
        ``agree``, ``category`` and ``reference_category`` (of the two chosen rooms),
        ``kind`` / ``reference_kind`` (:data:`KINDS` index), each of :data:`FEATURES` for the
        policy's room and ``reference_<feature>`` for the reference's, ``entered`` and
        ``minutes`` (the viewer's response to the policy's room) and ``reward``.
    """
    cfg = population.config(config)
    world = World(cfg)
    obs = world.reset(n_viewers, seed=population.seeds[0] if seed is None else seed)
    for p in (policy, reference):
        if hasattr(p, "attach"):
            p.attach(world)
    spec, rows, out = world.features, np.arange(n_viewers), []
    cats = [spec.index("candidates", n) for n in spec.names("candidates") if n.startswith("cat_")]
    while not world.done.all():
        active = ~world.done
        a, b = _choose(policy, obs), _choose(reference, obs)
        kinds = slot_kinds(obs, spec, cfg.popular_slots)
        cols = {name: spec.column(obs, name) for name in FEATURES}
        category = obs["candidates"][..., cats].argmax(axis=-1)
        t, v = world.t.copy(), world.viewers
        record: dict[str, Any] = {
            "viewer": rows, "session": v.sessions.copy(), "step": v.session_steps.copy(),
            "hour": (t % 1440.0) / 60.0, "day": t // 1440.0, "agree": a == b,
            "category": category[rows, a], "reference_category": category[rows, b],
            "kind": kinds[rows, a], "reference_kind": kinds[rows, b],
        }  # fmt: skip
        for name, col in cols.items():
            record[name], record[f"reference_{name}"] = col[rows, a], col[rows, b]
        reward, parts = world.step(a)
        record.update(entered=parts["click"], minutes=parts["watch_minutes"], reward=reward)
        out.append(pd.DataFrame(record)[active])
        obs = world.observe()
    return pd.concat(out, ignore_index=True)


def disagreements(
    frame: pd.DataFrame, feature: str, bins: Any = None, labels: Any = None
) -> pd.DataFrame:
    """Where the two policies disagree: the share of each one's picks in each bin of a feature.

    Args:
        frame: :func:`decisions` output.
        feature: a column recorded for both picks (one of :data:`FEATURES`, ``kind``,
            ``category``), or ``"hour"`` (the time of day, the same for both picks).
        bins: ``pandas.cut`` bins for a numeric feature (None: each value is its own bin).
        labels: labels of the bins.

    Returns:
        One row per bin: ``policy`` and ``reference`` (shares of the disagreeing steps whose
        pick falls in the bin), ``difference`` (policy - reference) and, for ``hour`` only,
        ``steps`` (how many disagreeing steps fell in the bin).
    """
    if feature not in frame:
        raise ValueError(f"feature must be a column of the decisions frame, got {feature!r}")
    diff = frame[~frame["agree"]]
    if diff.empty:
        raise ValueError("the two policies never disagree: nothing to tabulate")

    def binned(x: pd.Series) -> pd.Series:
        return x if bins is None else pd.cut(x, bins, labels=labels, include_lowest=True)

    if feature in ("hour", "day", "session", "step"):  # a property of the step, not of a pick
        all_steps = binned(frame[feature]).value_counts(normalize=True).sort_index()
        here = binned(diff[feature]).value_counts(normalize=True).sort_index()
        counts = binned(diff[feature]).value_counts().sort_index()
        table = pd.DataFrame({"disagreeing": here, "all_steps": all_steps, "steps": counts})
        return table.fillna(0.0)
    mine = binned(diff[feature]).value_counts(normalize=True)
    theirs = binned(diff[f"reference_{feature}"]).value_counts(normalize=True)
    table = pd.DataFrame({"policy": mine, "reference": theirs}).fillna(0.0).sort_index()
    table["difference"] = table["policy"] - table["reference"]
    return table


def diversity(frame: pd.DataFrame, reference: bool = False) -> dict[str, float]:
    """Distinct categories shown per session and per viewer-week (means), and the share of
    impressions in each viewer's most-shown category.

    Args:
        frame: :func:`decisions` output.
        reference: count the reference's picks instead (what it *would* have shown on the
            policy's states: the same states, so not the reference's own week).
    """
    col = "reference_category" if reference else "category"
    per_session = frame.groupby(["viewer", "session"])[col].nunique().mean()
    per_week = frame.groupby("viewer")[col].nunique().mean()
    top = frame.groupby("viewer")[col].agg(lambda c: c.value_counts(normalize=True).iloc[0])
    return {
        "categories_per_session": float(per_session),
        "categories_per_week": float(per_week),
        "top_category_share": float(top.mean()),
    }


@dataclasses.dataclass
class Restricted(Policy):
    """``base`` with one behaviour switched off: candidates where ``rule(obs)`` is True are
    never chosen, unless a viewer has no other valid candidate.

    Args:
        base: a policy with ``scores(obs)`` (e.g. ``AgentPolicy``).
        rule: ``obs -> (N, K)`` bool, the candidates to forbid.
        name: name in tables.
    """

    base: Any
    rule: Callable[[dict[str, np.ndarray]], np.ndarray]
    name: str = "restricted"

    def scores(self, obs: dict[str, np.ndarray]) -> np.ndarray:  # noqa: D102
        mask = _check_obs(obs)
        allowed = mask & ~np.asarray(self.rule(obs), dtype=bool)
        keep = np.where(allowed.any(axis=1, keepdims=True), allowed, mask)
        return np.where(keep, np.asarray(self.base.scores(obs), dtype=np.float64), -np.inf)

    def __call__(self, obs: dict[str, np.ndarray]) -> np.ndarray:  # noqa: D102
        return masked_argmax(self.scores(obs), _check_obs(obs))

    def reset(self, seed: int | None = None) -> None:  # noqa: D102
        if hasattr(self.base, "reset"):
            self.base.reset(seed)
