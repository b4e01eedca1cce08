"""Student-t intervals for paired comparisons: the one implementation the package uses.

Lessons 03-05 compare variants on the same seeds: the difference per seed is one draw, and with
five seeds a normal approximation is too narrow, so the interval uses Student's t quantile. The
recommender evaluation (:func:`livedqn_edu.recsys.evaluation.paired_difference`) builds on the
same function for differences per viewer; the hierarchical bootstrap over training seeds and
viewers is :mod:`livedqn_edu.recsys.stats`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

__all__ = ["t_quantile", "paired_difference"]


def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile of Student's t distribution with ``df`` degrees of freedom.

    Example:
        >>> round(t_quantile(0.975, 4), 3)  # the 95% two-sided critical value for 5 pairs
        2.776
    """
    if not 0.5 <= p < 1.0 or df < 1:
        raise ValueError(f"need 0.5 <= p < 1 and df >= 1, got p={p!r}, df={df!r}")
    return float(stats.t.ppf(p, df))


def paired_difference(a: Sequence[float], b: Sequence[float], level: float = 0.95) -> dict:
    """Mean of ``a - b`` over pairs (e.g. seeds) with a Student-t confidence interval.

    Returns:
        ``{"n", "mean", "low", "high"}`` (``low``/``high`` NaN with fewer than 2 pairs).

    Example:
        >>> paired_difference([3.0, 5.0], [1.0, 1.0])["mean"]  # differences 2 and 4
        3.0
    """
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    n = int(d.size)
    mean = float(d.mean()) if n else float("nan")
    if n < 2:
        return {"n": n, "mean": mean, "low": float("nan"), "high": float("nan")}
    half = t_quantile(0.5 + level / 2, n - 1) * float(d.std(ddof=1)) / np.sqrt(n)
    return {"n": n, "mean": mean, "low": mean - half, "high": mean + half}
