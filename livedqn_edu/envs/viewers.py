"""The viewers of the live-room world: hidden traits and per-viewer state, as batched arrays.

Traits (drawn once per viewer at ``World.reset``) and state (changed by ``World.step``) live in
one mutable :class:`Viewers` record of arrays whose first axis is the viewer. Nothing here is
shown to the policy directly: the world's observation exposes only what a platform would know.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.rooms import MINUTES_PER_DAY, Rooms

__all__ = ["Viewers", "make_viewers", "start_sessions", "visit_times"]


@dataclass
class Viewers:
    """Traits and state of ``N`` viewers (every array's first axis is the viewer).

    Traits:
        taste: ``(N, dim)`` float64 unit vectors (cosine with a room's content = the match).
        activeness: ``(N,)`` float64, shift of the return log-odds (how often they come back).
        patience: ``(N,)`` int64, skips tolerated per session.
        gift_propensity: ``(N,)`` float64, shift of the gift log-odds.
        visit_hour: ``(N,)`` float64, preferred hour of the day for a visit.
        session_minutes: ``(N,)`` float64, mean session time budget, in minutes.

    State:
        t: ``(N,)`` float64, the viewer's clock in minutes since Monday 00:00 of day 0.
        done: ``(N,)`` bool, the viewer has churned or passed the horizon.
        churned: ``(N,)`` bool, the viewer has churned.
        followed: ``(N, n_rooms + 1)`` bool, followed rooms (the last column, read by the empty
            slot id -1, is always False).
        follow_list: ``(N, max_follows)`` int64, followed room ids sorted by minutes watched
            (most first; ties keep their order), -1 padded.
        n_follows: ``(N,)`` int64.
        habit: ``(N, n_rooms + 1)`` float32, minutes watched in each room so far (last column 0).
        category_minutes: ``(N, n_categories)`` float64, minutes watched per category.
        fatigue: ``(N, n_categories)`` float64, decayed count of recent impressions per category.
        session_steps: ``(N,)`` int64, recommendations shown in the current session.
        session_minutes_watched: ``(N,)`` float64, watch minutes in the current session.
        patience_left: ``(N,)`` int64, skips left in the current session.
        budget_left: ``(N,)`` float64, minutes left in the current session.
        unhappy_streak: ``(N,)`` int64, unhappy sessions in a row.
        sessions: ``(N,)`` int64, sessions started so far.
    """

    taste: np.ndarray
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
    category_minutes: np.ndarray
    fatigue: np.ndarray
    session_steps: np.ndarray
    session_minutes_watched: np.ndarray
    patience_left: np.ndarray
    budget_left: np.ndarray
    unhappy_streak: np.ndarray
    sessions: np.ndarray

    @property
    def n(self) -> int:
        """Number of viewers."""
        return int(self.t.shape[0])

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


def make_viewers(n: int, rooms: Rooms, config: WorldConfig, rng: np.random.Generator) -> Viewers:
    """Draw ``n`` new viewers with a few followed rooms and the history that goes with them.

    Each viewer likes one category most (taste near that category's rooms), follows about
    ``config.initial_follows`` rooms chosen by taste and popularity, has watched them for a while
    (habit), and opens the app on day 0 near their preferred hour.
    """
    c = config
    n_rooms = rooms.n_rooms
    # taste: near the mean content of a favourite category, plus personal noise
    favourite = rng.integers(0, c.n_categories, n)
    centres = np.zeros((c.n_categories, c.dim))
    np.add.at(centres, rooms.category, rooms.content)
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    taste = centres[favourite] + 0.6 * rng.normal(size=(n, c.dim)) / np.sqrt(c.dim)
    taste /= np.linalg.norm(taste, axis=1, keepdims=True)
    # initial follows: Gumbel top-k over taste match + log audience
    n_init = np.minimum(rng.poisson(c.initial_follows, n), min(c.max_follows, n_rooms))
    score = 3.0 * taste @ rooms.content.T + 0.5 * np.log(rooms.audience)[None, :]
    score = score + rng.gumbel(size=(n, n_rooms))
    top = np.argsort(-score, axis=1)[:, : c.max_follows]
    if top.shape[1] < c.max_follows:  # fewer rooms than follow slots
        top = np.pad(top, ((0, 0), (0, c.max_follows - top.shape[1])), constant_values=-1)
    follow_list = np.where(np.arange(c.max_follows)[None, :] < n_init[:, None], top, -1)
    followed = np.zeros((n, n_rooms + 1), dtype=bool)
    habit = np.zeros((n, n_rooms + 1), dtype=np.float32)
    rows, cols = np.nonzero(follow_list >= 0)
    followed[rows, follow_list[rows, cols]] = True
    habit[rows, follow_list[rows, cols]] = rng.lognormal(np.log(60.0), 1.0, rows.size)
    category_minutes = np.zeros((n, c.n_categories))
    np.add.at(category_minutes, (rows, rooms.category[follow_list[rows, cols]]),
              habit[rows, follow_list[rows, cols]])  # fmt: skip
    # follow lists sorted by minutes watched, most first (the candidate generator relies on it)
    key = np.where(follow_list >= 0, -habit[np.arange(n)[:, None], follow_list], np.inf)
    follow_list = np.take_along_axis(follow_list, np.argsort(key, axis=1, kind="stable"), axis=1)
    visit_hour = rng.normal(c.visit_hour, c.visit_hour_sd, n) % 24.0  # wraps around midnight
    v = Viewers(
        taste=taste,
        activeness=rng.normal(0.0, 0.7, n),
        patience=np.maximum(1, rng.poisson(c.mean_patience, n)).astype(np.int64),
        gift_propensity=rng.normal(0.0, 1.0, n),
        visit_hour=visit_hour,
        session_minutes=c.mean_session_minutes * rng.lognormal(-0.125, 0.5, n),
        t=visit_times(np.zeros(n), visit_hour + 0.5 * rng.standard_normal(n)),
        done=np.zeros(n, dtype=bool),
        churned=np.zeros(n, dtype=bool),
        followed=followed,
        follow_list=follow_list.astype(np.int64),
        n_follows=n_init.astype(np.int64),
        habit=habit,
        category_minutes=category_minutes,
        fatigue=np.zeros((n, c.n_categories)),
        session_steps=np.zeros(n, dtype=np.int64),
        session_minutes_watched=np.zeros(n),
        patience_left=np.zeros(n, dtype=np.int64),
        budget_left=np.zeros(n),
        unhappy_streak=np.zeros(n, dtype=np.int64),
        sessions=np.zeros(n, dtype=np.int64),
    )
    start_sessions(v, np.arange(n), rng.random(n), c)
    return v
