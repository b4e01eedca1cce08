"""What a recommender remembers of each viewer's week: its own impressions and their outcomes.

The world's observation carries the viewer's history with each *room* (minutes watched,
recent ignored impressions) and their share of watch minutes per *category*, but not what
happened to the recommendations the recommender itself made this week: a viewer shown five
dance rooms who skipped all five has told us something that no column says. In this world a
viewer's taste is mostly a taste for categories (about 87% of the variance of the
hidden taste-room match lies between categories, ``docs/live-room-dqn.md``), so the outcome of
each impression per category is what a platform would log and use.

:class:`ViewerHistory` keeps, per viewer and category, the impressions shown this week, the
entries and the real watches (at least :data:`WATCH_MINUTES`), and per viewer the skips and
entries of the current session. It learns the outcome of each impression from the next
observation alone (the session's watch minutes and step count in the ``user`` features), so the
same code runs in training and behind any policy interface (``obs -> slots``): nothing the
world hides is read (the inference misses an entry of 0 minutes, into a stream ending that
minute, and errs after a session passes the features' 600-minute clip: both rare).
:meth:`ViewerHistory.augment` appends the memory to the observation as
extra columns (:data:`CANDIDATE_COLUMNS`, :data:`USER_COLUMNS`).

>>> from livedqn_edu.envs.world import World, random_valid_slot
>>> world = World(); obs = world.reset(3, seed=0)
>>> history = ViewerHistory(world.features)
>>> x = history.augment(obs)                       # (N, U + 2) and (N, K, F + 3)
>>> x["candidates"].shape[-1] - obs["candidates"].shape[-1]
3
>>> history.shown(obs, random_valid_slot(obs, np.random.default_rng(0)))
>>> _ = world.step(history.last_actions); x = history.augment(world.observe())
>>> int(history.impressions.sum())                 # one impression per viewer so far
3
"""

from __future__ import annotations

import numpy as np

from livedqn_edu.envs.features import FeatureSpec

__all__ = ["CANDIDATE_COLUMNS", "USER_COLUMNS", "WATCH_MINUTES", "ViewerHistory"]

CANDIDATE_COLUMNS = ("category_shown", "category_entered", "category_watched")
"""Columns appended to each candidate: ``log1p`` of this week's impressions, entries and real
watches of the candidate's category for this viewer, each divided by 3."""
USER_COLUMNS = ("session_skips", "session_entries")
"""Columns appended to the user features: ``log1p`` of this session's skipped impressions and
entries, each divided by 3."""
WATCH_MINUTES = 1.0
"""An entry of at least this many minutes counts as a real watch (a bounce lasts seconds)."""
_SCALE = 3.0


