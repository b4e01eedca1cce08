"""WorldConfig: every knob of the live-room world (LiveRoom-v1), with its unit and its source.

Each mechanism's knobs are grouped below; ``data/README.md`` says for each whether it is
calibrated to a published figure (which figure, which tolerance) or a teaching assumption. Every
field is checked on construction (:data:`RULES`): a NaN, an infinity, a wrong type or a value out
of range raises ``ValueError`` naming the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

__all__ = ["RULES", "WorldConfig"]


@dataclass(frozen=True)
class WorldConfig:
    """Configuration of the live-room world (vary it with ``dataclasses.replace``)."""

    # --- rooms and schedules ------------------------------------------------------------------
    n_rooms: int = 1_500
    """number of rooms (streamers) in the catalogue."""
    n_categories: int = 8
    """number of room categories (the first 8 are named in ``rooms.CATEGORIES``)."""
    dim: int = 8
    """dimension of the hidden content and taste vectors."""
    room_seed: int = 0
    """seed of the rooms and their schedules (see ``envs/populations.py``)."""
    slot_minutes: int = 10
    """schedule resolution in minutes (Twitch snapshots every 10 min, Rappaz et al. 2021)."""
    category_spread: float = 0.5
    """spread of a room's content vector around its category centre (unitless)."""
    popularity_exponent: float = 1.1
    """Pareto tail index of room audiences (power-law audiences: Douyu/Huya, Guo & Lu 2020)."""
    min_audience: float = 5.0
    """smallest typical audience of a room, in viewers."""
    evening_share: float = 0.7
    """share of rooms whose streams start in the evening (KuaiLive: starts cluster 18-22 h)."""
    weekend_uplift: float = 1.3
    """factor on the probability that a room streams on Saturday and Sunday."""
    live_days_per_week: float = 1.6
    """mean number of days per week a room streams, before the weekend uplift."""
    mean_stream_hours: float = 3.5
    """mean stream length, in hours (Twitch 2023-24: 2.7-4.3 h by channel size)."""
    always_live_share: float = 0.005
    """share of rooms live around the clock (24/7 channels)."""

    # --- viewers and sessions ------------------------------------------------------------------
    days: int = 7
    """horizon, in days: a viewer's clock stops after this many days."""
    mean_patience: float = 25.0
    """mean number of skipped recommendations a viewer tolerates per session."""
    mean_session_minutes: float = 80.0
    """mean time budget of a session beyond its minimum, in minutes (exponential)."""
    min_session_minutes: float = 5.0
    """smallest time budget of a session, in minutes."""
    visit_hour: float = 20.5
    """mean preferred hour of the day for visits (0-24)."""
    visit_hour_sd: float = 2.5
    """spread of visit hours, in hours (between viewers; half of it between days)."""
    initial_follows: float = 10.0
    """mean number of rooms a viewer already follows at the start (Poisson)."""
    initial_familiar: float = 8.0
    """mean number of rooms watched before but not followed, at the start (Poisson)."""
    max_follows: int = 24
    """largest number of followed rooms per viewer."""

    # --- candidate generator -------------------------------------------------------------------
    k: int = 10
    """number of candidate slots shown to the policy (the action space size)."""
    followed_slots: int = 4
    """at most this many slots go to followed rooms live right now (most watched first)."""
    popular_slots: int = 2
    """then this many to the most-watched live rooms; the rest are discovery: other live rooms
    the viewer does not follow, in a random order."""

    # --- choice (multinomial logit: enter the shown room, keep browsing, close the app) ---------
    base_click_utility: float = -2.5
    """utility of an average unfamiliar room before its terms (sets the entry rate)."""
    taste_weight: float = 1.2
    """utility per unit of taste-content match (cosine in [-1, 1])."""
    quality_weight: float = 0.3
    """utility per standard deviation of room quality."""
    audience_weight: float = 0.1
    """utility per unit of log audience above the smallest audience (social proof)."""
    follow_weight: float = 1.8
    """utility bonus of a followed room (repeat consumption, Rappaz et al. 2021)."""
    familiarity_weight: float = 0.15
    """utility per unit of log(1 + minutes the viewer watched this room before)."""
    fatigue_weight: float = 0.5
    """utility lost per recent ignored impression of the same room (impression discounting)."""
    fatigue_half_life_minutes: float = 1_440.0
    """half-life of room fatigue, in minutes of the viewer's clock (exponential recovery with the
    time since last seen, the form of Lee et al. 2014; the constant is a teaching assumption)."""
    browse_utility: float = 0.0
    """utility of "keep browsing" (skip the shown room)."""
    close_utility: float = -3.5
    """utility of "close the app" (end the session now)."""
    skip_minutes: float = 0.1
    """time a skipped recommendation costs, in minutes."""

    # --- watching: stay or bounce ---------------------------------------------------------------
    stay_logit: float = -1.6
    """log-odds that an entry becomes a real watch (not a bounce) at average match and quality."""
    stay_match_gain: float = 2.5
    """stay log-odds per unit of taste-content match."""
    stay_quality_gain: float = 0.3
    """stay log-odds per standard deviation of room quality."""
    stay_median_minutes: float = 12.0
    """median length of a real watch at zero match, in minutes (before the stream-end cut)."""
    watch_match_gain: float = 0.6
    """log-minutes of a real watch gained per unit of match."""
    watch_quality_gain: float = 0.2
    """log-minutes of a real watch gained per standard deviation of room quality."""
    watch_sigma: float = 1.1
    """standard deviation of log minutes of a real watch."""
    bounce_median_minutes: float = 0.1
    """median length of a bounce (enter, look, leave), in minutes (KuaiLive median view 4.9 s)."""
    bounce_sigma: float = 0.8
    """standard deviation of log minutes of a bounce."""

    # --- follows and gifts ----------------------------------------------------------------------
    follow_hazard: float = 0.03
    """follows per watch-hour on an unfollowed room at zero match (Twitch: 0.005-0.08)."""
    follow_match_gain: float = 2.0
    """log follow hazard gained per unit of match."""
    gift_logit: float = -6.8
    """log-odds of a gift during an entry, at zero propensity and zero minutes."""
    gift_minutes_gain: float = 0.5
    """gift log-odds per unit of log(1 + minutes watched)."""
    gift_follow_gain: float = 1.0
    """gift log-odds bonus in a followed room (a gifter's value goes to one streamer)."""
    gift_propensity_sd: float = 1.5
    """spread of the viewers' gift log-odds (a few viewers give most gifts)."""
    gift_median_coins: float = 2.0
    """median gift value, in coins (KuaiLive: median 2)."""
    gift_sigma: float = 2.7
    """standard deviation of log gift value (KuaiLive: mean/median about 40, P99/median ~700)."""

    # --- retention: satisfaction, return visits and churn ---------------------------------------
    satisfaction_minutes: float = 30.0
    """watch minutes for a session satisfaction of 1 - 1/e."""
    engagement_memory: float = 0.3
    """weight of the last session's satisfaction in the viewer's engagement (moving average)."""
    return_logit: float = 0.3
    """log-odds of visiting on the next day at engagement 0.5, average activeness, no follows."""
    activeness_sd: float = 1.2
    """spread of the viewers' return log-odds (some visit daily, some weekly)."""
    return_sensitivity: float = 1.0
    """return log-odds per unit of engagement above 0.5 (satisfaction-driven retention)."""
    follow_return_gain: float = 0.15
    """return log-odds per unit of log(1 + followed rooms) (go-live notifications)."""
    churn_logit: float = -5.5
    """log-odds of leaving for good after a session at engagement 0.5."""
    churn_engagement_gain: float = 3.0
    """churn log-odds lost per unit of engagement above 0.5."""

    # --- reward --------------------------------------------------------------------------------
    reward_watch: float = 0.1
    """reward per watch minute."""
    reward_follow: float = 0.0
    """reward per new follow."""
    reward_gift: float = 0.0
    """reward per gifted coin."""
    reward_return: float = 0.0
    """reward per next-day return visit (given at the end of the session)."""

    def __post_init__(self) -> None:
        """Check every field against :data:`RULES`, with an error that names it."""
        for f in fields(self):
            kind, low, high = RULES[f.name]
            value = getattr(self, f.name)
            if kind == "int":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"WorldConfig.{f.name} must be an int, got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"WorldConfig.{f.name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"WorldConfig.{f.name} must be finite, got {value!r}")
            if not low <= value <= high:
                raise ValueError(
                    f"WorldConfig.{f.name} must be in [{low:g}, {high:g}], got {value!r} "
                    f"({_doc(f.name)})"
                )
        if MINUTES_PER_HOUR % self.slot_minutes:
            raise ValueError(
                f"WorldConfig.slot_minutes must divide 60 (e.g. 10), got {self.slot_minutes!r}"
            )

    @property
    def log_stay_median(self) -> float:
        """``log(stay_median_minutes)``: the mean log-minutes of a real watch at zero match."""
        return math.log(self.stay_median_minutes)

    @property
    def log_bounce_median(self) -> float:
        """``log(bounce_median_minutes)``: the mean log-minutes of a bounce."""
        return math.log(self.bounce_median_minutes)

    @classmethod
    def field_docs(cls) -> dict[str, str]:
        """Field name -> its one-line description (for tables in notebooks and data cards)."""
        return {f.name: _doc(f.name) for f in fields(cls)}


