"""Figures of lesson 05's experiments, one idea per figure, from a results table.

A results table has one row per evaluation of one run (see
:data:`livedqn_edu.experiments.RESULT_COLUMNS`): ``variant``, ``seed``, ``step``, ``mean_return``,
``q_estimate`` and ``mc_return``. Each function draws on given axes (new ones when None) and
returns them titled and labelled.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

__all__ = [
    "plot_variant_panels",
    "plot_median_curves",
    "plot_q_and_value",
    "plot_q_against_value",
]


def _by_step(table: pd.DataFrame, variant: str, column: str) -> pd.DataFrame:
    """``(steps, seeds)`` values of one column for one variant."""
    rows = table[table["variant"] == variant]
    if rows.empty:
        raise ValueError(f"variant {variant!r} is not in the table: {sorted(set(table.variant))}")
    return rows.pivot(index="step", columns="seed", values=column)


def plot_variant_panels(
    table: pd.DataFrame,
    variants: Sequence[str],
    reference: str | None = None,
    column: str = "mean_return",
    axes: Sequence[Axes] | None = None,
) -> np.ndarray:
    """Small multiples: one panel per variant, every seed a thin line, the median a thick one.

    Args:
        table: a results table.
        variants: the variants, one panel each.
        reference: a variant whose median is drawn in grey in every panel (e.g. ``"DQN"``).
        column: what to plot (default: the greedy evaluation return).
        axes: one axes per variant (a new row of panels when None).

    Returns:
        The axes, as an array.
    """
    if axes is None:
        _, axes = plt.subplots(1, len(variants), figsize=(3.4 * len(variants), 3.2),
                               sharey=True, layout="constrained")  # fmt: skip
    axes = np.atleast_1d(axes)
    for ax, variant in zip(axes, variants, strict=True):
        values = _by_step(table, variant, column)
        ax.plot(values.index, values.to_numpy(), color="C0", lw=0.8, alpha=0.35)
        ax.plot(values.index, values.median(axis=1), color="C0", lw=2.5, label="median")
        if reference is not None and reference != variant:
            ref = _by_step(table, reference, column).median(axis=1)
            ax.plot(ref.index, ref, color="grey", lw=1.5, ls="--", label=f"{reference} median")
        ax.set(title=f"{variant} ({values.shape[1]} seeds)", xlabel="env steps")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("greedy return (20 episodes)" if column == "mean_return" else column)
    entries = {}  # one legend for all panels (the reference line is not in the first one)
    for ax in axes:
        for handle, text in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(text, handle)
    axes[0].legend(entries.values(), entries.keys(), fontsize=8)
    return axes


def plot_median_curves(
    table: pd.DataFrame,
    variants: Sequence[str],
    column: str = "mean_return",
    ax: Axes | None = None,
) -> Axes:
    """One line per variant on one axes: the median over seeds at each evaluation step.

    Args:
        table: a results table.
        variants: the variants (e.g. learning rates), in legend order.
        column: what to plot (default: the greedy evaluation return).
        ax: axes to draw on (a new figure when None).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    for variant in variants:
        values = _by_step(table, variant, column)
        ax.plot(values.index, values.median(axis=1), lw=1.8, label=f"{variant}")
    n = table.loc[table["variant"].isin(list(variants)), "seed"].nunique()
    ax.set(title=f"Median over {n} seeds at each evaluation", xlabel="env steps",
           ylabel="greedy return (20 episodes)" if column == "mean_return" else column)  # fmt: skip
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_q_and_value(
    table: pd.DataFrame, variants: Sequence[str], axes: Sequence[Axes] | None = None
) -> np.ndarray:
    """Per variant: the network's Q-estimate and the frozen policy's true value, over training.

    Both are medians over seeds with a min-max band: ``eval/q_estimate`` (solid) and
    ``eval/mc_return`` (dashed), measured on the same states at each evaluation.
    """
    if axes is None:
        _, axes = plt.subplots(1, len(variants), figsize=(6 * len(variants), 3.6), sharey=True,
                               layout="constrained")  # fmt: skip
    axes = np.atleast_1d(axes)
    for ax, variant in zip(axes, variants, strict=True):
        lines = [("q_estimate", "-", "Q(s, a) of the network"),
                 ("mc_return", "--", "true value of the same policy")]  # fmt: skip
        for column, style, label in lines:
            values = _by_step(table, variant, column)
            (line,) = ax.plot(values.index, values.median(axis=1), ls=style, label=label)
            ax.fill_between(values.index, values.min(axis=1), values.max(axis=1),
                            color=line.get_color(), alpha=0.15)  # fmt: skip
        n = table.loc[table["variant"] == variant, "seed"].nunique()
        ax.set(title=f"{variant}: median and min-max over {n} seeds", xlabel="env steps")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("discounted return from the first 40 states")
    axes[0].legend(fontsize=8)
    return axes


def plot_q_against_value(
    table: pd.DataFrame, variants: Sequence[str], ax: Axes | None = None
) -> Axes:
    """Every evaluation as a point: the policy's true value (x) against the network's Q (y).

    Points on the diagonal are exact; above it, over-estimation. Comparing variants at the same
    x compares them at matched performance.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5), layout="constrained")
    for variant, marker in zip(variants, "os^v", strict=False):
        rows = table[table["variant"] == variant]
        ax.scatter(rows["mc_return"], rows["q_estimate"], s=14, alpha=0.6, marker=marker,
                   label=variant)  # fmt: skip
    top = float(np.nanmax(table[["mc_return", "q_estimate"]].to_numpy())) * 1.05
    ax.plot([0, top], [0, top], color="k", lw=1, ls=":", label="Q = true value")
    ax.set(
        title="Q against the value of the same policy",
        xlabel="true value of the frozen greedy policy",
        ylabel="the network's Q(s, a)",
        xlim=(0, top),
        ylim=(0, top),
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax
