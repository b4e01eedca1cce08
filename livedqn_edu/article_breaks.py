"""Where the source article's printed code stops on today's libraries, and a helper to show it.

Lesson 03 lists these seven places (in the order a learner meets them when running the printed
script on gymnasium 1.x and Keras 3) and triggers the cheap ones live with :func:`show_error`.
The text is the course's own description; the fixes are what :class:`~livedqn_edu.article.
ArticleAgent` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["ARTICLE_BREAKS", "Breakage", "show_error"]


@dataclass(frozen=True)
class Breakage:
    """One place where the article's printed code stops on today's libraries."""

    line: str
    """The construct as it appears in the printed code (a short fragment)."""
    error: str
    """What Python, Keras or gymnasium raises today."""
    why: str
    """Why it fails, in plain words."""
    fix: str
    """The smallest change that makes it run (what :class:`ArticleAgent` does)."""


ARTICLE_BREAKS: tuple[Breakage, ...] = (
    Breakage(
        "import gym",
        "ModuleNotFoundError: No module named 'gym'",
        "The gym package is no longer maintained; its successor is gymnasium, with a new API.",
        "import gymnasium as gym",
    ),
    Breakage(
        "Dense(env.action_space.n)",
        "ValueError from Keras: units must be a positive integer",
        "gymnasium stores Discrete.n as a numpy int64; Keras 3 accepts only a Python int.",
        "Dense(int(env.action_space.n))",
    ),
    Breakage(
        "Adam(lr=...)",
        "ValueError: Argument(s) not recognized: {'lr': ...}",
        "Keras 3 removed the old `lr` alias; the argument is called learning_rate.",
        "Adam(learning_rate=1e-3)",
    ),
    Breakage(
        "state = env.reset()",
        "ValueError when the result is reshaped to (1, 4)",
        "reset() now returns a pair (observation, info), not the observation alone.",
        "state, info = env.reset(seed=...)",
    ),
    Breakage(
        "next_state, reward, done, _ = env.step(action)",
        "ValueError: too many values to unpack (expected 4)",
        "step() now returns five values: terminated and truncated replaced the single done.",
        "obs, reward, terminated, truncated, info = env.step(action)",
    ),
    Breakage(
        "agent.replay(batch_size)",
        "NameError: name 'batch_size' is not defined",
        "The training loop uses a batch_size variable that the printed script never defines.",
        "batch_size = 32 before the loop",
    ),
    Breakage(
        "np.random.choice(self.memory, batch_size)",
        "ValueError: setting an array element with a sequence (inhomogeneous shape)",
        "numpy cannot turn a list of (state, action, ...) tuples holding arrays into one array "
        "to sample from (with scalar states it fails instead with 'a must be 1-dimensional').",
        "draw indices: idx = rng.integers(len(memory), size=batch_size)",
    ),
)
"""The seven places, in the order a learner meets them, where the printed code stops today."""


def show_error(func: Callable[[], Any]) -> str:
    """Call ``func()`` and describe what happened in one line (for try-it-live notebook cells).

    Args:
        func: a callable taking no argument, e.g. ``lambda: keras.optimizers.Adam(lr=1e-3)``.

    Returns:
        ``"raised ErrorType: message"`` (first line of the message, at most 160 characters), or
        ``"ran fine and returned <repr>"``. The text is also printed.
    """
    try:
        value = func()
    except Exception as exc:  # noqa: BLE001  (showing the error is the point)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        if len(message) > 160:
            message = message[:157] + "..."
        text = f"raised {type(exc).__name__}: {message}"
    else:
        shown = repr(value)
        text = f"ran fine and returned {shown[:160]}"
    print(text)
    return text
