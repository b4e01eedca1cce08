"""Figures of DQN training: Q-values against the cap that the target syncs allow.

DQN runs three processes at three rates: **collection** (one env step at a time, into the
replay buffer), **regression** (gradient steps fitting ``Q(s, a)`` to targets computed by the
target network) and **target refresh** (a sync every ``target_update_interval`` gradient steps).
Between two syncs the targets are frozen, so the Q-values can rise by at most about one reward
per sync (:func:`~livedqn_edu.dqn.sync_cap`). :func:`plot_sync_cap` draws the Q-values of a
training history under that staircase, so one sees whether they are capped or converged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

__all__ = ["sync_schedule", "plot_sync_cap"]


def sync_schedule(history: Mapping[str, Any], config: Any) -> dict[str, np.ndarray]:
    """Gradient steps, syncs and the Q cap at each learning call of a training history.

    Args:
        history: a training history (``losses/step`` ...).
        config: the agent's :class:`~livedqn_edu.dqn.DQNConfig` (``gradient_steps``,
            ``target_update_interval``, ``gamma``).

    Returns:
        ``{"gradient_steps", "syncs", "cap"}``, each ``(calls,)``: gradient steps done after each
        call, target syncs done after it, and the cap on Q during the call's last step: with
        ``k`` syncs done before it, the regression fits targets of at most
        ``sync_cap(k + 1)`` (counting from Q = 0 at the start).
    """
    from livedqn_edu.dqn import sync_cap  # noqa: PLC0415  (TensorFlow only for DQN histories)

    calls = len(history["losses/step"])
    grad = config.gradient_steps * np.arange(1, calls + 1)
    before = (grad - 1) // config.target_update_interval  # syncs before the call's last step
    return {
        "gradient_steps": grad,
        "syncs": grad // config.target_update_interval,
        "cap": sync_cap(before + 1, config.gamma),
    }


def plot_sync_cap(
    history: Mapping[str, Any],
    config: Any,
    ax: Axes | None = None,
    label: str = "",
    color: str | None = None,
    mark_syncs: bool | None = None,
) -> Axes:
    """Mean and largest Q on the replayed batches against the sync cap, over gradient steps.

    Args:
        history: a training history with ``losses/q_values`` (and ``losses/q_max`` if recorded).
        config: the agent's config.
        ax: axes to draw on (a new figure when None).
        label: prefix of the legend entries (e.g. the run's name).
        color: colour of this run's lines.
        mark_syncs: draw a vertical line at every sync (default: when there are at most 20).

    Returns:
        The axes, titled and labelled.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
    sched = sync_schedule(history, config)
    x = sched["gradient_steps"]
    prefix = f"{label}: " if label else ""
    (line,) = ax.plot(x, history["losses/q_values"], color=color, label=f"{prefix}mean Q(s, a)")
    if "losses/q_max" in history:
        ax.plot(x, history["losses/q_max"], color=line.get_color(), ls="--", lw=1,
                label=f"{prefix}largest Q on the batch")  # fmt: skip
    ax.step(x, sched["cap"], where="post", color=line.get_color(), lw=2.5, alpha=0.35,
            label=f"{prefix}cap after the syncs so far")  # fmt: skip
    syncs = np.flatnonzero(np.diff(sched["syncs"], prepend=0) > 0)
    if mark_syncs is None:
        mark_syncs = len(syncs) <= 20
    if mark_syncs:
        for i in syncs:
            ax.axvline(x[i], color="grey", lw=0.6, ls=":")
    ax.set(
        title=f"Q-values under the target-sync cap (a sync every {config.target_update_interval} "
        "gradient steps)",
        xlabel="gradient steps",
        ylabel="Q (return units)",
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax
