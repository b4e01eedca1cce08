"""The observation layout of the live-room world, declared once as a feature spec.

Every column a policy sees is a :class:`Feature` (name, raw quantity, scale, bounds, meaning).
From the one :class:`FeatureSpec` of a world (:func:`feature_spec`):

- the world builds its observations (:meth:`FeatureSpec.assemble` places, scales and clips the
  raw quantities it computes, block by block);
- the gymnasium env builds its observation space (:meth:`FeatureSpec.bounds`);
- policies and networks find their columns by name (:meth:`FeatureSpec.column`,
  :meth:`FeatureSpec.index`), never by position;
- the documentation tables are generated (:meth:`FeatureSpec.markdown`).

A column's value is ``clip(raw / scale, low, high)``. Columns that come from one raw array (the
category one-hot, for instance) share a *block* name; the world hands over one ``(..., width)``
array per block.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from livedqn_edu.envs.rooms import CATEGORIES

__all__ = ["FEATURE_MAX", "Feature", "FeatureSpec", "category_names", "feature_spec"]

FEATURE_MAX: float = 10.0
"""Largest value of any feature after scaling (every column is clipped to it)."""

PARTS = ("user", "candidates")
"""The two feature tables of an observation: the viewer's context and one row per candidate."""


@dataclass(frozen=True)
class Feature:
    """One observation column."""

    name: str
    """column name, unique within its table (``user`` or ``candidates``)."""
    description: str
    """what the raw quantity is, with its unit (shown in the docs tables)."""
    scale: float = 1.0
    """the column holds ``raw / scale`` (then clipped to ``[low, high]``)."""
    low: float = 0.0
    """smallest value after scaling (the observation space's lower bound)."""
    high: float = FEATURE_MAX
    """largest value after scaling (the observation space's upper bound)."""
    block: str = ""
    """raw array the column comes from (default: its own name); consecutive columns of one block
    are filled from one ``(..., width)`` array."""

    @property
    def source(self) -> str:
        """The block name (the feature's own name when it has no block)."""
        return self.block or self.name


def category_names(n_categories: int) -> list[str]:
    """Names of the room categories (the first 8 are named, further ones ``category8``...)."""
    return [CATEGORIES[c] if c < len(CATEGORIES) else f"category{c}" for c in range(n_categories)]


