"""Figures of DQN training: Q-values against the ceiling that the target syncs allow.

DQN runs three processes at three rates: **collection** (one env step at a time, into the
replay buffer), **regression** (gradient steps fitting ``Q(s, a)`` to targets computed by the
target network) and **target refresh** (a sync every ``target_update_interval`` gradient steps).
Between two syncs the targets are frozen, so if each regression phase fitted its targets exactly,
Q would rise by about one discounted reward per sync (:func:`~livedqn_edu.dqn.sync_ceiling`, an
approximate ceiling: generalisation and the max over noisy target values push Q past it).
:func:`plot_sync_ceiling` draws the Q-values of a training history against that staircase, so
one sees whether they are held back by the syncs or have caught up with what they estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

__all__ = ["sync_schedule", "syncs_by_step", "plot_sync_ceiling"]


def _check_hard_sync(config: Any) -> None:
    if getattr(config, "tau", 1.0) != 1.0:
        raise ValueError(
            f"the sync ceiling counts hard target syncs, but config.tau = {config.tau} (a soft "
            "update moves the target a little after every gradient step); use tau=1.0"
        )


def _ceiling(syncs_before: np.ndarray, gamma: float) -> np.ndarray:
    from livedqn_edu.dqn import sync_ceiling  # noqa: PLC0415  (TensorFlow only for DQN histories)

    return np.asarray(sync_ceiling(syncs_before, gamma), dtype=np.float64)


def sync_schedule(history: Mapping[str, Any], config: Any) -> dict[str, np.ndarray]:
    """Gradient steps, syncs and the Q ceiling at each learning call of a training history.

    Args:
        history: a training history (``losses/step`` ...).
        config: the agent's :class:`~livedqn_edu.dqn.DQNConfig` (``gradient_steps``,
            ``target_update_interval``, ``gamma``; hard syncs, ``tau = 1``).

    Returns:
        ``{"gradient_steps", "syncs", "syncs_before", "ceiling"}``, each ``(calls,)``: gradient
        steps done after each call; target syncs done after it; syncs the target network held
        during the call's last gradient step; and the ceiling on Q for that step,
        ``sync_ceiling(syncs_before)`` (the targets it regressed on came from that target).
    """
    _check_hard_sync(config)
    calls = len(history["losses/step"])
    grad = config.gradient_steps * np.arange(1, calls + 1)
    before = (grad - 1) // config.target_update_interval  # syncs before the call's last step
    return {
        "gradient_steps": grad,
        "syncs": grad // config.target_update_interval,
        "syncs_before": before,
        "ceiling": _ceiling(before, config.gamma),
    }


def syncs_by_step(env_steps: int, config: Any) -> dict[str, float]:
    """Learning calls, syncs and the Q ceiling after ``env_steps`` steps of ``training.train``.

    ``train`` learns at every env step ``s > learning_starts`` with ``s % train_freq == 0``, taking
    ``gradient_steps`` gradient steps each time.

    Returns:
        ``{"calls", "gradient_steps", "syncs", "ceiling"}``: learning calls and gradient steps so
        far, syncs done, and the ceiling of the last call's fit (its target held the syncs done
        before its last gradient step; 0 when nothing was learned yet).

    Example:
        >>> from types import SimpleNamespace as Cfg
        >>> cfg = Cfg(learning_starts=1_000, train_freq=256, gradient_steps=128,
        ...           target_update_interval=128, gamma=0.99, tau=1.0)
        >>> syncs_by_step(2_048, cfg)["calls"]  # learning at steps 1,024, 1,280, ..., 2,048
        5
    """
    _check_hard_sync(config)
    first = config.learning_starts // config.train_freq + 1  # first multiple after the start
    calls = max(0, env_steps // config.train_freq - first + 1)
    grad = calls * config.gradient_steps
    before = max(0, grad - 1) // config.target_update_interval
    ceiling = float(_ceiling(np.asarray(before), config.gamma)) if calls else 0.0
    return {
        "calls": calls,
        "gradient_steps": grad,
        "syncs": grad // config.target_update_interval,
        "ceiling": ceiling,
    }


def plot_sync_ceiling(
    history: Mapping[str, Any],
    config: Any,
    ax: Axes | None = None,
    label: str = "",
    color: str | None = None,
    mark_syncs: bool | None = None,
) -> Axes:
    """Mean and largest Q on the replayed batches against the sync ceiling, over gradient steps.

    Args:
        history: a training history with ``losses/q_values`` (and ``losses/q_max`` if recorded).
        config: the agent's config.
        ax: axes to draw on (a new figure when None).
        label: prefix of the legend entries (e.g. the run's name).
        color: colour of this run's Q lines (default: blue for the mean, orange for the
            largest; the ceiling is drawn in black, on top).
        mark_syncs: draw a vertical line at every sync (default: when there are at most 20).

    Returns:
        The axes, titled and labelled.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.8), layout="constrained")
    sched = sync_schedule(history, config)
    x = sched["gradient_steps"]
    prefix = f"{label}: " if label else ""
    ax.plot(x, history["losses/q_values"], color=color or "tab:blue", lw=1.2,
            label=f"{prefix}mean Q(s, a)")  # fmt: skip
    if "losses/q_max" in history:
        ax.plot(x, history["losses/q_max"], color="tab:orange" if color is None else color,
                ls="--", lw=0.8, alpha=0.8, label=f"{prefix}largest Q on the batch")  # fmt: skip
    ax.step(x, sched["ceiling"], where="post", color="black", lw=2, zorder=5,
            label=f"{prefix}ceiling if each phase fitted its targets exactly")  # fmt: skip
    syncs = np.flatnonzero(np.diff(sched["syncs"], prepend=0) > 0)
    if mark_syncs is None:
        mark_syncs = len(syncs) <= 20
    if mark_syncs:
        for i in syncs:
            ax.axvline(x[i], color="grey", lw=0.6, ls=":")
    ax.set(
        title=f"Q-values and the target-sync ceiling (a sync every "
        f"{config.target_update_interval} gradient steps)",
        xlabel="gradient steps",
        ylabel="Q (return units)",
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax
