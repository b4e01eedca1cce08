"""Where the source article's printed code stops, since when, and what its install line gives.

:data:`ARTICLE_BREAKS` lists, in the order a run meets them, the places where the article's code
raises an error on the course's stack (gymnasium 1.x, Keras 3, NumPy 2). Each is one of three
kinds:

- ``day one``: the code was already wrong the day it was published, whatever the library
  versions (a name the script never defines, a numpy call that never accepted this input);
- ``drift``: the code matched the libraries of its day (assuming it was written before gym 0.26,
  September 2022, and Keras 3, March 2024: the article carries no date), and a later release
  changed them;
- ``course``: the stop comes from the course's own substitution of gymnasium for gym; the
  article's own install line (gym 0.26.2) does not stop there (:data:`GYM_026_RECORD`).

The ``key`` of each entry names its fix in :class:`livedqn_edu.article.DQN` and
:func:`livedqn_edu.article.article_loop`. Three facts cannot be re-run at notebook time (they need
packages the course does not install), so they were observed once and are stored here as data,
with versions and date: :data:`GYM_026_RECORD` (the article's own ``pip install tensorflow gym``,
today), :data:`GYM_026_CHECKER_RECORD` (where exactly gym 0.26.2 fails with NumPy 2, and how it
steps without its environment checker) and :data:`NUMPY_123_RECORD` (``np.random.choice`` on the
article's memory in NumPy 1.23).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ARTICLE_BREAKS",
    "ARTICLE_CODE_LINES",
    "Breakage",
    "GYM_026_CHECKER_RECORD",
    "GYM_026_RECORD",
    "NUMPY_123_RECORD",
    "ObservedRun",
    "show_error",
]

ARTICLE_CODE_LINES = (41, 19)
"""Non-blank lines of the article's two Python listings (the class, the loop): 60 in all."""


@dataclass(frozen=True)
class Breakage:
    """One place where the article's code, run as printed, raises an error."""

    key: str
    """Name of the fix in ``DQN(fixes=...)`` / ``article_loop(fixes=...)``."""
    line: str
    """The article's line, quoted."""
    where: str
    """Where the line sits in the article's code."""
    kind: str
    """``day one`` (wrong when published), ``drift`` (a later library release broke it) or
    ``course`` (only with the course's gymnasium, not with the article's own install line)."""
    error: str
    """What is raised today (gymnasium 1.4, Keras 3.15, NumPy 2.4)."""
    why: str
    """Why, in plain words."""
    fix: str
    """The smallest change that makes it run (what ``fixes`` does)."""


ARTICLE_BREAKS: tuple[Breakage, ...] = (
    Breakage(
        "gym",
        "import gym",
        "training loop, first line",
        "course",
        "ModuleNotFoundError: No module named 'gym'",
        "The course installs gymnasium, the maintained successor of gym, and not gym itself. With "
        "the article's own install line gym 0.26.2 is installed and this line works (the stored "
        "record below).",
        "import gymnasium as gym",
    ),
    Breakage(
        "units",
        "model.add(Dense(self.action_size, activation='linear'))",
        "DQN.build_model, output layer",
        "course",
        "ValueError: Received an invalid value for `units`, expected a positive integer",
        "gymnasium stores Discrete.n as a numpy int64 (gym 0.26 keeps a Python int, so the "
        "article's own install line passes here), and Keras 3 accepts only a Python int as a "
        "layer size.",
        "Dense(int(self.action_size), ...)",
    ),
    Breakage(
        "lr",
        "optimizer=Adam(lr=self.learning_rate))",
        "DQN.build_model, compile",
        "drift",
        "ValueError: Argument(s) not recognized: {'lr': 0.001}",
        "Keras 2 up to 2.10 took `lr` as an old name of learning_rate; Keras 2.11 to 2.15 warned "
        "and ignored it, falling back to the default 0.001 (the article's value, so no harm); "
        "Keras 3 (TensorFlow 2.16 and later) refuses it.",
        "Adam(learning_rate=self.learning_rate)",
    ),
    Breakage(
        "reset",
        "state = np.reshape(state, [1, state_size])",
        "training loop, after state = env.reset()",
        "drift",
        "ValueError: setting an array element with a sequence ... inhomogeneous shape",
        "Since gym 0.26 (and in gymnasium) reset() returns a pair (observation, info), and the "
        "pair cannot be reshaped to (1, 4).",
        "state, _ = env.reset()",
    ),
    Breakage(
        "step",
        "next_state, reward, done, _ = env.step(action)",
        "training loop, each step",
        "drift",
        "ValueError: too many values to unpack (expected 4)",
        "Since gym 0.26 step() returns five values: `done` was split into terminated (the task "
        "ended) and truncated (a time limit cut the episode).",
        "next_state, reward, terminated, truncated, _ = env.step(action); "
        "done = terminated or truncated",
    ),
    Breakage(
        "batch_size",
        "if len(agent.memory) > batch_size:",
        "training loop, after each stored transition",
        "day one",
        "NameError: name 'batch_size' is not defined",
        "Neither listing defines a variable batch_size: the class has self.batch_size = 32 and "
        "the default of train(self, batch_size=32), the loop reads a name that does not exist.",
        "if len(agent.memory) > agent.batch_size:",
    ),
    Breakage(
        "choice",
        "minibatch = np.random.choice(self.memory, batch_size)",
        "DQN.train, first line",
        "day one",
        "ValueError: setting an array element with a sequence ... inhomogeneous shape",
        "np.random.choice samples from a 1-D array; a list of (state, action, reward, "
        "next_state, done) tuples is not one. NumPy 1.23 refused it as 'a must be "
        "1-dimensional' (observed, stored below); since 1.24 NumPy cannot even build the array.",
        "draw indices: [self.memory[i] for i in np.random.choice(len(self.memory), batch_size)]",
    ),
)
"""The seven places, in the order a run on today's stack meets them."""