MINUTES_PER_HOUR = 60
_BIG = 1e6

RULES: dict[str, tuple[str, float, float]] = {
    # rooms
    "n_rooms": ("int", 1, 100_000), "n_categories": ("int", 1, 64), "dim": ("int", 1, 256),
    "room_seed": ("int", 0, 2**63 - 1), "slot_minutes": ("int", 1, 60),
    "category_spread": ("float", 0.0, 10.0), "popularity_exponent": ("float", 0.05, 20.0),
    "min_audience": ("float", 1e-3, _BIG), "evening_share": ("float", 0.0, 1.0),
    "weekend_uplift": ("float", 0.0, 10.0), "live_days_per_week": ("float", 0.0, 7.0),
    "mean_stream_hours": ("float", 0.1, 24.0), "always_live_share": ("float", 0.0, 1.0),
    # viewers and sessions
    "days": ("int", 1, 365), "mean_patience": ("float", 0.0, 10_000.0),
    "mean_session_minutes": ("float", 0.0, 1_440.0),
    "min_session_minutes": ("float", 0.0, 1_440.0), "visit_hour": ("float", 0.0, 23.999),
    "visit_hour_sd": ("float", 0.0, 24.0), "initial_follows": ("float", 0.0, 1_000.0),
    "initial_familiar": ("float", 0.0, 1_000.0), "max_follows": ("int", 1, 1_000),
    # candidates
    "k": ("int", 1, 1_000), "followed_slots": ("int", 0, 1_000),
    "popular_slots": ("int", 0, 1_000),
    # choice
    "base_click_utility": ("float", -100.0, 100.0), "taste_weight": ("float", -100.0, 100.0),
    "quality_weight": ("float", -100.0, 100.0), "audience_weight": ("float", -100.0, 100.0),
    "follow_weight": ("float", -100.0, 100.0), "familiarity_weight": ("float", -100.0, 100.0),
    "fatigue_weight": ("float", 0.0, 100.0),
    "fatigue_half_life_minutes": ("float", 1e-3, 1e7),
    "browse_utility": ("float", -100.0, 100.0), "close_utility": ("float", -100.0, 100.0),
    "skip_minutes": ("float", 0.0, 1_440.0),
    # watching
    "stay_logit": ("float", -100.0, 100.0), "stay_match_gain": ("float", -100.0, 100.0),
    "stay_quality_gain": ("float", -100.0, 100.0),
    "stay_median_minutes": ("float", 1e-3, 1e6), "watch_match_gain": ("float", -20.0, 20.0),
    "watch_quality_gain": ("float", -20.0, 20.0), "watch_sigma": ("float", 1e-3, 10.0),
    "bounce_median_minutes": ("float", 1e-4, 1e3), "bounce_sigma": ("float", 1e-3, 10.0),
    # follows and gifts
    "follow_hazard": ("float", 0.0, 1e3), "follow_match_gain": ("float", -20.0, 20.0),
    "gift_logit": ("float", -100.0, 100.0), "gift_minutes_gain": ("float", -100.0, 100.0),
    "gift_follow_gain": ("float", -100.0, 100.0),
    "gift_propensity_sd": ("float", 0.0, 20.0), "gift_median_coins": ("float", 1e-3, 1e6),
    "gift_sigma": ("float", 0.0, 10.0),
    # retention
    "satisfaction_minutes": ("float", 1e-3, 1e5), "engagement_memory": ("float", 0.0, 1.0),
    "return_logit": ("float", -100.0, 100.0), "activeness_sd": ("float", 0.0, 20.0),
    "return_sensitivity": ("float", -100.0, 100.0),
    "follow_return_gain": ("float", -100.0, 100.0), "churn_logit": ("float", -100.0, 100.0),
    "churn_engagement_gain": ("float", -100.0, 100.0),
    # reward (non-negative: rewards are weighted sums of non-negative components)
    "reward_watch": ("float", 0.0, _BIG), "reward_follow": ("float", 0.0, _BIG),
    "reward_gift": ("float", 0.0, _BIG), "reward_return": ("float", 0.0, _BIG),
}  # fmt: skip
"""Field -> (kind, smallest, largest allowed value): every field of :class:`WorldConfig`."""


def _doc(name: str) -> str:
    import ast
    import inspect

    global _DOCS
    if _DOCS is None:
        tree = ast.parse(inspect.getsource(WorldConfig))
        body = tree.body[0].body  # type: ignore[attr-defined]
        _DOCS = {
            node.target.id: " ".join(str(nxt.value.value).split())  # type: ignore[attr-defined]
            for node, nxt in zip(body, body[1:], strict=False)
            if isinstance(node, ast.AnnAssign) and isinstance(nxt, ast.Expr)
        }
    return _DOCS.get(name, "")


_DOCS: dict[str, str] | None = None
