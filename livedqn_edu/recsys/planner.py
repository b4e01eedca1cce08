"""The world's long-term values, and a one-step planner that uses them (an upper reference).

A recommendation today can change what the viewer is worth later: a long watch may earn a follow,
a satisfying session raises the viewer's engagement (and their chance of coming back), an
ignored room tires the viewer of it for a day, and every impression spends a little of the
session's patience and time. The myopic oracle ignores all of that. This module measures what
each is worth in the true world and plans with it:

- :func:`value_of_a_change`: what one change to the viewer today (one more follow, engagement
  +0.2, one more ignored impression of their favourite room) is worth over the rest of the week,
  paired on the same viewers and random numbers under the myopic oracle;
- :func:`world_values`: those values measured on *training* viewers, once per world
  (:class:`WorldValues`), and optionally the value of the rest of a session by patience and time
  left, fitted on the myopic oracle's sessions;
- :class:`ValuePlanner`: the one-step planner ``expected immediate reward + P(follow) x value of a
  follow + E[engagement gained] x value of engagement - P(ignored) x value of fatigue
  (+ the expected value of the rest of the session)``, which knows the world exactly and is as
  cheap as the myopic oracle.

``docs/live-room-world.md`` reports what these planners gain over the myopic oracle (nothing
measurable at the calibrated world).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import TRAIN, VALIDATION, Population
from livedqn_edu.envs.response import (
    fatigue_now,
    fatigue_stored,
    follow_probability,
    satisfaction,
    stay_probability,
    watch_log_mean,
)
from livedqn_edu.envs.rooms import MINUTES_PER_DAY
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.evaluation import evaluate_policies, paired_table
from livedqn_edu.recsys.oracles import MyopicOracle, _TimedWorldPolicy
from livedqn_edu.recsys.policies import Obs, _check_obs

__all__ = [
    "CHANGES",
    "DEFAULT_VALUES",
    "ValuePlanner",
    "WorldValues",
    "session_values",
    "value_of_a_change",
    "world_values",
]

ENGAGEMENT_STEP = 0.2
"""The engagement change :func:`value_of_a_change` applies (as after a very satisfying session)."""


# --- changes to the viewer, and what they are worth -------------------------------------------
def _give_follow(world: World) -> None:
    """Each viewer follows one more room: the unfollowed room that fits them best among the
    rooms that stream the most (as a long watch tonight might have earned)."""
    v, rooms = world.viewers, world.rooms
    eligible = rooms.live_hours >= np.quantile(rooms.live_hours, 0.8)
    score = np.where(v.followed[:, :-1] | ~eligible, -np.inf, v.match[:, :-1])
    best = score.argmax(axis=1)
    for i in np.flatnonzero(v.n_follows < v.follow_list.shape[1]):
        v.followed[i, best[i]] = True
        v.follow_list[i, v.n_follows[i]] = best[i]
        v.n_follows[i] += 1
    v.sort_follows(np.arange(v.n))


def _raise_engagement(world: World) -> None:
    """Each viewer's engagement as after a very satisfying session (+0.2, capped at 1)."""
    v = world.viewers
    v.engagement[:] = np.minimum(v.engagement + ENGAGEMENT_STEP, 1.0)


def _tire(world: World) -> None:
    """One more ignored impression, now, of each viewer's most-watched followed room."""
    v, h = world.viewers, world.config.fatigue_half_life_minutes
    rows = np.flatnonzero(v.follow_list[:, 0] >= 0)
    room = v.follow_list[rows, 0]
    count = fatigue_now(v.fatigue[rows, room].astype(np.float64), v.t[rows], h)
    v.fatigue[rows, room] = fatigue_stored(count + 1.0, v.t[rows], h)


CHANGES: dict[str, Callable[[World], None]] = {
    "follow": _give_follow,
    "engagement": _raise_engagement,
    "fatigue": _tire,
}
"""The changes :func:`value_of_a_change` can make to every viewer before their first
recommendation."""