@dataclass(frozen=True)
class ObservedRun:
    """A run that cannot be repeated inside the course, observed once and stored as data."""

    what: str
    """What was run."""
    versions: dict[str, str]
    """Package versions of the run."""
    date: str
    """Date of the observation (ISO)."""
    stops: tuple[tuple[str, str], ...]
    """(where, what was raised or printed), in order."""
    note: str
    """How it was run and what it means."""


GYM_026_RECORD = ObservedRun(
    what="the article's install line today, `pip install tensorflow gym`, then its code",
    versions={
        "python": "3.11.7",
        "tensorflow": "2.21.0",
        "keras": "3.15.1",
        "numpy": "2.4.6",
        "gym": "0.26.2",
    },
    date="2026-12-01",
    stops=(
        (
            "import gym",
            "works, and prints: Gym has been unmaintained since 2022 and does not support "
            "NumPy 2.0 amongst other critical functionality. Please upgrade to Gymnasium ...",
        ),
        ("Dense(self.action_size, ...)", "works: gym 0.26 keeps Discrete.n a Python int"),
        ("Adam(lr=self.learning_rate)", "ValueError: Argument(s) not recognized: {'lr': 0.001}"),
        (
            "state = np.reshape(state, [1, state_size])",
            "ValueError: setting an array element with a sequence ... inhomogeneous shape",
        ),
        (
            "env.step(action)",
            "AttributeError: module 'numpy' has no attribute 'bool8' (gym's environment "
            "checker, on the first step), with the article's four-value unpacking and with the "
            "five-value one alike",
        ),
    ),
    note="These are the versions `pip install --dry-run tensorflow gym` resolves in a fresh "
    "Python 3.11 environment (the course's own, plus gym 0.26.2, the last gym release, with "
    "gym-notices 0.1.0 and cloudpickle 3.1.3, installed outside the course's environment). "
    "Run: livedqn_edu.article.reproduce_breaks(seed=0) with gym importable. The first env.step "
    "fails inside the environment checker that gym.make wraps around every env by default "
    "(PassiveEnvChecker calls np.bool8, which NumPy 2 removed), whatever the script unpacks. "
    "The checker is the only user of np.bool8 in gym 0.26.2: "
    "gym.make('CartPole-v1', disable_env_checker=True) steps normally "
    "(GYM_026_CHECKER_RECORD).",
)
"""The article's code with the packages its own install line resolves to today."""

GYM_026_CHECKER_RECORD = ObservedRun(
    what="gym 0.26.2 with NumPy 2: CartPole with and without gym's environment checker",
    versions={"python": "3.11.7", "numpy": "2.4.6", "gym": "0.26.2"},
    date="2026-12-01",
    stops=(
        (
            "env = gym.make('CartPole-v1')",
            "TimeLimit<OrderEnforcing<PassiveEnvChecker<CartPoleEnv>>>: the checker is on",
        ),
        (
            "env.reset(seed=0); env.step(0)",
            "AttributeError: module 'numpy' has no attribute 'bool8'",
        ),
        (
            "env = gym.make('CartPole-v1', disable_env_checker=True)",
            "TimeLimit<OrderEnforcing<CartPoleEnv>>: no checker",
        ),
        (
            "env.reset(seed=0); env.step(0); random actions to the end",
            "works: step returns five values, and the episode ran to its end (43 steps, "
            "terminated); action_space.n is a Python int",
        ),
    ),
    note="gym 0.26.2 and NumPy 2.4.6 alone (no TensorFlow), in a fresh Python 3.11 venv outside "
    "the course's environment (pip install gym==0.26.2 numpy). A search of every .py file of "
    "the installed gym found np.bool8 only in gym/utils/passive_env_checker.py.",
)
"""Where gym 0.26.2 fails with NumPy 2, and that it steps without its environment checker."""

NUMPY_123_RECORD = ObservedRun(
    what="np.random.choice(memory, 32) on 40 of the article's transition tuples",
    versions={"python": "3.11.7", "numpy": "1.23.5"},
    date="2026-12-01",
    stops=(
        (
            "np.random.choice(memory, 32)",
            "VisibleDeprecationWarning: Creating an ndarray from ragged nested sequences ... "
            "then ValueError: a must be 1-dimensional",
        ),
    ),
    note="NumPy 1.23.5 wheel for Python 3.11, installed outside the course's environment. "
    "Before 1.24 NumPy built a (40, 5) object array from the list, which np.random.choice "
    "refuses because it is 2-D: the call failed in every NumPy version.",
)
"""``np.random.choice`` on the article's memory with a NumPy from before 1.24."""


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
        text = f"raised {describe_exception(exc)}"
    else:
        shown = repr(value)
        text = f"ran fine and returned {shown[:160]}"
    print(text)
    return text


def describe_exception(exc: BaseException, width: int = 160) -> str:
    """``"ErrorType: first line of the message"``, cut to ``width`` characters."""
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    if len(message) > width:
        message = message[: width - 3] + "..."
    return f"{type(exc).__name__}: {message}"