class ViewerHistory:
    """Per-viewer memory of the recommender's own impressions this week (see module docstring).

    Use it in a loop: ``x = history.augment(obs)`` (updates the memory with the outcome of the
    last impressions, read from ``obs``, then returns the augmented observation), choose
    ``actions`` from ``x``, then ``history.shown(obs, actions)``.

    Args:
        spec: the world's feature spec (``world.features``).

    Attributes:
        impressions, entries, watches: ``(N, C)`` float64 counts per viewer and category.
        session_skips, session_entries: ``(N,)`` float64 counts in the current session.
    """

    def __init__(self, spec: FeatureSpec) -> None:
        self.spec = spec
        names = spec.names("candidates")
        self._cat_cols = [i for i, n in enumerate(names) if n.startswith("cat_")]
        self._user = {n: spec.index("user", n) for n in
                      ("session_steps", "session_minutes", "last_session_minutes",
                       "horizon_elapsed")}  # fmt: skip
        self._scale = {n: spec.table("user")[i].scale for n, i in self._user.items()}
        self.n = 0
        self.last_actions: np.ndarray | None = None
        self._prev: dict[str, np.ndarray] | None = None
        self._seen: tuple[np.ndarray, np.ndarray] | None = None

    def reset(self, n: int) -> None:
        """Forget everything: ``n`` new viewers."""
        c = len(self._cat_cols)
        self.n = int(n)
        self.impressions, self.entries, self.watches = (np.zeros((n, c)) for _ in range(3))
        self.session_skips, self.session_entries = np.zeros(n), np.zeros(n)
        self.last_actions, self._prev = None, None
        self._seen: tuple[np.ndarray, np.ndarray] | None = None

    def _user_col(self, obs: dict[str, np.ndarray], name: str) -> np.ndarray:
        return np.asarray(obs["user"][:, self._user[name]], dtype=np.float64) * self._scale[name]

    def _check(self, obs: dict[str, np.ndarray]) -> None:
        """Start afresh for viewers that are new: another number of rows, a clock that went
        back, or a row that had no candidate (a viewer done) and has some again."""
        n = obs["user"].shape[0]
        clock = self._user_col(obs, "horizon_elapsed")
        valid = np.asarray(obs["mask"], dtype=bool).any(axis=1)
        if n != self.n:
            self.reset(n)
        elif self._seen is not None:
            new = (clock < self._seen[0] - 1e-9) | (valid & ~self._seen[1])
            if new.any():
                for a in (self.impressions, self.entries, self.watches):
                    a[new] = 0.0
                self.session_skips[new] = self.session_entries[new] = 0.0
                if self._prev is not None:
                    self._prev["category"][new] = -1
        self._seen = (clock, valid)

    def _update(self, obs: dict[str, np.ndarray]) -> None:
        """Add the outcome of the impressions recorded by :meth:`shown`, read from ``obs``."""
        prev = self._prev
        if prev is None:
            return
        steps = self._user_col(obs, "session_steps")
        same = np.abs(steps - (prev["steps"] + 1.0)) < 0.5  # the session went on
        now = np.where(same, self._user_col(obs, "session_minutes"),
                       self._user_col(obs, "last_session_minutes"))  # fmt: skip
        minutes = np.maximum(now - prev["minutes"], 0.0)
        rows = np.flatnonzero(prev["category"] >= 0)
        cat = prev["category"][rows]
        entered = minutes[rows] > 0.0
        self.impressions[rows, cat] += 1.0
        self.entries[rows, cat] += entered
        self.watches[rows, cat] += minutes[rows] >= WATCH_MINUTES
        self.session_skips[rows] += ~entered
        self.session_entries[rows] += entered
        new_session = ~same
        self.session_skips[new_session] = self.session_entries[new_session] = 0.0
        self._prev = None

    def augment(self, obs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Update the memory from ``obs``, then ``obs`` with the memory's columns appended.

        Returns:
            A new dict with ``user`` ``(N, U + 2)``, ``candidates`` ``(N, K, F + 3)`` float32
            (the history columns are 0 in empty slots) and the other keys of ``obs`` unchanged.
        """
        self._check(obs)
        self._update(obs)
        cands = np.asarray(obs["candidates"], dtype=np.float32)
        onehot = cands[..., self._cat_cols]  # (N, K, C)
        per_cat = np.stack([self.impressions, self.entries, self.watches], axis=-1)  # (N, C, 3)
        extra = np.log1p(onehot @ per_cat) / _SCALE  # (N, K, 3); 0 in empty slots (no one-hot)
        user_extra = np.log1p(np.stack([self.session_skips, self.session_entries], -1)) / _SCALE
        return {
            **obs,
            "user": np.concatenate([obs["user"], user_extra.astype(np.float32)], axis=-1),
            "candidates": np.concatenate([cands, extra.astype(np.float32)], axis=-1),
        }

    def shown(self, obs: dict[str, np.ndarray], actions: np.ndarray) -> None:
        """Record the slots shown on ``obs`` (its categories; the outcome comes with the next
        observation). Viewers on an empty slot (done) are not recorded."""
        a = np.asarray(actions, dtype=np.int64)
        rows = np.arange(a.size)
        onehot = np.asarray(obs["candidates"])[rows, a][:, self._cat_cols]
        valid = np.asarray(obs["mask"], dtype=bool)[rows, a] & (onehot.max(axis=1) > 0)
        self.last_actions = a
        self._prev = {
            "category": np.where(valid, onehot.argmax(axis=1), -1),
            "steps": self._user_col(obs, "session_steps"),
            "minutes": self._user_col(obs, "session_minutes"),
        }
