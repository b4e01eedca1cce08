"""Tests of livedqn_edu.intervals: Student's t quantiles and paired differences by hand."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.intervals import paired_difference, t_quantile


def test_t_quantile_matches_tables() -> None:
    # two-sided 95% critical values from any t table
    for df, value in [(1, 12.706), (4, 2.776), (9, 2.262), (30, 2.042)]:
        assert t_quantile(0.975, df) == pytest.approx(value, abs=1e-3)
    with pytest.raises(ValueError, match="df >= 1"):
        t_quantile(0.975, 0)


def test_paired_difference_hand_computed() -> None:
    # differences 1, 2, 3: mean 2, sd 1, half-width t(0.975, 2) * 1 / sqrt(3) = 4.303 / 1.732
    got = paired_difference([2.0, 4.0, 6.0], [1.0, 2.0, 3.0])
    assert got["n"] == 3 and got["mean"] == 2.0
    assert got["high"] - 2.0 == pytest.approx(4.303 / np.sqrt(3), abs=1e-3)
    one = paired_difference([1.0], [0.0])
    assert one["mean"] == 1.0 and np.isnan(one["low"])
