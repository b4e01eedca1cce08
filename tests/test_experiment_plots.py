"""Tests of livedqn_edu.experiment_plots: each figure from a small hand-made results table."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from livedqn_edu.experiment_plots import (
    plot_median_curves,
    plot_q_against_value,
    plot_q_and_value,
    plot_variant_panels,
)
from livedqn_edu.experiments import RESULT_COLUMNS


def _table() -> pd.DataFrame:
    rows = []
    for variant, offset in (("A", 0.0), ("B", 10.0)):
        for seed in (0, 1, 2):
            for step in (100, 200, 300):
                value = 10.0 * step / 100 + seed + offset
                rows.append((variant, seed, step, value, value + 5.0, value - 1.0))
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def test_variant_panels_one_per_variant_with_a_reference() -> None:
    axes = plot_variant_panels(_table(), ["A", "B"], reference="A")
    assert [ax.get_title() for ax in axes] == ["A (3 seeds)", "B (3 seeds)"]
    # panel B: 3 seed lines, its median, and A's median for reference
    assert len(axes[1].lines) == 5 and len(axes[0].lines) == 4
    np.testing.assert_allclose(axes[0].lines[3].get_ydata(), [11.0, 21.0, 31.0])  # median seed 1
    # one legend, in the first panel, that names the reference line drawn only in the others
    texts = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert texts == ["median", "A median"]
    plt.close("all")


def test_median_curves_one_line_per_variant() -> None:
    ax = plot_median_curves(_table(), ["B", "A"])
    b, a = ax.lines
    np.testing.assert_allclose(a.get_ydata(), [11.0, 21.0, 31.0])  # seed 1's values: the median
    np.testing.assert_allclose(b.get_ydata(), [21.0, 31.0, 41.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["B", "A"]
    assert "3 seeds" in ax.get_title()
    plt.close("all")


def test_q_and_value_draws_both_medians() -> None:
    axes = plot_q_and_value(_table(), ["B"])
    q, v = axes[0].lines
    np.testing.assert_allclose(q.get_ydata(), [26.0, 36.0, 46.0])  # medians of q_estimate
    np.testing.assert_allclose(v.get_ydata(), [20.0, 30.0, 40.0])  # medians of mc_return
    assert "3 seeds" in axes[0].get_title()
    plt.close("all")


def test_q_against_value_scatter_and_diagonal() -> None:
    ax = plot_q_against_value(_table(), ["A", "B"])
    assert len(ax.collections) == 2 and ax.get_xlabel().startswith("true value")
    (diagonal,) = ax.lines
    assert diagonal.get_xdata()[0] == 0 and diagonal.get_ydata()[-1] == diagonal.get_xdata()[-1]
    plt.close("all")


def test_unknown_variant_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="variant 'C' is not in the table"):
        plot_variant_panels(_table(), ["C"])
    plt.close("all")