def value_of_a_change(
    change: str,
    config: WorldConfig | None = None,
    population: Population = VALIDATION,
    n_viewers: int = 500,
    n_seeds: int = 1,
    days: int = 7,
    metric: str = "expected_return",
) -> dict[str, float]:
    """What a change to the viewer today is worth over the week, paired on the same viewers.

    ``"follow"``: one more followed room (a room that fits the viewer and streams often, as a
    long watch might earn); ``"engagement"``: engagement +0.2 (as after a very satisfying
    session); ``"fatigue"``: one more ignored impression of the viewer's most-watched followed
    room. Both arms are run by the myopic oracle from the viewer's first visit, on the same
    viewers and random numbers: the difference is what the world carries from today into the
    rest of the week through that mechanism.

    Returns:
        The columns of :func:`~livedqn_edu.recsys.evaluation.paired_difference` (changed minus
        unchanged), for ``metric``.
    """
    if change not in CHANGES:
        raise ValueError(f"change must be one of {sorted(CHANGES)}, got {change!r}")
    apply = CHANGES[change]

    def observer(world: World, actions: np.ndarray) -> None:
        if (world.viewers.session_steps == 0).all() and (world.viewers.sessions == 1).all():
            apply(world)  # before the very first recommendation

    seeds = tuple(population.seed(i) for i in range(n_seeds))
    arms = {
        name: evaluate_policies(
            {name: MyopicOracle()},
            n_viewers,
            days,
            seeds=seeds,
            config=config,
            population=population,
            per_viewer=True,
            observer=obs,
        )  # fmt: skip
        for name, obs in (("unchanged", None), ("changed", observer))
    }
    both = pd.concat(arms.values(), ignore_index=True)
    return {k: float(v) for k, v in paired_table(both, "unchanged", metric).loc["changed"].items()}


# --- the values a planner needs -----------------------------------------------------------------
PATIENCE_CENTRES = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.5, 9.0, 13.0, 20.5, 38.0, 76.0, 150.0])
"""Patience (skips left) at which the rest-of-session value is fitted; linear in between."""
_PATIENCE_EDGES = (0, 1, 2, 3, 4, 5, 7, 10, 15, 25, 50, 100, np.inf)


@dataclass(frozen=True)
class WorldValues:
    """What changes to a viewer are worth in one world, at the start of the week."""

    follow: float
    """return per viewer-week gained by one more follow on day 0 (decays with the days left)."""
    engagement: float
    """return per viewer-week per unit of engagement on day 0 (decays with the days left)."""
    fatigue: float
    """return per viewer-week lost by one more ignored impression of a followed room."""
    session: tuple[tuple[float, ...], ...] | None = None
    """rest-of-session value: per patience centre, coefficients of ``[1, b, b^2, q, q b]``
    (``b = log(1 + minutes left)``, ``q`` = mean expected reward of the 3 best candidates);
    None: not fitted."""

    def rest_of_session(self, budget: np.ndarray, patience: np.ndarray, top3: np.ndarray):
        """Expected reward of the rest of the session (0 when time or patience is out)."""
        if self.session is None:
            raise ValueError("these values have no session table: world_values(session=True)")
        b, p, q = np.broadcast_arrays(np.asarray(budget, float), np.asarray(patience, float),
                                      np.asarray(top3, float))  # fmt: skip
        lb = np.log1p(np.maximum(b, 0.0))
        by_bin = np.stack([np.ones_like(lb), lb, lb**2, q, q * lb], -1) @ np.array(self.session).T
        pos = np.interp(p, PATIENCE_CENTRES, np.arange(PATIENCE_CENTRES.size))
        lo = np.floor(pos).astype(np.int64)
        hi, f = np.minimum(lo + 1, PATIENCE_CENTRES.size - 1), pos - lo
        pick = np.take_along_axis
        w = pick(by_bin, lo[..., None], -1)[..., 0] * (1 - f) + pick(by_bin, hi[..., None], -1)[
            ..., 0] * f  # fmt: skip
        return np.where((b > 0) & (p > 0), np.maximum(w, 0.0), 0.0)


