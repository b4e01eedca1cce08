"""The viewer's response in the live-room world, one small pure function per mechanism.

``World.step`` (what happens) and ``World.expected_immediate_reward`` (what an oracle expects)
both call these functions, so each mechanism's formula is written once. Each takes arrays (any
broadcastable shapes) and the :class:`~livedqn_edu.envs.config.WorldConfig`, and returns arrays;
none reads or changes a world. The functions used at every step also take ``xp``: ``numpy``
(default) for a batch of viewers, :data:`~livedqn_edu.envs.choice.SCALAR` for one viewer with
Python floats, so that the one-viewer env is fast without a second copy of any formula.
``data/README.md`` says which constants are calibrated to a published figure and which are
teaching assumptions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from livedqn_edu.envs.choice import expected_truncated_lognormal, sigmoid
from livedqn_edu.envs.config import WorldConfig

__all__ = [
    "UTILITY_TERMS",
    "churn_probability",
    "decayed",
    "engagement_after",
    "expected_watch_minutes",
    "fatigue_now",
    "fatigue_stored",
    "follow_probability",
    "geometric",
    "gift_probability",
    "return_probability",
    "satisfaction",
    "stay_probability",
    "utility_terms",
    "watch_log_mean",
]

UTILITY_TERMS = ("base", "taste", "quality", "audience", "follow", "familiarity", "fatigue")
"""The terms of a shown room's utility, in the order :func:`utility_terms` returns them."""

LN2 = float(np.log(2.0))


def utility_terms(
    match: np.ndarray,
    quality: np.ndarray,
    log_audience: np.ndarray,
    followed: np.ndarray,
    past_minutes: np.ndarray,
    fatigue: np.ndarray,
    c: WorldConfig,
    xp: Any = np,
) -> tuple[np.ndarray, ...]:
    """The terms of the utility of showing a room (their sum is the utility), in
    :data:`UTILITY_TERMS` order.

    ``u = base + taste * match + quality_w * quality + audience_w * log_audience
    + follow_w * followed + familiarity_w * log(1 + past_minutes) - fatigue_w * fatigue``.

    Args:
        match: taste-content cosine of viewer and room, in [-1, 1].
        quality: the room's hidden quality (standard normal).
        log_audience: log of the room's audience over the smallest audience.
        followed: 1 if the viewer follows the room.
        past_minutes: minutes the viewer watched the room before.
        fatigue: recent ignored impressions of the room (decayed count, :func:`decayed`).
        c: the world's configuration.

    Returns:
        Seven float64 arrays of the broadcast shape (``base`` may be a scalar).
    """
    return (
        c.base_click_utility,
        c.taste_weight * match,
        c.quality_weight * quality,
        c.audience_weight * log_audience,
        c.follow_weight * followed,
        c.familiarity_weight * xp.log1p(past_minutes),
        -c.fatigue_weight * fatigue,
    )


def decayed(count: np.ndarray, elapsed: np.ndarray, half_life: float, xp: Any = np) -> np.ndarray:
    """A count that halves every ``half_life`` minutes: ``count * 2 ** (-elapsed / half_life)``.

    Impression discounting (Lee, Lakshmanan, Tiwari & Shah, KDD 2014) lowers a recommendation's
    appeal with the number of times it was shown and recovers with the time since it was last
    seen; this is its exponential form. No fitted half-life is published: the world's constant
    is a teaching assumption.
    """
    return count * xp.exp2(-elapsed / half_life)


def fatigue_now(stored: np.ndarray, t: np.ndarray, half_life: float, xp: Any = np) -> np.ndarray:
    """The decayed count of ignored impressions at clock ``t``, from its stored form.

    The world stores ``log2(count) + t_last / half_life`` (one number per viewer and room, -inf
    for none), so that :func:`decayed` at any later time is one subtraction and one power:
    ``count * 2 ** (-(t - t_last) / half_life) = 2 ** (stored - t / half_life)``.
    """
    return xp.exp2(stored - t / half_life)


def fatigue_stored(count: np.ndarray, t: np.ndarray, half_life: float, xp: Any = np) -> np.ndarray:
    """The stored form of ``count`` ignored impressions at clock ``t`` (see :func:`fatigue_now`)."""
    return xp.log2(count) + t / half_life


def stay_probability(
    match: np.ndarray, quality: np.ndarray, c: WorldConfig, xp: Any = np
) -> np.ndarray:
    """Probability that an entry becomes a real watch rather than a bounce of seconds.

    ``sigmoid(stay_logit + stay_match_gain * match + stay_quality_gain * quality)``: a viewer
    who enters a room that fits their taste stays; otherwise they look and leave (KuaiLive's
    median view is 4.9 s while its mean is 8.6 min).
    """
    return sigmoid(c.stay_logit + c.stay_match_gain * match + c.stay_quality_gain * quality, xp)


