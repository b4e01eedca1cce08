"""One step of the live-room world for a batch of viewers (used by ``World.step``).

Kept apart from ``world.py`` so that each file reads top to bottom: this one is the viewer's
response (choice, watch minutes, gifts, follows, fatigue, clock) and the end of sessions
(satisfaction, churn, the day of the next visit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from livedqn_edu.envs._slate import sort_follows
from livedqn_edu.envs.choice import choice_probabilities, sigmoid
from livedqn_edu.envs.rooms import MINUTES_PER_DAY
from livedqn_edu.envs.viewers import start_session, visit_time

if TYPE_CHECKING:
    from livedqn_edu.envs.world import World

__all__ = ["end_sessions", "step_viewers"]

LN2 = float(np.log(2.0))


def step_viewers(world: World, a: np.ndarray, active: np.ndarray) -> dict[str, np.ndarray]:
    """Apply validated slots ``a`` ``(N,)`` for the ``active`` viewers; return the components."""
    v, c, rng = world.viewers, world.config, world.rng
    assert v is not None and rng is not None  # checked by World.step
    n = v.n
    ar = np.arange(n)
    room = world.room_ids[ar, a]
    room = np.where(active, room, -1)
    cat = world._category[room]
    u = world.utilities(room[:, None])[:, 0]
    p = choice_probabilities(u, c.browse_utility, c.close_utility)
    draw = rng.random((n, 5))
    z = rng.standard_normal(n)
    click = active & (draw[:, 0] < p[:, 0])
    browse = active & ~click & (draw[:, 0] < p[:, 0] + p[:, 1])
    close = active & ~click & ~browse
    # watch minutes: log-normal, longer for better matches, cut where the stream ends
    mu = world.watch_log_mean(room[:, None])[:, 0]
    remaining = world.rooms.stream_end(np.maximum(room, 0), v.t) - v.t
    minutes = np.where(click, np.minimum(np.exp(mu + c.watch_sigma * z), remaining), 0.0)
    log_minutes = np.log1p(minutes)
    # gifts: rare, Pareto-sized (type I, smallest gift gift_min_coins)
    p_gift = sigmoid(c.gift_logit + v.gift_propensity + c.gift_minutes_gain * log_minutes)
    gifted = click & (draw[:, 1] < p_gift)
    coins = np.where(gifted, c.gift_min_coins * (1.0 - draw[:, 2]) ** (-1.0 / c.gift_tail), 0.0)
    # follows: more likely after a long watch; the followed set grows up to max_follows
    can_follow = click & ~v.followed[ar, room] & (v.n_follows < c.max_follows)
    p_follow = sigmoid(c.follow_logit + c.follow_minutes_gain * log_minutes)
    follow = can_follow & (draw[:, 3] < p_follow)
    if follow.any():
        idx = np.flatnonzero(follow)
        v.followed[idx, room[idx]] = True
        v.follow_list[idx, v.n_follows[idx]] = room[idx]
        v.n_follows[idx] += 1
    if click.any():
        idx = np.flatnonzero(click)
        v.habit[idx, room[idx]] += minutes[idx].astype(np.float32)
        v.category_minutes[idx, cat[idx]] += minutes[idx]
        resort = idx[v.followed[idx, room[idx]]]  # a followed room gained minutes, or a new follow
        if resort.size:
            sort_follows(world, resort)
    # the clock, fatigue and the session's patience and time budget
    dt = minutes + np.where(browse | click, c.skip_minutes, 0.0)
    v.fatigue *= np.exp(-dt * (LN2 / c.fatigue_half_life_minutes))[:, None]
    v.fatigue[ar[active], cat[active]] += 1.0
    v.t += dt
    v.budget_left -= dt
    v.session_steps += active
    v.session_minutes_watched += minutes
    v.patience_left -= browse
    session_end = active & (close | (v.patience_left <= 0) | (v.budget_left <= 0))
    parts = {
        "click": click,
        "watch_minutes": minutes,
        "gift": coins,
        "follow": follow,
        "return_visit": np.zeros(n, dtype=bool),
        "session_end": session_end,
        "churn": np.zeros(n, dtype=bool),
        "done": np.zeros(n, dtype=bool),
        "choice": np.where(active, np.where(click, 0, np.where(browse, 1, 2)), -1),
        "room": room,
        "category": np.where(active, cat, -1),
    }
    if session_end.any():
        returned, churned = end_sessions(world, np.flatnonzero(session_end))
        parts["return_visit"][session_end] = returned
        parts["churn"][session_end] = churned
    past = active & ~v.done & (v.t >= world.horizon_minutes)
    v.done |= past
    parts["session_end"] |= past
    parts["done"] = active & v.done
    world._refresh(draw[:, 4])
    return parts


def end_sessions(
    world: World, idx: np.ndarray, forced: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """End the sessions of viewers ``idx``: churn or schedule the next visit.

    Satisfaction ``s = 1 - exp(-minutes / satisfaction_minutes)``; a session with fewer than
    ``unhappy_minutes`` is unhappy; after ``churn_after_sessions`` unhappy sessions in a row
    the viewer churns with ``churn_probability``. Otherwise the next visit comes ``d`` days later,
    ``d ~ Geometric(p)``, ``p = sigmoid(return_logit + activeness + gain (s - 0.5))``, at the
    viewer's preferred hour. ``forced`` (nothing live to show) skips straight to the next day.

    Returns:
        ``returned`` (next-day return, bool) and ``churned`` (bool), both ``(len(idx),)``.
    """
    v, c, rng = world.viewers, world.config, world.rng
    assert v is not None and rng is not None
    m = idx.size
    if forced:
        days = np.ones(m)
        churned = np.zeros(m, dtype=bool)
    else:
        minutes = v.session_minutes_watched[idx]
        satisfaction = 1.0 - np.exp(-minutes / c.satisfaction_minutes)
        unhappy = minutes < c.unhappy_minutes
        v.unhappy_streak[idx] = np.where(unhappy, v.unhappy_streak[idx] + 1, 0)
        at_risk = v.unhappy_streak[idx] >= max(c.churn_after_sessions, 1)
        churned = at_risk & (rng.random(m) < c.churn_probability)
        p_return = sigmoid(
            c.return_logit + v.activeness[idx] + c.return_satisfaction_gain * (satisfaction - 0.5)
        )
        days = rng.geometric(np.clip(p_return, 1e-6, 1.0)).astype(np.float64)
    returned = (days == 1) & ~churned
    today = np.floor(v.t[idx] / MINUTES_PER_DAY)
    t_next = visit_time(today + days, v.visit_hour[idx], c.visit_hour_sd / 2, rng)
    t_next = np.maximum(t_next, v.t[idx])  # the clock never goes back
    gap = t_next - v.t[idx]
    v.fatigue[idx] *= np.exp(-gap * (LN2 / c.fatigue_half_life_minutes))[:, None]
    v.t[idx] = t_next
    v.churned[idx] |= churned
    v.done[idx] |= churned | (t_next >= world.horizon_minutes)
    again = idx[~v.done[idx]]
    start_session(v, again, rng)
    return returned, churned
