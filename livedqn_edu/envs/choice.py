"""The viewer's response maths as small pure functions (tested with hand-computed values).

- :func:`choice_probabilities`: the multinomial logit between the shown room, "keep browsing" and
  "close the app";
- :func:`expected_truncated_lognormal`: the mean watch time when log-normal watch minutes are cut
  at the end of the stream;
- :func:`sigmoid`: log-odds to probability (gifts, follows, return visits).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class _ScalarMath:
    """The numpy functions the response maths uses, for Python floats (one viewer at a time).

    Every mechanism formula takes ``xp``: ``numpy`` for a batch of viewers, :data:`SCALAR` for
    one viewer with Python floats (ten times cheaper per operation than a one-element array), so
    each formula is written once for both.
    """

    exp = staticmethod(math.exp)
    log = staticmethod(math.log)
    log2 = staticmethod(math.log2)
    log1p = staticmethod(math.log1p)
    expm1 = staticmethod(math.expm1)
    minimum = staticmethod(min)
    maximum = staticmethod(max)

    @staticmethod
    def exp2(x: float) -> float:
        return 2.0**x

    @staticmethod
    def where(cond: bool, a: float, b: float) -> float:
        return a if cond else b

    @staticmethod
    def asarray(x: float, dtype: Any = None) -> float:
        return float(x)


SCALAR = _ScalarMath()
"""Python-float stand-in for ``numpy`` in the response maths (``xp=SCALAR``)."""

__all__ = [
    "SCALAR",
    "choice_probabilities",
    "click_browse_probabilities",
    "expected_truncated_lognormal",
    "normal_cdf",
    "sigmoid",
]


def choice_probabilities(
    utility: np.ndarray | float,
    browse_utility: np.ndarray | float,
    close_utility: np.ndarray | float,
) -> np.ndarray:
    """Multinomial-logit probabilities of (click the shown room, keep browsing, close the app).

    ``p_j = exp(u_j) / (exp(u_room) + exp(u_browse) + exp(u_close))``, computed stably by
    subtracting the largest utility first.

    Args:
        utility: utility of the shown room, any shape ``S``, float.
        browse_utility: utility of keeping on browsing (broadcast to ``S``).
        close_utility: utility of closing the app (broadcast to ``S``).

    Returns:
        ``S + (3,)`` float64 probabilities ``[click, browse, close]``, summing to 1 on the last
        axis.

    Example:
        >>> choice_probabilities(0.0, 0.0, 0.0).round(3).tolist()
        [0.333, 0.333, 0.333]
    """
    return np.stack(np.broadcast_arrays(*_logit3(utility, browse_utility, close_utility)), -1)


def click_browse_probabilities(
    utility: np.ndarray | float,
    browse_utility: np.ndarray | float,
    close_utility: np.ndarray | float,
    xp: Any = np,
) -> tuple[np.ndarray, np.ndarray]:
    """The first two probabilities of :func:`choice_probabilities` (click, keep browsing).

    The same logit, without stacking: the fewest array operations, for the world's step.

    Returns:
        ``(p_click, p_browse)``, float64 arrays of the broadcast shape.
    """
    click, browse, _ = _logit3(utility, browse_utility, close_utility, xp)
    return click, browse


def _logit3(
    utility: np.ndarray | float,
    browse_utility: np.ndarray | float,
    close_utility: np.ndarray | float,
    xp: Any = np,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(click, browse, close) probabilities; the largest utility is subtracted before ``exp``."""
    u = xp.asarray(utility, dtype=np.float64)
    top = xp.maximum(xp.maximum(u, browse_utility), close_utility)
    e_room = xp.exp(u - top)
    e_browse = xp.exp(browse_utility - top)
    e_close = xp.exp(close_utility - top)
    total = e_room + e_browse + e_close
    return e_room / total, e_browse / total, e_close / total


def sigmoid(x: np.ndarray | float, xp: Any = np) -> np.ndarray:
    """``1 / (1 + exp(-x))``, float64 (``exp(-x)`` capped so that it never overflows)."""
    return 1.0 / (1.0 + xp.exp(xp.minimum(-xp.asarray(x, dtype=np.float64), 700.0)))


def _erf(x: np.ndarray) -> np.ndarray:
    """Error function (Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7)."""
    s = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return s * (1.0 - poly * np.exp(-x * x))


def normal_cdf(x: np.ndarray | float) -> np.ndarray:
    """Standard normal cumulative distribution ``Phi(x)``, float64 (error below 1e-7)."""
    return 0.5 * (1.0 + _erf(np.asarray(x, dtype=np.float64) / np.sqrt(2.0)))


def expected_truncated_lognormal(
    mu: np.ndarray | float, sigma: float, cap: np.ndarray | float
) -> np.ndarray:
    """``E[min(X, cap)]`` for ``X ~ LogNormal(mu, sigma)``: mean watch minutes cut at stream end.

    ``E[min(X, c)] = exp(mu + s^2/2) Phi((ln c - mu - s^2)/s) + c (1 - Phi((ln c - mu)/s))``.

    Args:
        mu: mean of ``log X`` (broadcastable).
        sigma: standard deviation of ``log X``, > 0.
        cap: the cut (minutes until the stream ends), > 0 (broadcastable).

    Returns:
        float64 array of the broadcast shape.
    """
    cap = np.maximum(np.asarray(cap, dtype=np.float64), 1e-12)
    mu = np.asarray(mu, dtype=np.float64)
    z = (np.log(cap) - mu) / sigma
    return np.exp(mu + 0.5 * sigma**2) * normal_cdf(z - sigma) + cap * (1.0 - normal_cdf(z))
