"""A scalar fast path of the world's dynamics for exactly one viewer (used by LiveRoomEnv).

Numpy's per-call overhead (about a microsecond per operation) makes the vectorised ``World.step``
cost about a millisecond whatever the batch size, which is fine for 1,000 viewers but ten times
too slow for a single-viewer gymnasium env. :class:`OneViewer` performs the same step with Python
floats on the same state arrays, draws the same random numbers in the same order, and so gives
the same trajectory as ``World.step`` with one viewer (``tests/test_live_room.py`` checks this).
Keep the two in step: any change to ``_dynamics.py`` or ``World.candidates``/``World.observe``
must be mirrored here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from livedqn_edu.envs.rooms import MINUTES_PER_DAY, MINUTES_PER_WEEK

if TYPE_CHECKING:
    from livedqn_edu.envs.world import World

__all__ = ["OneViewer"]

LN2 = math.log(2.0)


class OneViewer:
    """Step viewer 0 of a one-viewer :class:`World` with scalar Python arithmetic.

    Args:
        world: a world already reset with ``n_viewers=1``; call :meth:`bind` after each reset.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        c, r = world.config, world.rooms
        self.c = c
        self.live = world._live
        self.end = world._end
        self.start = world._start
        self.category = world._category.tolist()
        self.room_utility = world._room_utility.tolist()
        self.quality = world._quality.tolist()
        n_popular = min(c.popular_slots, r.live_ids.shape[1])
        self.live_sets = [
            set(row[:n].tolist()) for row, n in zip(r.live_ids, r.n_live, strict=True)
        ]
        self.popular_lists = [[x for x in row[:n_popular].tolist() if x >= 0] for row in r.live_ids]
        self.shuffled_lists = [
            row[:n].tolist() for row, n in zip(r.shuffled_ids, r.n_live, strict=True)
        ]
        self.n_slots = r.n_slots
        self.slot_minutes = r.slot_minutes
        self.log_median = math.log(c.watch_median_minutes)
        self.decay = LN2 / c.fatigue_half_life_minutes
        self.horizon = float(c.days * MINUTES_PER_DAY)
        from livedqn_edu.envs.world import user_feature_names

        self.n_user = len(user_feature_names(c.n_categories))
        # mask_rows[m]: the int8 mask of a slate whose first m slots hold a room
        self.mask_rows = (np.arange(c.k)[None, :] < np.arange(c.k + 1)[:, None]).astype(np.int8)
        self.m = 0
        self.ids_array = np.zeros(0, dtype=np.int64)

    def bind(self) -> None:
        """Take the world's current viewer arrays (after ``world.reset(1, ...)``)."""
        v = self.world.viewers
        assert v is not None and v.n == 1, "OneViewer needs a world reset with one viewer"
        self.v = v
        self.match = self.world._match[0].tolist()
        self.rng = self.world.rng
        ids = self.world.room_ids[0][self.world.mask[0]].tolist()
        self.m = len(ids)
        self._slate(ids)
        # per-room features of this viewer: [category one-hot, log audience, followed, history]
        self.table = np.hstack(
            [
                self.world._static,
                v.followed[0][:, None].astype(np.float32),
                (np.log1p(v.habit[0]) / 5.0)[:, None],
            ]
        )
        self.per_category = np.zeros((self.c.n_categories, 2))

    # --- candidates ---------------------------------------------------------------------------
    def candidates(self, offset: float) -> None:
        """Mirror of ``World.candidates`` + ``World._refresh`` for viewer 0."""
        w, v, c = self.world, self.v, self.c
        for _ in range(8 * c.days + 1):
            ids = self._pool(offset)
            if ids or v.done[0]:
                break
            self.end_session(forced=True)
        if v.done[0]:
            ids = []
        self.m = m = len(ids)
        self._slate(ids)
        w.room_ids = np.array([ids + [-1] * (c.k - m)], dtype=np.int64)
        w.mask = self.mask_rows[m][None, :] > 0

    def _slate(self, ids: list[int]) -> None:
        """Cache what observe() needs about the slate: ids, categories, hours since live."""
        t = self.v.t.item(0)
        start = self.start[int(t // self.slot_minutes) % self.n_slots]
        week_minute = t % MINUTES_PER_WEEK
        self.ids_array = np.array(ids, dtype=np.int64)
        self.categories = np.array([self.category[r] for r in ids], dtype=np.int64)
        self.hours_live = [(week_minute - int(start[r])) / 300.0 for r in ids]

    def _pool(self, offset: float) -> list[int]:
        """The slate's room ids: followed, then popular, then a window of the shuffled live list."""
        v, k = self.v, self.c.k
        slot = int(v.t.item(0) // self.slot_minutes) % self.n_slots
        live = self.live_sets[slot]
        # the follow list is kept sorted by minutes watched, most first
        out = [r for r in v.follow_list[0, : v.n_follows.item(0)].tolist() if r in live]
        del out[self.c.followed_slots :]
        out += [r for r in self.popular_lists[slot] if r not in out]
        shuffled = self.shuffled_lists[slot]
        n_live = len(shuffled)
        if n_live and len(out) < k:
            first = math.floor(offset * n_live)
            window = (
                shuffled[first : first + k] + shuffled[: max(0, first + min(k, n_live) - n_live)]
            )
            known = set(out)
            for r in window:
                if r not in known:
                    out.append(r)
                    if len(out) == k:
                        break
        return out[:k]

    # --- dynamics ------------------------------------------------------------------------------
    def step(self, slot: int) -> dict[str, float | int | bool]:
        """Mirror of ``_dynamics.step_viewers`` for viewer 0 (the slot is already validated)."""
        v, c, rng, w = self.v, self.c, self.rng, self.world
        room = int(w.room_ids[0, slot])
        cat = self.category[room]
        t = float(v.t[0])
        fatigue = v.fatigue[0]
        match = self.match[room]
        habit = float(v.habit[0, room])
        followed = bool(v.followed[0, room])
        u = (
            self.room_utility[room] + c.taste_weight * match + c.follow_weight * followed
            + c.habit_weight * math.log1p(habit) - c.fatigue_weight * float(fatigue[cat])
        )  # fmt: skip
        top = max(u, c.browse_utility, c.close_utility)
        e0 = math.exp(u - top)
        e1 = math.exp(c.browse_utility - top)
        total = e0 + e1 + math.exp(c.close_utility - top)
        p0, p1 = e0 / total, e1 / total
        d0, d1, d2, d3, d4 = rng.random(5).tolist()
        z = float(rng.standard_normal())
        click = d0 < p0
        browse = not click and d0 < p0 + p1
        minutes = 0.0
        coins = 0.0
        follow = False
        if click:
            mu = self.log_median + c.watch_match_gain * match + 0.2 * self.quality[room]
            week_slot = int(t // self.slot_minutes) % self.n_slots
            end = math.floor(t / MINUTES_PER_WEEK) * MINUTES_PER_WEEK + int(
                self.end[week_slot, room]
            )
            minutes = min(math.exp(mu + c.watch_sigma * z), end - t)
            log_minutes = math.log1p(minutes)
            p_gift = 1.0 / (1.0 + math.exp(-(c.gift_logit + float(v.gift_propensity[0])
                                             + c.gift_minutes_gain * log_minutes)))  # fmt: skip
            if d1 < p_gift:
                coins = c.gift_min_coins * (1.0 - d2) ** (-1.0 / c.gift_tail)
            if not followed and v.n_follows[0] < c.max_follows:
                p_follow = 1.0 / (
                    1.0 + math.exp(-(c.follow_logit + c.follow_minutes_gain * log_minutes))
                )  # noqa: E501
                if d3 < p_follow:
                    follow = True
                    v.followed[0, room] = True
                    v.follow_list[0, v.n_follows[0]] = room
                    v.n_follows[0] += 1
                    self.table[room, c.n_categories + 1] = 1.0
            v.habit[0, room] += np.float32(minutes)
            if followed or follow:  # keep the follow list sorted by minutes watched (stable)
                n_f = v.n_follows[0]
                habit_row = v.habit[0]
                ordered = sorted(v.follow_list[0, :n_f].tolist(), key=lambda r: -habit_row[r])
                v.follow_list[0, :n_f] = ordered
            self.table[room, c.n_categories + 2] = np.log1p(v.habit[0, room]) / 5.0
            v.category_minutes[0, cat] += minutes
        dt = minutes + (c.skip_minutes if (click or browse) else 0.0)
        fatigue *= math.exp(-dt * self.decay)
        fatigue[cat] += 1.0
        v.t[0] = t + dt
        v.budget_left[0] -= dt
        v.session_steps[0] += 1
        v.session_minutes_watched[0] += minutes
        if browse:
            v.patience_left[0] -= 1
        session_end = not (click or browse) or v.patience_left[0] <= 0 or v.budget_left[0] <= 0
        returned = churned = False
        if session_end:
            returned, churned = self.end_session(forced=False)
        if not v.done[0] and v.t[0] >= self.horizon:
            v.done[0] = True
            session_end = True
        self.candidates(d4)
        return {
            "click": click, "watch_minutes": minutes, "gift": coins, "follow": follow,
            "return_visit": returned, "session_end": bool(session_end), "churn": churned,
            "done": bool(v.done[0]), "choice": 0 if click else (1 if browse else 2),
            "room": room, "category": cat,
        }  # fmt: skip

    def end_session(self, forced: bool) -> tuple[bool, bool]:
        """Mirror of ``_dynamics.end_sessions`` for viewer 0."""
        v, c, rng = self.v, self.c, self.rng
        if forced:
            days, churned = 1.0, False
        else:
            minutes = float(v.session_minutes_watched[0])
            satisfaction = 1.0 - math.exp(-minutes / c.satisfaction_minutes)
            v.unhappy_streak[0] = v.unhappy_streak[0] + 1 if minutes < c.unhappy_minutes else 0
            at_risk = v.unhappy_streak[0] >= max(c.churn_after_sessions, 1)
            churned = bool(at_risk & (rng.random(1)[0] < c.churn_probability))
            x = (
                c.return_logit
                + float(v.activeness[0])
                + c.return_satisfaction_gain * (satisfaction - 0.5)
            )  # noqa: E501
            p_return = min(max(1.0 / (1.0 + math.exp(-x)), 1e-6), 1.0)
            days = float(rng.geometric(p_return))
        returned = days == 1 and not churned
        t = float(v.t[0])
        today = math.floor(t / MINUTES_PER_DAY)
        hour = float(rng.normal(v.visit_hour[0], c.visit_hour_sd / 2))
        t_next = max((today + days) * MINUTES_PER_DAY + hour * 60.0, t)
        v.fatigue[0] *= math.exp(-(t_next - t) * self.decay)
        v.t[0] = t_next
        v.churned[0] |= churned
        v.done[0] |= churned or t_next >= self.horizon
        if not v.done[0]:
            v.session_steps[0] = 0
            v.session_minutes_watched[0] = 0.0
            v.patience_left[0] = v.patience[0]
            v.budget_left[0] = v.session_minutes[0] * rng.exponential(1.0) + 5.0
            v.sessions[0] += 1
        return returned, churned

    # --- observation ---------------------------------------------------------------------------
    def observe(self) -> dict[str, np.ndarray]:
        """Mirror of ``World.observe`` for viewer 0, without the batch axis; mask as int8.

        The candidate generator fills slots from the front, so the non-empty slots are the
        first ``m``; only those rows are computed, with one gather from :attr:`table`.
        """
        v, c = self.v, self.c
        nc = c.n_categories
        t = v.t.item(0)
        minute_of_day = t % MINUTES_PER_DAY
        day = (t // MINUTES_PER_DAY) % 7
        angle = minute_of_day * (2 * np.pi / MINUTES_PER_DAY)
        per_category = self.per_category
        per_category[:, 0] = v.fatigue[0]
        per_category[:, 0] /= 5.0
        user = np.array(
            [math.sin(angle), math.cos(angle), day >= 5, day / 6.0,
             v.session_steps.item(0) / 30.0, v.session_minutes_watched.item(0) / 60.0,
             *per_category[:, 0].tolist(), v.n_follows.item(0) / c.max_follows,
             min(t / self.horizon, 1.0)],
            dtype=np.float32,
        )  # fmt: skip
        np.minimum(user, 10.0, out=user)
        m = self.m
        feats = np.zeros((c.k, nc + 6), dtype=np.float32)
        if m:
            ids = self.ids_array
            feats[:m, : nc + 3] = self.table[ids]
            feats[:m, nc + 3] = self.hours_live
            minutes = v.category_minutes[0]
            per_category[:, 1] = minutes
            per_category[:, 1] /= max(sum(minutes.tolist()), 1.0)
            feats[:m, nc + 4 :] = per_category[self.categories]
            np.minimum(feats, 10.0, out=feats)
        return {"user": user, "candidates": feats, "mask": self.mask_rows[m].copy()}
