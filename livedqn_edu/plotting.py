"""Figures of the course: learning curves, Q-table heatmaps with policy arrows, episode animations.

Every function draws on a matplotlib ``Axes`` (a new figure when ``ax`` is None) and returns it,
titled, with labelled axes, so a notebook cell stays one line long. All of them work headless
(``MPLBACKEND=Agg``, no display, no Xvfb).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes

__all__ = ["plot_learning_curve", "plot_q_table", "animate_episode"]

# readable axis labels for the history keys of the course
_LABELS = {
    "charts/episodic_return": "return per episode",
    "charts/episode_length": "episode length (steps)",
    "charts/epsilon": "epsilon (exploration rate)",
    "losses/td_error": "mean |TD error| per step",
}


def _as_series(history: Any, key: str) -> np.ndarray:
    if isinstance(history, Mapping):
        if key not in history:
            keys = ", ".join(k for k in history if "/" in k)
            raise ValueError(f"key {key!r} is not in this history; it has: {keys}")
        history = history[key]
    series = np.asarray(history, dtype=float)
    if series.ndim != 1 or series.size == 0:
        raise ValueError(f"{key!r} must be a non-empty 1-D series, got shape {series.shape}")
    return series


def plot_learning_curve(
    history_or_histories: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    key: str = "charts/episodic_return",
    window: int = 100,
    ax: Axes | None = None,
    label: str | None = None,
    color: str | None = None,
    title: str | None = None,
) -> Axes:
    """Plot a per-episode series smoothed by a rolling mean; with several seeds, their spread.

    Args:
        history_or_histories: one history dict (from ``train_tabular``) or a list of them, one
            per seed. With a list, the line is the mean over seeds of the rolling means and the
            shaded band runs from their minimum to their maximum.
        key: which series to plot (``charts/episodic_return``, ``charts/episode_length``...).
        window: rolling-mean window, in episodes (clipped to the series length).
        ax: the axes to draw on (a new figure if None).
        label: legend label of the line.
        color: line colour (matplotlib's next colour if None).
        title: the title (a default naming the key and window if None).

    Returns:
        The axes.
    """
    many = isinstance(history_or_histories, Sequence) and not isinstance(
        history_or_histories, (str, np.ndarray)
    )
    histories = list(history_or_histories) if many else [history_or_histories]
    if not histories:
        raise ValueError("history_or_histories is an empty list; pass at least one history")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be a positive integer (episodes), got {window!r}")
    series = [_as_series(h, key) for h in histories]
    n = min(len(s) for s in series)
    window = min(int(window), n)
    smooth = np.stack(
        [pd.Series(s[:n]).rolling(window, min_periods=1).mean().to_numpy() for s in series]
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
    x = np.arange(1, n + 1)
    if len(series) == 1:
        (line,) = ax.plot(x, series[0][:n], alpha=0.2, color=color, lw=0.8)
        ax.plot(x, smooth[0], color=line.get_color(), lw=1.8, label=label)
    else:
        (line,) = ax.plot(x, smooth.mean(axis=0), color=color, lw=1.8, label=label)
        ax.fill_between(
            x, smooth.min(axis=0), smooth.max(axis=0), color=line.get_color(), alpha=0.2
        )
    ax.set_xlabel("episode")
    ax.set_ylabel(_LABELS.get(key, key))
    seeds = f", {len(series)} seeds (band: min to max)" if len(series) > 1 else ""
    ax.set_title(title or f"{_LABELS.get(key, key)}, rolling mean over {window} episodes{seeds}")
    if label is not None:
        ax.legend()
    ax.grid(alpha=0.3)
    return ax


# (dx, dy) on the grid for each direction name; y grows downwards as in the image
_STEP = {"left": (-1, 0), "down": (0, 1), "right": (1, 0), "up": (0, -1)}
_FROZEN_LAKE_ACTIONS = ("left", "down", "right", "up")
_CLIFF_WALKING_ACTIONS = ("up", "right", "down", "left")


def _grid_layout(
    env_or_shape: Any, directions: Sequence[str] | None
) -> tuple[tuple[int, int], Sequence[str] | None, dict[int, str]]:
    """``(shape, action directions, {state: letter})`` for a grid world or a ``(rows, cols)``."""
    if isinstance(env_or_shape, tuple):
        return (int(env_or_shape[0]), int(env_or_shape[1])), directions, {}
    env = getattr(env_or_shape, "unwrapped", env_or_shape)
    name = type(env).__name__
    if name == "FrozenLakeEnv":
        desc = np.asarray(env.desc).astype(str)
        marks = {i: c for i, c in enumerate(desc.ravel()) if c in "SHG"}
        return desc.shape, directions or _FROZEN_LAKE_ACTIONS, marks
    if name == "CliffWalkingEnv":
        rows, cols = env.shape
        marks = {int(i): "C" for i in np.flatnonzero(np.asarray(env._cliff).ravel())}
        marks[int(env.start_state_index)] = "S"
        marks[rows * cols - 1] = "G"
        return (rows, cols), directions or _CLIFF_WALKING_ACTIONS, marks
    raise ValueError(
        f"plot_q_table draws grid worlds (FrozenLake, CliffWalking), got {name}; for another "
        "grid pass its shape as a tuple (rows, cols) and directions=('left', 'down', ...)"
    )


def plot_q_table(
    q: np.ndarray,
    env_or_shape: Any,
    ax: Axes | None = None,
    title: str | None = None,
    path: Sequence[int] | None = None,
    directions: Sequence[str] | None = None,
) -> Axes:
    """Heatmap of ``max_a Q(s, a)`` on the grid, with an arrow for the greedy action of each cell.

    Holes (H), cliff cells (C) and the goal (G) are marked and get no arrow; cells whose actions
    all have the same value (never updated) get a dot instead of an arrow.

    Args:
        q: ``(n_states, n_actions)`` float Q-table, states numbered row by row.
        env_or_shape: a FrozenLake or CliffWalking env (wrapped or not), or a ``(rows, cols)``.
        ax: the axes to draw on (a new figure if None).
        title: the title (default: "greedy policy and max Q").
        path: optional states visited by an episode (e.g. from ``greedy_path``), drawn as a line.
        directions: the direction of each action, e.g. ``("left", "down", "right", "up")``;
            inferred for FrozenLake and CliffWalking, no arrows otherwise.

    Returns:
        The axes.
    """
    (rows, cols), dirs, marks = _grid_layout(env_or_shape, directions)
    q = np.asarray(q, dtype=float)
    if q.ndim != 2 or q.shape[0] != rows * cols:
        raise ValueError(
            f"q must have shape ({rows * cols}, n_actions) for a {rows}x{cols} grid, got {q.shape}"
        )
    if dirs is not None and len(dirs) != q.shape[1]:
        raise ValueError(f"directions has {len(dirs)} entries but q has {q.shape[1]} actions")
    values = np.ma.masked_array(q.max(axis=1), mask=[marks.get(s) == "C" for s in range(len(q))])
    if ax is None:
        size = (max(4.0, 0.75 * cols + 1.5), max(3.2, 0.75 * rows + 0.8))
        _, ax = plt.subplots(figsize=size, layout="constrained")
    cmap = plt.get_cmap("viridis").with_extremes(bad="0.45")  # cliff cells in grey
    image = ax.imshow(values.reshape(rows, cols), cmap=cmap)
    ax.figure.colorbar(image, ax=ax, label="max_a Q(s, a) (expected return)", shrink=0.85)
    outline = [patheffects.withStroke(linewidth=2.5, foreground="black")]
    for s in range(rows * cols):
        r, c = divmod(s, cols)
        mark = marks.get(s)
        if mark == "S":  # the start still gets its arrow: its letter goes in the corner
            ax.text(c - 0.42, r - 0.42, "S", ha="left", va="top", color="white", fontsize=9,
                    fontweight="bold", path_effects=outline)  # fmt: skip
        elif mark is not None:
            ax.text(c, r, mark, ha="center", va="center", color="white", fontsize=13,
                    fontweight="bold", path_effects=outline)  # fmt: skip
            continue
        if dirs is None:
            continue
        if np.all(q[s] == q[s, 0]):
            ax.plot(c, r, "o", color="white", ms=3)
            continue
        dx, dy = _STEP[dirs[int(q[s].argmax())]]
        ax.annotate("", xy=(c + 0.35 * dx, r + 0.35 * dy), xytext=(c - 0.35 * dx, r - 0.35 * dy),
                    arrowprops={"arrowstyle": "-|>", "color": "white", "lw": 1.8,
                                "path_effects": outline})  # fmt: skip
    if path is not None and len(path) > 1:
        rc = np.array([divmod(int(s), cols) for s in path])
        ax.plot(rc[:, 1], rc[:, 0], color="tab:red", lw=2.5, alpha=0.8, label="path")
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_title(title or "greedy policy and max Q")
    return ax


def animate_episode(
    env: Any,
    policy: Any = None,
    seed: int = 0,
    max_steps: int = 200,
    fps: int = 5,
    dpi: int = 60,
    max_frames: int = 40,
    title: str | None = None,
) -> Any:
    """Play one episode and return it as an inline HTML animation (works headless).

    The env must be made with ``render_mode="rgb_array"``. When the episode has more than
    ``max_frames`` frames, frames are evenly subsampled (first and last kept), so the saved
    notebook stays small.

    Args:
        env: a gymnasium env created with ``render_mode="rgb_array"``.
        policy: a Q-table or action table (Discrete observations), a function
            ``observation -> action``, or None for random actions.
        seed: seed of the env's reset (and of the random actions).
        max_steps: cap on the episode length.
        fps: frames per second of the animation.
        dpi: resolution of each frame; lower is smaller.
        max_frames: most frames kept in the animation.
        title: title above the frames (default: the env id).

    Returns:
        An ``IPython.display.HTML`` object; a notebook shows it as a player.
    """
    from IPython.display import HTML
    from matplotlib import animation

    from livedqn_edu.checkup import headless_render_env

    headless_render_env()
    if getattr(env, "render_mode", None) != "rgb_array":
        raise ValueError(
            f"animate_episode needs an env made with render_mode='rgb_array', got render_mode="
            f"{getattr(env, 'render_mode', None)!r}; use gym.make(env_id, render_mode='rgb_array')"
        )
    act = _action_function(env, policy, seed)
    obs, _ = env.reset(seed=seed)
    frames, captions, total = [env.render()], ["step 0"], 0.0
    for t in range(1, max_steps + 1):
        obs, reward, terminated, truncated, _ = env.step(act(obs))
        total += float(reward)
        frames.append(env.render())
        captions.append(f"step {t}, return {total:g}")
        if terminated or truncated:
            break
    keep = np.unique(np.linspace(0, len(frames) - 1, min(max_frames, len(frames))).round())
    height, width = frames[0].shape[:2]
    scale = 3.2 / max(width, height)  # the longer side is 3.2 inches
    fig, ax = plt.subplots(figsize=(scale * width, scale * height + 0.4), dpi=dpi)
    ax.axis("off")
    image = ax.imshow(frames[0])
    name = title or (env.spec.id if env.spec is not None else type(env.unwrapped).__name__)

    def draw(i: int) -> list[Any]:
        image.set_data(frames[int(keep[i])])
        ax.set_title(f"{name}: {captions[int(keep[i])]}", fontsize=9)
        return [image]

    anim = animation.FuncAnimation(fig, draw, frames=len(keep), interval=1000 / fps)
    html = anim.to_jshtml(fps=fps, default_mode="once")
    plt.close(fig)
    return HTML(html)


def _action_function(env: Any, policy: Any, seed: int) -> Callable[[Any], Any]:
    """``observation -> action`` from a table, a function or None (random, seeded)."""
    if policy is None:
        env.action_space.seed(seed)
        return lambda obs: env.action_space.sample()
    if callable(policy):
        return policy
    from livedqn_edu.dp import discrete_sizes
    from livedqn_edu.tabular import _as_action_fn

    act = _as_action_fn(policy, *discrete_sizes(env))
    return lambda obs: act(int(obs))