DEFAULT_VALUES = WorldValues(follow=1.037, engagement=3.134, fatigue=0.043)
"""The default world's values, measured by ``world_values(WorldConfig())`` (4,000 training
viewers, seed 1,000,000; the values stored in ``data/results/planner_study.csv``;
``tests/test_planner.py`` re-measures them on 400 viewers)."""


def session_values(
    config: WorldConfig | None = None, n_viewers: int = 2_000, seed: int | None = None
) -> tuple[tuple[float, ...], ...]:
    """Fit the rest-of-session value on the myopic oracle's sessions (training viewers).

    At every step the remaining expected reward of the session (after this step) is regressed,
    per patience bin, on ``[1, b, b^2, q, q b]`` (see :attr:`WorldValues.session`).
    """
    frames: list[pd.DataFrame] = []

    def observer(world: World, actions: np.ndarray) -> None:
        v, active = world.viewers, ~world.done
        r = world.expected_immediate_reward()
        top3 = -np.sort(-r, axis=1)[:, :3].mean(axis=1)
        shown = r[np.arange(world.n), actions]
        frames.append(pd.DataFrame({
            "viewer": np.flatnonzero(active), "session": v.sessions[active],
            "budget": v.budget_left[active], "patience": v.patience_left[active],
            "top3": top3[active], "r": shown[active],
        }))  # fmt: skip

    evaluate_policies({"myopic": MyopicOracle()}, n_viewers, (config or WorldConfig()).days,
                      seeds=(TRAIN.seed(1) if seed is None else seed,), config=config,
                      observer=observer)  # fmt: skip
    df = pd.concat(frames, ignore_index=True)
    after = df.groupby(["viewer", "session"])["r"].transform(lambda x: x[::-1].cumsum()[::-1])
    df["rest"] = after - df["r"]
    df["bin"] = pd.cut(df["patience"], _PATIENCE_EDGES)
    coefs = []
    for _, g in df.groupby("bin", observed=False):
        lb = np.log1p(g["budget"].to_numpy())
        q = g["top3"].to_numpy()
        x = np.stack([np.ones_like(lb), lb, lb**2, q, q * lb], -1)
        beta = np.linalg.lstsq(x, g["rest"].to_numpy(), rcond=None)[0] if len(g) > 20 else (
            np.zeros(5))  # fmt: skip
        coefs.append(tuple(float(b) for b in beta))
    return tuple(coefs)


def world_values(
    config: WorldConfig | None = None, n_viewers: int = 4_000, session: bool = False
) -> WorldValues:
    """The values of :class:`WorldValues` in the world ``config``, on training viewers.

    Each is :func:`value_of_a_change` on ``n_viewers`` viewers of :data:`TRAIN`, on the rooms of
    ``config`` (its ``room_seed``): the follow value as measured, engagement per unit (the +0.2
    change / 0.2), fatigue as the (positive) loss of one ignored impression.
    """

    train = dataclasses.replace(TRAIN, room_seed=(config or WorldConfig()).room_seed)

    def measure(change: str) -> float:
        return value_of_a_change(change, config, train, n_viewers)["diff"]

    return WorldValues(
        follow=measure("follow"), engagement=measure("engagement") / ENGAGEMENT_STEP,
        fatigue=-measure("fatigue"), session=session_values(config) if session else None,
    )  # fmt: skip


# --- the planner -----------------------------------------------------------------------------
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(7)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()  # E[f(Z)], Z standard normal, by 7-point quadrature

TERMS = ("follow", "engagement", "fatigue", "session")


