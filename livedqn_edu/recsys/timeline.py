"""A viewer's week, step by step: fatigue, follows, engagement and return visits as they happen.

:func:`week_timeline` runs a policy on a population and records, at every recommendation, the
hidden state the long-term mechanisms act on (the shown room's fatigue, the viewer's follows and
engagement) and what happened (watch minutes, a new follow, the end of a session, a next-day
return). :func:`daily_summary` turns it into one row per day (population averages); lesson 06
plots both (:func:`~livedqn_edu.recsys.plots.plot_viewer_timeline`,
:func:`~livedqn_edu.recsys.plots.plot_week_averages`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import VALIDATION, Population
from livedqn_edu.envs.rooms import MINUTES_PER_DAY
from livedqn_edu.envs.world import World

__all__ = ["candidate_table", "daily_summary", "week_timeline"]


def week_timeline(
    policy: Any,
    n_viewers: int = 200,
    population: Population = VALIDATION,
    config: WorldConfig | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Run ``policy`` over a week and record every recommendation.

    Args:
        policy: a policy (oracles are attached to the world first).
        n_viewers: viewers.
        population: whose viewers and rooms; seed: viewer seed (default its first).
        config: the world's knobs (default ``WorldConfig()``).

    Returns:
        One row per recommendation: ``viewer``, ``t`` (minutes since Monday 00:00), ``day``,
        ``session``, ``fatigue`` (ignored impressions of the shown room, decayed to now),
        ``fatigue_utility`` (its utility term), ``followed`` (the shown room was followed),
        ``follows`` and ``engagement`` (the viewer's, before the step), ``watch_minutes``,
        ``follow`` (a new follow), ``session_end``, ``return_visit`` (the session ended and the
        viewer comes back tomorrow) and ``churn``.
    """
    world = World(population.config(config))
    obs = world.reset(n_viewers, seed=population.seeds[0] if seed is None else seed)
    if hasattr(policy, "attach"):
        policy.attach(world)
    rows = np.arange(world.n)
    frames = []
    while not world.done.all():
        actions = np.asarray(policy(obs))
        active = ~world.done
        v = world.viewers
        shown = np.where(active, world.room_ids[rows, np.where(active, actions, 0)], -1)
        terms = world.utility_terms(shown[:, None])
        before = {
            "viewer": rows, "t": v.t.copy(), "session": v.sessions.copy(),
            "fatigue": -terms["fatigue"][:, 0] / max(world.config.fatigue_weight, 1e-12),
            "fatigue_utility": terms["fatigue"][:, 0], "followed": terms["follow"][:, 0] > 0,
            "follows": v.n_follows.copy(), "engagement": v.engagement.copy(),
        }  # fmt: skip
        _, parts = world.step(actions)
        after = {k: parts[k] for k in ("watch_minutes", "follow", "return_visit", "churn")}
        frame = pd.DataFrame({**before, **after, "session_end": parts["session_end"]})
        frames.append(frame[active])
        obs = world.observe()
    out = pd.concat(frames, ignore_index=True)
    out.insert(2, "day", (out["t"] // MINUTES_PER_DAY).astype(np.int64))
    if world.config.fatigue_weight == 0:
        out["fatigue"] = np.nan  # not measured through a switched-off term
    return out.sort_values(["viewer", "t"], kind="stable").reset_index(drop=True)


def daily_summary(timeline: pd.DataFrame, n_viewers: int, days: int = 7) -> pd.DataFrame:
    """Population averages per day of a :func:`week_timeline`.

    Returns:
        One row per day: ``active`` (share of viewers with a recommendation that day),
        ``watch_minutes`` (per viewer), ``follows`` (mean follows at the end of the day, viewers
        carried forward), ``new_follows`` (per viewer), ``engagement`` (mean at the day's last
        recommendation), ``fatigue`` (mean ignored impressions of the rooms shown) and
        ``return_next_day`` (share of that day's active viewers who come back the next day).
    """
    t = timeline
    by_day = t.groupby("day")
    last = t.groupby(["viewer", "day"]).tail(1).set_index(["viewer", "day"])
    last = last.assign(follows=last["follows"] + last["follow"])
    grid = pd.MultiIndex.from_product([range(n_viewers), range(days)], names=["viewer", "day"])
    carried = last[["follows", "engagement"]].reindex(grid).groupby("viewer").ffill()
    active = t.groupby("day")["viewer"].nunique().reindex(range(days), fill_value=0)
    seen = set(zip(t["viewer"], t["day"], strict=True))
    back = [
        np.mean([(v, d + 1) in seen for v in t.loc[t["day"] == d, "viewer"].unique()])
        if d + 1 < days and active[d] else np.nan
        for d in range(days)
    ]  # fmt: skip
    return pd.DataFrame({
        "day": range(days),
        "active": active.to_numpy() / n_viewers,
        "watch_minutes": by_day["watch_minutes"].sum().reindex(range(days), fill_value=0)
        .to_numpy() / n_viewers,
        "follows": carried["follows"].groupby("day").mean().to_numpy(),
        "new_follows": by_day["follow"].sum().reindex(range(days), fill_value=0).to_numpy()
        / n_viewers,
        "engagement": carried["engagement"].groupby("day").mean().to_numpy(),
        "fatigue": by_day["fatigue"].mean().reindex(range(days)).to_numpy(),
        "return_next_day": back,
    })  # fmt: skip


def candidate_table(world: World, viewer: int = 0) -> pd.DataFrame:
    """The current candidates of one viewer: where each slot comes from and what it is worth.

    Returns:
        One row per non-empty slot: ``slot``, ``room``, ``category``, ``source`` ("followed",
        "popular" or "discovery"), the utility terms of showing it (utility units), ``utility``
        (their sum) and ``p_enter`` (the chance the viewer enters it).
    """
    from livedqn_edu.envs.rooms import CATEGORIES

    if not 0 <= viewer < world.n:
        raise ValueError(f"viewer must be in [0, {world.n}), got {viewer}")
    slots = np.flatnonzero(world.mask[viewer])
    ids = world.room_ids[viewer, slots]
    terms = world.utility_terms(np.broadcast_to(world.room_ids[:, slots], (world.n, slots.size)))
    popular = set(world.rooms.popular_ids[world.rooms.slot_of(world.t[viewer : viewer + 1])[0]])
    followed = world.viewers.followed[viewer, ids]
    source = np.where(followed, "followed", [
        "popular" if room in popular else "discovery" for room in ids])  # fmt: skip
    table = pd.DataFrame({
        "slot": slots, "room": ids, "category": [CATEGORIES[c] for c in world.rooms.category[ids]],
        "source": source,
        **{name: np.broadcast_to(x, (world.n, slots.size))[viewer] for name, x in terms.items()},
    })  # fmt: skip
    table["utility"] = table[list(terms)].sum(axis=1)
    table["p_enter"] = world.choice_probabilities(world.room_ids)[viewer, slots, 0]
    return table
