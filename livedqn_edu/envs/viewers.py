"""The viewers of the live-room world: hidden traits and per-viewer state, as batched arrays.

Traits (drawn once per viewer) and state (changed by ``World.step``) live in one mutable
:class:`Viewers` record of arrays whose first axis is the viewer. Per-(viewer, room) tables have
``n_rooms + 1`` columns: the last one, read by the empty slot id -1, stays zero; they are
float32 and int16 to halve the memory the step gathers from (computations are in float64).
Nothing here is shown to the policy directly: the world's observation exposes only what a
platform would know.

A new viewer is a monthly-active user in the middle of their life on the platform: they already
follow a few rooms and have watched a few others, and they open the app on day 0.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.rooms import MINUTES_PER_DAY, Rooms

__all__ = ["TRAITS", "Viewers", "make_viewers", "start_sessions", "visit_times"]

TRAITS = ("taste", "match", "activeness", "patience", "gift_propensity", "visit_hour",
          "session_minutes")  # fmt: skip
"""The fields of :class:`Viewers` drawn once per viewer and never changed by a step."""


@dataclass
class Viewers:
    """Traits and state of ``N`` viewers (every array's first axis is the viewer).

    Traits:
        taste: ``(N, dim)`` float64 unit vectors.
        match: ``(N, n_rooms + 1)`` float32, cosine of taste and each room's content.
        activeness: ``(N,)`` float64, shift of the return log-odds (how often they come back).
        patience: ``(N,)`` int64, skips tolerated per session (log-normal across viewers:
            some leave after a few skips, some scroll on and on).
        gift_propensity: ``(N,)`` float64, shift of the gift log-odds.
        visit_hour: ``(N,)`` float64, preferred hour of the day for a visit.
        session_minutes: ``(N,)`` float64, mean session time budget, in minutes.

    State:
        t: ``(N,)`` float64, the viewer's clock in minutes since Monday 00:00 of day 0.
        done: ``(N,)`` bool, the viewer has churned or passed the horizon.
        churned: ``(N,)`` bool, the viewer has churned.
        followed: ``(N, n_rooms + 1)`` bool, followed rooms.
        follow_list: ``(N, max_follows)`` int64, followed room ids sorted by minutes watched
            (most first; ties keep their order), -1 padded.
        n_follows: ``(N,)`` int64.
        habit: ``(N, n_rooms + 1)`` float32, minutes watched in each room so far.
        fatigue: ``(N, n_rooms + 1)`` float32, ignored impressions of each room in their stored
            form ``log2(count) + t_last / half_life`` (-inf: none; see
            :func:`~livedqn_edu.envs.response.fatigue_now`).
        last_shown: ``(N, n_rooms + 1)`` int16, the session in which each room was last shown
            (0: never), so that a feed does not repeat a room within a session.
        category_minutes: ``(N, n_categories)`` float64, minutes watched per category.
        engagement: ``(N,)`` float64 in [0, 1], moving average of session satisfaction.
        last_session_minutes: ``(N,)`` float64, watch minutes of the previous session.
        session_steps: ``(N,)`` int64, recommendations shown in the current session.
        session_minutes_watched: ``(N,)`` float64, watch minutes in the current session.
        patience_left: ``(N,)`` int64, skips left in the current session.
        budget_left: ``(N,)`` float64, minutes left in the current session.
        sessions: ``(N,)`` int64, sessions started so far.
    """

    taste: np.ndarray
    match: np.ndarray
    activeness: np.ndarray
    patience: np.ndarray
    gift_propensity: np.ndarray
    visit_hour: np.ndarray
    session_minutes: np.ndarray
    t: np.ndarray
    done: np.ndarray
    churned: np.ndarray
    followed: np.ndarray
    follow_list: np.ndarray
    n_follows: np.ndarray
    habit: np.ndarray
    fatigue: np.ndarray
    last_shown: np.ndarray
    category_minutes: np.ndarray
    engagement: np.ndarray
    last_session_minutes: np.ndarray
    session_steps: np.ndarray
    session_minutes_watched: np.ndarray
    patience_left: np.ndarray
    budget_left: np.ndarray
    sessions: np.ndarray

    @property
    def n(self) -> int:
        """Number of viewers."""
        return int(self.t.shape[0])

    def copy(self) -> Viewers:
        """A copy whose state arrays are new and whose traits are shared (they never change)."""
        state = {f: getattr(self, f).copy() for f in self.__dataclass_fields__ if f not in TRAITS}
        return dataclasses.replace(self, **state)

    def sort_follows(self, idx: np.ndarray) -> None:
        """Keep the follow lists of viewers ``idx`` sorted by minutes watched (most first)."""
        fl = self.follow_list[idx]
        key = np.where(fl >= 0, -self.habit[idx[:, None], fl], np.inf)
        self.follow_list[idx] = np.take_along_axis(fl, np.argsort(key, axis=1, kind="stable"), 1)


def visit_times(day: np.ndarray, hour: np.ndarray) -> np.ndarray:
    """Clock minute of a visit at ``hour`` (any real number) of ``day``, never before minute 0.

    The hour is not wrapped to the day: a viewer who likes 23:30 sometimes comes at 00:15 (the
    next calendar day, hour 24.25) or at 22:40.
    """
    return np.maximum(day * MINUTES_PER_DAY + hour * 60.0, 0.0)


def start_sessions(v: Viewers, idx: np.ndarray, u: np.ndarray, config: WorldConfig) -> None:
    """Start a session for viewers ``idx``: patience, time budget and counters.

    The time budget is ``min_session_minutes + session_minutes * Exp(1)``, the exponential drawn
    from the uniforms ``u`` ``(len(idx),)`` by inversion.
    """
    v.session_steps[idx] = 0
    v.session_minutes_watched[idx] = 0.0
    v.patience_left[idx] = v.patience[idx]
    v.budget_left[idx] = config.min_session_minutes - v.session_minutes[idx] * np.log1p(-u)
    v.sessions[idx] += 1


def _top(score: np.ndarray, counts: np.ndarray, width: int) -> np.ndarray:
    """Per row, the ``counts[i]`` columns of largest score (in that order), -1 padded to width."""
    n, m = score.shape
    take = min(width, m)
    part = np.argpartition(-score, take - 1, axis=1)[:, :take] if take < m else np.tile(
        np.arange(m), (n, 1)
    )  # fmt: skip
    order = np.argsort(-np.take_along_axis(score, part, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(part, order, axis=1)
    if top.shape[1] < width:
        top = np.pad(top, ((0, 0), (0, width - top.shape[1])), constant_values=-1)
    return np.where(np.arange(width)[None, :] < counts[:, None], top, -1)


def make_viewers(n: int, rooms: Rooms, config: WorldConfig, rng: np.random.Generator) -> Viewers:
    """Draw ``n`` new viewers with the follows and watch history of a monthly-active user.

    Each viewer likes one category most (taste near that category's rooms); follows about
    ``initial_follows`` rooms and has watched about ``initial_familiar`` others, chosen by taste,
    audience and how often the room streams (people follow rooms they can watch); and opens the
    app on day 0 near their preferred hour.
    """
    c = config
    n_rooms, width = rooms.n_rooms, rooms.n_rooms + 1
    favourite = rng.integers(0, c.n_categories, n)
    taste = rooms.centres[favourite] + 0.6 * rng.normal(size=(n, c.dim)) / np.sqrt(c.dim)
    taste /= np.linalg.norm(taste, axis=1, keepdims=True)
    match = np.zeros((n, width), dtype=np.float32)
    match[:, :n_rooms] = taste @ rooms.content.T
    # follows, then familiar rooms: Gumbel top-k over taste, audience and streaming hours
    score = 3.0 * match[:, :n_rooms] + 0.5 * np.log(rooms.audience) + np.log1p(rooms.live_hours)
    score = score + rng.gumbel(size=(n, n_rooms))
    n_follow = np.minimum(rng.poisson(c.initial_follows, n), min(c.max_follows, n_rooms))
    n_familiar = np.minimum(rng.poisson(c.initial_familiar, n), n_rooms - n_follow)
    ranked = _top(score, n_follow + n_familiar, c.max_follows + int(n_familiar.max(initial=0)))
    follow_list = np.where(np.arange(ranked.shape[1])[None, :] < n_follow[:, None], ranked, -1)
    follow_list = follow_list[:, : c.max_follows]
    familiar = np.where(np.arange(ranked.shape[1])[None, :] >= n_follow[:, None], ranked, -1)
    followed = np.zeros((n, width), dtype=bool)
    habit = np.zeros((n, width), dtype=np.float32)
    rows, cols = np.nonzero(follow_list >= 0)
    followed[rows, follow_list[rows, cols]] = True
    habit[rows, follow_list[rows, cols]] = rng.lognormal(np.log(120.0), 1.0, rows.size)
    frows, fcols = np.nonzero(familiar >= 0)
    habit[frows, familiar[frows, fcols]] = rng.lognormal(np.log(15.0), 1.0, frows.size)
    category_minutes = np.zeros((n, c.n_categories))
    hr, hc = np.nonzero(habit[:, :n_rooms])
    np.add.at(category_minutes, (hr, rooms.category[hc]), habit[hr, hc])
    key = np.where(follow_list >= 0, -habit[np.arange(n)[:, None], follow_list], np.inf)
    follow_list = np.take_along_axis(follow_list, np.argsort(key, axis=1, kind="stable"), axis=1)
    visit_hour = rng.normal(c.visit_hour, c.visit_hour_sd, n) % 24.0  # wraps around midnight
    v = Viewers(
        taste=taste,
        match=match,
        activeness=rng.normal(0.0, c.activeness_sd, n),
        patience=np.maximum(1, np.round(c.mean_patience * rng.lognormal(-0.5, 1.0, n))).astype(
            np.int64
        ),
        gift_propensity=rng.normal(0.0, c.gift_propensity_sd, n),
        visit_hour=visit_hour,
        session_minutes=c.mean_session_minutes * rng.lognormal(-0.125, 0.5, n),
        t=visit_times(np.zeros(n), visit_hour + 0.5 * rng.standard_normal(n)),
        done=np.zeros(n, dtype=bool),
        churned=np.zeros(n, dtype=bool),
        followed=followed,
        follow_list=follow_list.astype(np.int64),
        n_follows=n_follow.astype(np.int64),
        habit=habit,
        fatigue=np.full((n, width), -np.inf, dtype=np.float32),
        last_shown=np.zeros((n, width), dtype=np.int16),
        category_minutes=category_minutes,
        engagement=rng.beta(4.0, 4.0, n),
        last_session_minutes=np.zeros(n),
        session_steps=np.zeros(n, dtype=np.int64),
        session_minutes_watched=np.zeros(n),
        patience_left=np.zeros(n, dtype=np.int64),
        budget_left=np.zeros(n),
        sessions=np.zeros(n, dtype=np.int64),
    )
    start_sessions(v, np.arange(n), rng.random(n), c)
    return v