@dataclass(frozen=True)
class FeatureSpec:
    """The two feature tables of the world's observation: ``user`` and ``candidates``."""

    user: tuple[Feature, ...]
    """columns of ``obs["user"]`` ``(U,)``: the viewer's context."""
    candidates: tuple[Feature, ...]
    """columns of ``obs["candidates"]`` ``(K, F)``: one row per candidate slot."""
    _index: dict[str, dict[str, int]] = field(init=False, repr=False, compare=False)
    _arrays: dict[str, tuple[np.ndarray, ...]] = field(init=False, repr=False, compare=False)
    _blocks: dict[str, tuple[tuple[str, int, int], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index, arrays, blocks = {}, {}, {}
        for part in PARTS:
            feats = self.table(part)
            names = [f.name for f in feats]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"feature names must be unique in {part!r}, repeated: {dup}")
            index[part] = {n: i for i, n in enumerate(names)}
            scale = np.array([f.scale for f in feats], dtype=np.float32)
            low = np.array([f.low for f in feats], dtype=np.float32)
            high = np.array([f.high for f in feats], dtype=np.float32)
            arrays[part] = (1.0 / scale, low, high)
            runs: list[tuple[str, int, int]] = []
            for i, f in enumerate(feats):
                if runs and runs[-1][0] == f.source and runs[-1][2] == i:
                    runs[-1] = (f.source, runs[-1][1], i + 1)
                else:
                    if any(r[0] == f.source for r in runs):
                        raise ValueError(f"block {f.source!r} of {part!r} is not contiguous")
                    runs.append((f.source, i, i + 1))
            blocks[part] = tuple(runs)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_arrays", arrays)
        object.__setattr__(self, "_blocks", blocks)

    def table(self, part: str) -> tuple[Feature, ...]:
        """The features of ``part`` (``"user"`` or ``"candidates"``)."""
        if part not in PARTS:
            raise ValueError(f"part must be one of {PARTS}, got {part!r}")
        return self.user if part == "user" else self.candidates

    def names(self, part: str) -> list[str]:
        """Column names of ``part`` in order."""
        return [f.name for f in self.table(part)]

    def index(self, part: str, name: str) -> int:
        """Position of column ``name`` in ``part``.

        Raises:
            KeyError: an unknown name (the message lists the known ones).
        """
        cols = self._index[part] if part in PARTS else self.table(part)  # raises on a bad part
        if name not in cols:
            raise KeyError(f"{name!r} is not a {part} feature; known: {list(cols)}")
        return cols[name]

    def width(self, part: str) -> int:
        """Number of columns of ``part``."""
        return len(self.table(part))

    def bounds(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        """``(low, high)`` float32 arrays of ``part``'s columns (for a gymnasium ``Box``)."""
        _, low, high = self._arrays[part]
        return low.copy(), high.copy()

    def blocks(self, part: str) -> tuple[tuple[str, int, int], ...]:
        """``(block, start, stop)`` of each raw array of ``part``, in column order."""
        return self._blocks[part]

    def column(self, obs: dict[str, np.ndarray], name: str) -> np.ndarray:
        """One column by name from an observation, float64 (NaN -> 0).

        Candidate features come back as ``(..., K)``, user features as ``(...,)``. A name in both
        tables resolves to the candidate feature.

        Raises:
            KeyError: ``name`` is no feature of this spec.
            ValueError: the observation's width does not match this spec (a different world).
        """
        part = "candidates" if name in self._index["candidates"] else "user"
        j = self.index(part, name)
        x = np.asarray(obs[part])
        if x.shape[-1] != self.width(part):
            raise ValueError(
                f"obs[{part!r}] has {x.shape[-1]} columns but this feature spec has "
                f"{self.width(part)}: use the spec of the world that made the observation "
                "(world.features)"
            )
        return np.nan_to_num(x[..., j].astype(np.float64))

    def assemble(self, part: str, raw: dict[str, np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
        """Build ``part``'s float32 array from raw quantities: place, scale, clip.

        Args:
            part: ``"user"`` or ``"candidates"``.
            raw: block name -> raw array: ``shape`` (or a scalar) for a one-column block, a
                ``shape + (width,)`` array for a wider one.
            shape: leading shape, ``(N,)`` for users or ``(N, K)`` for candidates.

        Returns:
            ``shape + (width,)`` float32, every column ``clip(raw / scale, low, high)``.
        """
        inv_scale, low, high = self._arrays[part]
        out = np.empty((*shape, len(inv_scale)), dtype=np.float32)
        for block, start, stop in self._blocks[part]:
            out[..., start if stop - start == 1 else slice(start, stop)] = raw[block]
        out *= inv_scale
        np.maximum(out, low, out=out)  # np.clip costs ten times more per call on small arrays
        np.minimum(out, high, out=out)
        return out

    def markdown(self, part: str) -> str:
        """A markdown table of ``part``: ``Num | Name | Observation | Scale | Min | Max``."""
        lines = ["| Num | Name | Observation (raw) | Scale | Min | Max |"]
        lines.append("|---|---|---|---|---|---|")
        for i, f in enumerate(self.table(part)):
            lines.append(
                f"| {i} | `{f.name}` | {f.description} | 1/{f.scale:g} | {f.low:g} | {f.high:g} |"
                if f.scale != 1
                else f"| {i} | `{f.name}` | {f.description} | 1 | {f.low:g} | {f.high:g} |"
            )
        return "\n".join(lines)


@functools.lru_cache(maxsize=64)
def feature_spec(n_categories: int = 8, max_follows: int = 16, days: int = 7) -> FeatureSpec:
    """The feature spec of a world with these sizes (use ``world.features`` for a world's own).

    Args:
        n_categories: number of room categories.
        max_follows: largest number of followed rooms (scales the ``follows`` column).
        days: horizon in days (scales ``horizon_elapsed``).
    """
    cats = category_names(n_categories)
    horizon = float(days * 24 * 60)
    user = (
        Feature("hour_sin", "sin of the time of day (2 pi x minute / 1440)", 1.0, -1.0, 1.0),
        Feature("hour_cos", "cos of the time of day", 1.0, -1.0, 1.0),
        Feature("weekend", "1 on Saturday and Sunday, else 0", 1.0, 0.0, 1.0),
        Feature("day_of_week", "day of the week, Monday = 0 .. Sunday = 6", 6.0, 0.0, 1.0),
        Feature("session_steps", "recommendations shown this session", 30.0),
        Feature("session_minutes", "watch minutes this session", 60.0),
        Feature("last_session_minutes", "watch minutes of the previous session", 60.0),
        Feature("follows", "number of followed rooms", float(max_follows), 0.0, 1.0),
        Feature("horizon_elapsed", "minutes since the start of the episode", horizon, 0.0, 1.0),
        *(
            Feature(
                f"share_{c}",
                f"share of the viewer's watch minutes in {c}",
                1.0,
                0.0,
                1.0,
                block="category_share",
            )
            for c in cats
        ),  # fmt: skip
    )
    candidates = (
        *(
            Feature(f"cat_{c}", f"1 if the room's category is {c}", 1.0, 0.0, 1.0, block="room")
            for c in cats
        ),  # fmt: skip
        Feature("log_audience", "log(audience / smallest audience)", 5.0, block="room"),
        Feature("followed", "1 if the viewer follows the room", 1.0, 0.0, 1.0),
        Feature("log_past_minutes", "log(1 + minutes the viewer watched this room)", 5.0),
        Feature("hours_live", "minutes since the stream went live", 300.0),
        Feature(
            "recent_impressions",
            "recent impressions of the room without a click "
            "(count halving every fatigue half-life)",
            5.0,
        ),  # fmt: skip
        Feature(
            "category_share",
            "share of the viewer's watch minutes in the room's category",
            1.0,
            0.0,
            1.0,
        ),  # fmt: skip
    )
    return FeatureSpec(user=user, candidates=candidates)
