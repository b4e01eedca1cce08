"""Tests of the mechanism formulas (livedqn_edu/envs/response.py), the arithmetic written out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.response import (
    UTILITY_TERMS,
    churn_probability,
    decayed,
    engagement_after,
    expected_watch_minutes,
    follow_probability,
    geometric,
    gift_probability,
    return_probability,
    satisfaction,
    stay_probability,
    utility_terms,
    watch_log_mean,
)

C = WorldConfig()


def test_utility_terms_by_hand() -> None:
    cfg = WorldConfig(base_click_utility=-2.0, taste_weight=1.0, quality_weight=0.5,
                      audience_weight=0.1, follow_weight=2.0, familiarity_weight=0.3,
                      fatigue_weight=0.4)  # fmt: skip
    terms = utility_terms(0.5, 1.0, 3.0, 1.0, math.e - 1.0, 2.0, cfg)
    # base -2, taste 0.5, quality 0.5, audience 0.3, follow 2, familiarity 0.3 * ln(e) = 0.3,
    # fatigue -0.4 * 2 = -0.8; the sum is 0.8
    np.testing.assert_allclose(terms, [-2.0, 0.5, 0.5, 0.3, 2.0, 0.3, -0.8])
    assert len(terms) == len(UTILITY_TERMS)
    assert float(sum(terms)) == pytest.approx(0.8)


def test_impression_fatigue_halves_every_half_life() -> None:
    # 3 ignored impressions, 2 half-lives later: 3 / 4 = 0.75
    assert decayed(3.0, 2 * 1440.0, 1440.0) == pytest.approx(0.75)
    assert decayed(np.array([1.0, 2.0]), 0.0, 60.0).tolist() == [1.0, 2.0]


def test_stay_watch_and_expected_minutes() -> None:
    # match 0, quality 0: sigmoid(stay_logit)
    assert stay_probability(0.0, 0.0, C) == pytest.approx(1 / (1 + math.exp(-C.stay_logit)))
    assert stay_probability(0.9, 0.0, C) > stay_probability(0.0, 0.0, C)  # better fit, stays
    # log mean of a real watch: ln(median) + gain * match + gain * quality
    expected = math.log(C.stay_median_minutes) + C.watch_match_gain * 0.5 + C.watch_quality_gain
    assert watch_log_mean(0.5, 1.0, C) == pytest.approx(expected)
    # with no cut, E[minutes] = p_stay exp(mu + s^2/2) + (1 - p_stay) exp(mu_b + s_b^2/2)
    p = stay_probability(0.5, 1.0, C)
    stay = math.exp(expected + C.watch_sigma**2 / 2)
    bounce = C.bounce_median_minutes * math.exp(C.bounce_sigma**2 / 2)
    got = expected_watch_minutes(0.5, 1.0, 1e9, C)
    assert got == pytest.approx(p * stay + (1 - p) * bounce, rel=1e-6)
    assert expected_watch_minutes(0.5, 1.0, 3.0, C) < 3.0  # never past the stream's end


def test_follow_hazard_per_watch_hour() -> None:
    cfg = WorldConfig(follow_hazard=0.05, follow_match_gain=0.0)
    # two hours at 0.05 per hour: 1 - exp(-0.1) = 0.0952
    assert follow_probability(120.0, 0.3, cfg) == pytest.approx(1 - math.exp(-0.1))
    assert follow_probability(0.0, 0.3, cfg) == 0.0
    # a better match follows more: hazard x exp(gain * match)
    cfg = WorldConfig(follow_hazard=0.05, follow_match_gain=2.0)
    assert follow_probability(60.0, 0.5, cfg) == pytest.approx(1 - math.exp(-0.05 * math.e))


def test_gift_probability_by_hand() -> None:
    cfg = WorldConfig(gift_logit=-5.0, gift_minutes_gain=1.0, gift_follow_gain=1.0)
    # -5 + propensity 1 + ln(1 + (e - 1)) + follow 1 = -2
    assert gift_probability(math.e - 1, 1.0, 1.0, cfg) == pytest.approx(1 / (1 + math.exp(2.0)))


def test_retention_arithmetic() -> None:
    cfg = WorldConfig(satisfaction_minutes=30.0, engagement_memory=0.25, return_logit=0.0,
                      return_sensitivity=2.0, follow_return_gain=0.5, churn_logit=-4.0,
                      churn_engagement_gain=2.0)  # fmt: skip
    # 30 minutes: 1 - 1/e
    assert satisfaction(30.0, cfg) == pytest.approx(1 - math.exp(-1))
    assert satisfaction(0.0, cfg) == 0.0
    # engagement 0.4, satisfaction 0.8: 0.75 * 0.4 + 0.25 * 0.8 = 0.5
    assert engagement_after(0.4, 0.8, cfg) == pytest.approx(0.5)
    # engagement 0.75, activeness 0, e - 1 follows: 2 * 0.25 + 0.5 * ln(e) = 1
    assert return_probability(0.75, 0.0, math.e - 1, cfg) == pytest.approx(1 / (1 + math.exp(-1)))
    # churn at engagement 0: -4 - 2 * (-0.5) = -3; at engagement 1: -5 (less churn)
    assert churn_probability(0.0, cfg) == pytest.approx(1 / (1 + math.exp(3.0)))
    assert churn_probability(1.0, cfg) < churn_probability(0.0, cfg)


def test_geometric_days_from_uniforms() -> None:
    # p = 0.5: P(d = 1) = 0.5, so u < 0.5 gives 1 and u in [0.5, 0.75) gives 2
    assert geometric(np.array([0.1, 0.49, 0.6, 0.8]), 0.5).tolist() == [1.0, 1.0, 2.0, 3.0]
    assert geometric(np.array([0.999]), 1.0).tolist() == [1.0]
    u = np.random.default_rng(0).random(200_000)
    assert geometric(u, 0.3).mean() == pytest.approx(1 / 0.3, rel=0.01)
