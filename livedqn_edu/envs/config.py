"""WorldConfig: every knob of the live-room world, with its unit and the figure it aims at.

Defaults are sketched so that a reference policy sees roughly the figures the course calibrates
against (see ``data/README.md`` for the measured values):

- a click-through rate around 2% per impression (a prior: RecoGym's default),
- about 1.48 gifts per 100 clicks (KuaiLive, Kuaishou live streaming, 2025),
- most watching repeats rooms watched before (Rappaz, McAuley and Aberer, RecSys 2021),
- a next-day return probability around 0.75 (a prior: KuaiSim's default).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["WorldConfig"]


@dataclass(frozen=True)
class WorldConfig:
    """Configuration of the live-room world (vary it with ``dataclasses.replace``)."""

    # --- rooms --------------------------------------------------------------------------------
    n_rooms: int = 600
    """number of rooms (streamers) in the world."""
    n_categories: int = 8
    """number of room categories (the first 8 are named in ``rooms.CATEGORIES``)."""
    dim: int = 8
    """dimension of the hidden content and taste vectors."""
    room_seed: int = 0
    """seed of the rooms and their schedules (the platform is the same in every episode)."""
    slot_minutes: int = 10
    """schedule resolution in minutes (Twitch snapshots every 10 min, Rappaz et al. 2021)."""
    category_spread: float = 0.5
    """spread of a room's content vector around its category centre (unitless)."""
    popularity_exponent: float = 1.2
    """Pareto tail index of room audience sizes (smaller = more skewed)."""
    min_audience: float = 20.0
    """smallest typical audience of a room, in viewers."""
    evening_share: float = 0.65
    """share of rooms that go live in the evening."""
    weekend_uplift: float = 1.4
    """factor on the probability that a room streams on Saturday and Sunday."""
    live_days_per_week: float = 4.0
    """mean number of days per week a room streams (before the weekend uplift)."""
    mean_stream_hours: float = 3.0
    """mean stream length, in hours."""
    always_live_share: float = 0.02
    """share of 24/7 rooms, so that something is always live."""

    # --- viewers and sessions ------------------------------------------------------------------
    days: int = 7
    """horizon, in days: a viewer's clock stops after this many days."""
    mean_patience: float = 25.0
    """mean number of skipped recommendations a viewer tolerates per session."""
    mean_session_minutes: float = 90.0
    """mean time budget of a session, in minutes."""
    visit_hour: float = 20.0
    """mean preferred hour of the day for visits (0-24)."""
    visit_hour_sd: float = 2.5
    """spread of visit hours, in hours (between viewers and between days)."""
    initial_follows: float = 4.0
    """mean number of rooms a viewer already follows at the start."""
    max_follows: int = 16
    """largest number of followed rooms per viewer."""

    # --- candidate generator -------------------------------------------------------------------
    k: int = 10
    """number of candidate slots shown to the policy (the action space size)."""
    followed_slots: int = 4
    """at most this many slots go to followed rooms live right now."""
    popular_slots: int = 3
    """then this many to the most-watched live rooms; the rest are random live rooms."""

    # --- choice model (multinomial logit: the shown room, keep browsing, close the app) ---------
    base_click_utility: float = -3.8
    """utility of an average shown room before its terms (sets the click-through rate)."""
    taste_weight: float = 1.5
    """utility per unit of taste-content match (cosine in [-1, 1])."""
    quality_weight: float = 0.4
    """utility per standard deviation of room quality."""
    follow_weight: float = 1.5
    """utility bonus of a followed room."""
    habit_weight: float = 0.4
    """utility per unit of log(1 + minutes previously watched in this room)."""
    audience_weight: float = 0.15
    """utility per unit of log audience above the smallest audience (social proof)."""
    fatigue_weight: float = 1.0
    """utility lost per recent impression of the same category (shown, clicked or not)."""
    fatigue_half_life_minutes: float = 1440.0
    """half-life of category fatigue, in minutes of the viewer's clock (a day: what a viewer was
    shown tonight still tires them tomorrow, which is what makes planning pay)."""
    browse_utility: float = 0.0
    """utility of "keep browsing" (skip the shown room)."""
    close_utility: float = -3.5
    """utility of "close the app" (end the session now)."""
    min_session_minutes: float = 5.0
    """smallest time budget of a session, in minutes (added to the exponential budget)."""
    skip_minutes: float = 0.2
    """time a skipped recommendation costs, in minutes."""

    # --- watching, gifts, follows --------------------------------------------------------------
    watch_median_minutes: float = 6.0
    """median watch time of an average click, in minutes (before the stream-end cut)."""
    watch_match_gain: float = 1.0
    """log-minutes gained per unit of taste-content match."""
    watch_quality_gain: float = 0.2
    """log-minutes gained per standard deviation of room quality."""
    watch_sigma: float = 1.2
    """standard deviation of log watch minutes (heavy tail)."""
    gift_logit: float = -5.4
    """log-odds of a gift on an average click."""
    gift_minutes_gain: float = 0.3
    """gift log-odds gained per unit of log(1 + minutes watched)."""
    gift_tail: float = 1.5
    """Pareto tail index of gift amounts (smaller = heavier tail)."""
    gift_min_coins: float = 10.0
    """smallest gift, in coins."""
    follow_logit: float = -4.0
    """log-odds of following an unfollowed room after a click."""
    follow_minutes_gain: float = 0.5
    """follow log-odds gained per unit of log(1 + minutes watched)."""

    # --- return visits and churn ----------------------------------------------------------------
    return_logit: float = 1.5
    """log-odds of coming back the next day after an average session."""
    return_satisfaction_gain: float = 1.5
    """return log-odds per unit of session satisfaction (in [0, 1]) above 0.5."""
    satisfaction_minutes: float = 30.0
    """watch minutes for a session satisfaction of 1 - 1/e."""
    unhappy_minutes: float = 1.0
    """a session with fewer watch minutes than this is unhappy."""
    churn_after_sessions: int = 3
    """unhappy sessions in a row before a viewer may churn."""
    churn_probability: float = 0.15
    """probability of churning after each unhappy session beyond that streak."""

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
        """Check every field, with an error that names it, the bad value and the fix."""
        positive_int = ("n_rooms", "n_categories", "dim", "days", "k", "max_follows")
        for name in positive_int:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"WorldConfig.{name} must be an int >= 1, got {value!r}")
        if (
            not isinstance(self.slot_minutes, int)
            or self.slot_minutes < 1
            or 60 % self.slot_minutes
        ):
            raise ValueError(
                f"WorldConfig.slot_minutes must be an int dividing 60 (e.g. 10), "
                f"got {self.slot_minutes!r}"
            )
        for name in ("followed_slots", "popular_slots", "churn_after_sessions"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"WorldConfig.{name} must be an int >= 0, got {value!r}")
        for name in ("reward_watch", "reward_follow", "reward_gift", "reward_return"):
            value = getattr(self, name)
            if not value >= 0:  # also rejects NaN
                raise ValueError(
                    f"WorldConfig.{name} is a reward weight and must be >= 0, got {value!r}; "
                    "rewards are weighted sums of non-negative components"
                )
        positive = (
            "popularity_exponent", "min_audience", "mean_stream_hours", "mean_patience",
            "mean_session_minutes", "fatigue_half_life_minutes", "watch_median_minutes",
            "watch_sigma", "gift_tail", "gift_min_coins", "satisfaction_minutes",
            "live_days_per_week", "weekend_uplift",
        )  # fmt: skip
        for name in positive:
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"WorldConfig.{name} must be > 0, got {value!r}")
        for name in ("evening_share", "always_live_share", "churn_probability"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"WorldConfig.{name} must be in [0, 1], got {value!r}")
        if not 0.0 <= self.visit_hour < 24.0:
            raise ValueError(f"WorldConfig.visit_hour must be in [0, 24), got {self.visit_hour!r}")
        if self.skip_minutes < 0 or self.initial_follows < 0 or self.visit_hour_sd < 0:
            raise ValueError(
                "WorldConfig.skip_minutes, initial_follows and visit_hour_sd must be >= 0, got "
                f"{self.skip_minutes!r}, {self.initial_follows!r}, {self.visit_hour_sd!r}"
            )

    @classmethod
    def field_docs(cls) -> dict[str, str]:
        """Field name -> its one-line description (for tables in notebooks and data cards)."""
        import ast
        import inspect

        tree = ast.parse(inspect.getsource(cls))
        body = tree.body[0].body  # type: ignore[attr-defined]
        docs: dict[str, str] = {}
        for node, nxt in zip(body, body[1:], strict=False):
            if isinstance(node, ast.AnnAssign) and isinstance(nxt, ast.Expr):
                docs[node.target.id] = str(nxt.value.value)  # type: ignore[attr-defined]
        return {f.name: docs.get(f.name, "") for f in fields(cls)}