class ValuePlanner(_TimedWorldPolicy):
    """One-step planner with the world's long-term values: an upper reference for planning.

    Score of showing room ``a`` (all terms computed from the true world):
    ``E[reward] + s x days_left x (P(follow) V_follow + E[engagement gained] V_engagement)
    - s x P(ignored) x followed x V_fatigue`` (+ ``E[rest of the session]`` with the
    ``"session"`` term), where ``days_left`` is the share of the week still ahead, ``P(follow)``
    the chance of entering, staying and following an unfollowed room, and the engagement gained
    is ``engagement_memory x`` the session satisfaction the expected watch adds. It knows the
    world exactly and costs about as much as the myopic oracle. ``terms=()`` is the myopic oracle.

    Args:
        values: the world's values (:func:`world_values`; default the default world's).
        terms: which of ``"follow"``, ``"engagement"``, ``"fatigue"``, ``"session"`` to use.
        scale: multiplies the follow, engagement and fatigue values (1: as measured).

    Attributes:
        seconds: wall time spent choosing so far (the planner's cost).
    """

    name = "value_planner"

    def __init__(
        self,
        values: WorldValues = DEFAULT_VALUES,
        terms: tuple[str, ...] = ("follow", "engagement", "fatigue"),
        scale: float = 1.0,
    ) -> None:
        unknown = set(terms) - set(TERMS)
        if unknown:
            raise ValueError(f"unknown terms {sorted(unknown)}; choose from {TERMS}")
        if "session" in terms and values.session is None:
            raise ValueError("the 'session' term needs values from world_values(session=True)")
        self.values, self.terms, self.scale = values, tuple(terms), float(scale)
        self.seconds = 0.0

    def _scores(self, obs: Obs) -> np.ndarray:
        mask = _check_obs(obs)
        world = self._world(obs)
        c, v, vals = world.config, world.viewers, self.values
        ids = np.where(mask, world.room_ids, 0)
        score = np.where(mask, world.expected_reward(ids), 0.0)
        out = score.copy()
        probs = world.choice_probabilities(ids)
        p_enter, p_browse = probs[..., 0], probs[..., 1]
        match = np.take_along_axis(v.match, ids, axis=1).astype(np.float64)
        quality = world.rooms.quality[ids]
        p_stay = stay_probability(match, quality, c)
        # the minutes of a real watch, at 7 quadrature nodes, cut where the stream ends
        nodes = watch_log_mean(match, quality, c)[..., None] + c.watch_sigma * _NODES
        left_live = np.maximum(world.minutes_left(ids), 0.0)  # (empty slots: room 0, maybe off)
        minutes = np.minimum(np.exp(nodes), left_live[..., None])
        followed = np.take_along_axis(v.followed, ids, axis=1)
        left = np.clip(1.0 - v.t / (c.days * MINUTES_PER_DAY), 0.0, 1.0)[:, None]
        if "follow" in self.terms:
            p_follow = follow_probability(minutes, match[..., None], c) @ _WEIGHTS
            room_left = (v.n_follows < c.max_follows)[:, None]
            out += self.scale * left * vals.follow * p_enter * p_stay * p_follow * (
                ~followed & room_left)  # fmt: skip
        if "engagement" in self.terms:
            before = v.session_minutes_watched[:, None]
            gained = satisfaction(before[..., None] + minutes, c) - satisfaction(before, c)[
                ..., None]  # fmt: skip
            out += self.scale * left * vals.engagement * c.engagement_memory * p_enter * p_stay * (
                gained @ _WEIGHTS)  # fmt: skip
        if "fatigue" in self.terms:
            out -= self.scale * vals.fatigue * (1.0 - p_enter) * followed
        if "session" in self.terms:
            budget, patience = v.budget_left[:, None], v.patience_left[:, None]
            top3 = -np.sort(-score, axis=1)[:, :3].mean(axis=1, keepdims=True)
            rest = vals.rest_of_session
            stay = rest(budget[..., None] - minutes - c.skip_minutes, patience[..., None],
                        top3[..., None]) @ _WEIGHTS  # fmt: skip
            bounce = rest(budget - c.bounce_median_minutes - c.skip_minutes, patience, top3)
            out += p_enter * (p_stay * stay + (1 - p_stay) * bounce)
            out += p_browse * rest(budget - c.skip_minutes, patience - 1, top3)
        return np.where(mask, out, -np.inf)