def watch_log_mean(match: np.ndarray, quality: np.ndarray, c: WorldConfig) -> np.ndarray:
    """Mean of log minutes of a real watch (before the stream-end cut), float64."""
    return c.log_stay_median + c.watch_match_gain * match + c.watch_quality_gain * quality


def expected_watch_minutes(
    match: np.ndarray, quality: np.ndarray, minutes_left: np.ndarray, c: WorldConfig
) -> np.ndarray:
    """Mean watch minutes of an entry, stays and bounces mixed, cut where the stream ends."""
    p_stay = stay_probability(match, quality, c)
    stay = expected_truncated_lognormal(watch_log_mean(match, quality, c), c.watch_sigma,
                                        minutes_left)  # fmt: skip
    bounce = expected_truncated_lognormal(c.log_bounce_median, c.bounce_sigma,
                                          minutes_left)  # fmt: skip
    return p_stay * stay + (1.0 - p_stay) * bounce


def follow_probability(
    minutes: np.ndarray, match: np.ndarray, c: WorldConfig, xp: Any = np
) -> np.ndarray:
    """Probability of following an unfollowed room after watching it for ``minutes``.

    A constant hazard per watch-hour, higher for a better match:
    ``1 - exp(-follow_hazard * exp(follow_match_gain * match) * minutes / 60)``. On Twitch's
    top channels followers gained per watch-hour range 0.005-0.08 (median 0.021).
    """
    hazard = c.follow_hazard * xp.exp(c.follow_match_gain * match)
    return -xp.expm1(-hazard * minutes / 60.0)


def gift_probability(
    minutes: np.ndarray,
    propensity: np.ndarray,
    followed: np.ndarray,
    c: WorldConfig,
    xp: Any = np,
) -> np.ndarray:
    """Probability of a gift during an entry of ``minutes``.

    ``sigmoid(gift_logit + propensity + gift_minutes_gain * log(1 + minutes)
    + gift_follow_gain * followed)``; ``propensity`` is the viewer's own (heavy-tailed across
    viewers: most never gift).
    """
    return sigmoid(
        c.gift_logit + propensity + c.gift_minutes_gain * xp.log1p(minutes)
        + c.gift_follow_gain * followed, xp,
    )  # fmt: skip


def satisfaction(minutes: np.ndarray, c: WorldConfig) -> np.ndarray:
    """A session's satisfaction in [0, 1): ``1 - exp(-watch minutes / satisfaction_minutes)``."""
    return -np.expm1(-np.asarray(minutes, dtype=np.float64) / c.satisfaction_minutes)


def engagement_after(engagement: np.ndarray, s: np.ndarray, c: WorldConfig) -> np.ndarray:
    """The viewer's engagement after a session of satisfaction ``s`` (exponential average)."""
    return (1.0 - c.engagement_memory) * engagement + c.engagement_memory * s


def return_probability(
    engagement: np.ndarray, activeness: np.ndarray, n_follows: np.ndarray, c: WorldConfig
) -> np.ndarray:
    """Probability of coming back on the next day (each later day alike: a geometric gap).

    ``sigmoid(return_logit + activeness + return_sensitivity * (engagement - 0.5)
    + follow_return_gain * log(1 + follows))``: satisfying sessions bring the viewer back sooner
    (the mechanism retention-optimising recommenders target, Cai et al. 2023), and followed rooms
    going live call them back.
    """
    return sigmoid(
        c.return_logit + activeness + c.return_sensitivity * (engagement - 0.5)
        + c.follow_return_gain * np.log1p(n_follows)
    )  # fmt: skip


def churn_probability(engagement: np.ndarray, c: WorldConfig) -> np.ndarray:
    """Probability of leaving the platform for good at the end of a session.

    ``sigmoid(churn_logit - churn_engagement_gain * (engagement - 0.5))``.
    """
    return sigmoid(c.churn_logit - c.churn_engagement_gain * (engagement - 0.5))


def geometric(u: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Geometric draws on {1, 2, ...} with success probability ``p``, from uniforms ``u`` in [0, 1).

    ``d = 1 + floor(log(1 - u) / log(1 - p))`` (inverse CDF); ``p = 1`` gives 1.
    """
    p = np.minimum(np.maximum(p, 1e-9), 1.0 - 1e-15)  # log(1 - p) finite and < 0
    return 1.0 + np.floor(np.log1p(-u) / np.log1p(-p))
