"""Strict comparisons for checkers: numbers only, same shape, infinities in the same places.

The default comparison of :class:`~livedqn_edu.exercises._core.Case` falls back to ``==`` for
objects it cannot read as numbers, so an object that equals everything (``unittest.mock.ANY``)
would pass. These comparisons accept only real numbers (ints or floats; not bools, strings,
``None`` or objects) and compare ``-inf``/``inf``/NaN positions exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["as_numbers", "numbers_close", "same_slots"]


def as_numbers(value: Any) -> np.ndarray | None:
    """``value`` as a float64 array if it is made of real numbers only, else None."""
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001  (anything unreadable is simply not a number)
        return None
    if arr.dtype.kind not in "iuf":
        return None
    return arr.astype(np.float64)


def numbers_close(atol: float = 1e-6) -> Callable[[Any, Any], bool]:
    """A ``compare(got, expected)``: real numbers, equal shapes, equal non-finite positions."""

    def compare(got: Any, expected: Any) -> bool:
        g, e = as_numbers(got), np.asarray(expected, dtype=np.float64)
        if g is None or g.shape != e.shape:
            return False
        same_special = np.array_equal(np.isnan(g), np.isnan(e)) and np.array_equal(
            np.where(np.isinf(g), g, 0.0), np.where(np.isinf(e), e, 0.0)
        )
        ok = np.isfinite(e)
        return bool(same_special and np.allclose(g[ok], e[ok], atol=atol, rtol=0.0))

    return compare


def same_slots(got: Any, expected: Any) -> bool:
    """A ``compare(got, expected)`` for chosen slots: whole numbers equal to ``expected``."""
    g = as_numbers(got)
    e = np.asarray(expected)
    return bool(g is not None and g.shape == e.shape and np.array_equal(g, e))
