"""Checkers for lesson 03: find and fix the bugs of the article's agent.

- :func:`check_bootstrap_target`: the one-sample target that keeps the two endings of an episode
  apart (the article's single ``done`` stops bootstrapping at the time limit too).
- :func:`check_sample_minibatch`: a minibatch drawn from a list of transition tuples (the
  article's ``np.random.choice(self.memory, batch_size)`` cannot do it).
- :func:`check_batch_targets`: the article's per-sample ``target_f`` for a whole minibatch at
  once, as a ``(B, n_actions)`` array to fit.

Every comparison converts the learner's answer to plain floats first, so an object that claims
to equal everything (``unittest.mock.ANY``) fails like any other wrong answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, run_checks

__all__ = ["check_batch_targets", "check_bootstrap_target", "check_sample_minibatch"]


def _number_close(got: Any, expected: float, atol: float = 1e-6) -> bool:
    """True if ``got`` is a real number (not a bool) within ``atol`` of ``expected``."""
    if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind in "iuf":
        got = got.item()  # a 0-d array, e.g. from np.where
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.number)):
        return False
    value = float(got)
    return math.isfinite(value) and abs(value - expected) <= atol


def _array_close(got: Any, expected: np.ndarray, atol: float = 1e-5) -> bool:
    """True if ``got`` is a numeric array (or nested list) of ``expected``'s shape and values."""
    if not isinstance(got, (np.ndarray, list, tuple)):
        return False
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    return arr.shape == expected.shape and bool(np.allclose(arr, expected, atol=atol, rtol=0.0))


# --- 1. the target at the end of an episode ----------------------------------------------------
_MERGED = (
    "your target stops bootstrapping on truncation too: that is the article's merged `done`. "
    "Only `terminated` ends the future; a time limit does not, so use "
    "reward + gamma * max(next_q) when only `truncated` is True"
)


def _target_cases() -> list[Case]:
    def case(text: str, args: tuple[Any, ...], expected: float, hint: str) -> Case:
        return Case(text, args, expected, hint, compare=_number_close)

    return [
        case(
            "ordinary step: r=1, next_q=[2, 5], gamma=0.9",
            (1.0, [2.0, 5.0], False, False, 0.9),
            5.5,  # 1 + 0.9 * max(2, 5) = 1 + 4.5 = 5.5
            "bootstrap with the *largest* next Q-value: reward + gamma * max(next_q)",
        ),
        case(
            "terminated: r=-1, next_q=[2, 5]",
            (-1.0, [2.0, 5.0], True, False, 0.9),
            -1.0,  # the pole fell: no future, target = reward
            "a terminated transition has no next state worth anything: return the reward alone",
        ),
        case(
            "truncated by the time limit: r=1, next_q=[3, 2], gamma=0.95",
            (1.0, [3.0, 2.0], False, True, 0.95),
            3.85,  # 1 + 0.95 * 3 = 3.85
            _MERGED,
        ),
        case(
            "terminated and truncated on the same step: r=0.5",
            (0.5, [3.0, 2.0], True, True, 0.95),
            0.5,  # termination wins: no future
            "when `terminated` is True the target is the reward, whatever `truncated` says",
        ),
        case(
            "negative Q-values: r=0, next_q=[-4, -2], gamma=0.5",
            (0.0, [-4.0, -2.0], False, False, 0.5),
            -1.0,  # 0 + 0.5 * max(-4, -2) = -1
            "use max(next_q), not the sum, the mean or the absolute value; return a number",
        ),
    ]


def check_bootstrap_target(func: Callable[..., Any]) -> CheckResult:
    """Check ``func(reward, next_q, terminated, truncated, gamma) -> float``.

    ``next_q`` is the list of Q-values of the next state, one per action.
    """
    return run_checks("bootstrap_target", func, _target_cases())


# --- 2. sampling a minibatch from the article's memory -----------------------------------------
def _memory(n: int) -> list[tuple[np.ndarray, int, float, np.ndarray, bool]]:
    """``n`` distinct transitions shaped like the article's: (1, 4) states, int, float, bool."""
    return [
        (np.full((1, 4), float(i)), i % 2, float(i), np.full((1, 4), i + 1.0), i % 7 == 6)
        for i in range(n)
    ]


def _index_of(item: Any, memory: Sequence[tuple[Any, ...]]) -> int | None:
    """Position in ``memory`` of the transition ``item`` is (the tuple itself), else None."""
    for i, transition in enumerate(memory):
        if item is transition:
            return i
    return None


class _MinibatchProbe:
    """Calls the learner's ``sample_minibatch`` and returns ``"ok"`` or what went wrong."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func

    def draw(self, memory: list[Any], batch_size: int, rng: np.random.Generator) -> list[int]:
        """One call; the drawn positions in ``memory``, or ValueError saying what is wrong."""
        try:
            got = self.func(memory, batch_size, rng)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001  (a learner's error becomes a verdict)
            raise ValueError(f"your function raised {type(exc).__name__}: {exc}") from None
        if not isinstance(got, (list, tuple)):
            raise ValueError(f"return a list of transitions, got {type(got).__name__}")
        if len(got) != batch_size:
            raise ValueError(f"return batch_size={batch_size} transitions, got {len(got)}")
        picks = [_index_of(item, memory) for item in got]
        if None in picks:
            raise ValueError(
                "each item must be one of memory's (state, action, reward, next_state, done) "
                "tuples itself, not an index, a copy or a column"
            )
        return [int(p) for p in picks]

    def __call__(self, test: str, n: int, batch_size: int) -> str:
        memory = _memory(n)
        original = list(memory)
        try:
            verdict = getattr(self, f"_{test}")(memory, batch_size)
        except ValueError as exc:
            return str(exc)
        if len(memory) != n or any(a is not b for a, b in zip(memory, original, strict=True)):
            return "your function changed memory (its order or length): sample, do not shuffle"
        return verdict

    def _shape(self, memory: list[Any], batch_size: int) -> str:
        self.draw(memory, batch_size, np.random.default_rng(0))
        return "ok"

    def _seeded(self, memory: list[Any], batch_size: int) -> str:
        a = self.draw(memory, batch_size, np.random.default_rng(7))
        b = self.draw(memory, batch_size, np.random.default_rng(7))
        return "ok" if a == b else "two generators seeded alike gave different minibatches"

    def _uniform(self, memory: list[Any], batch_size: int) -> str:
        rng = np.random.default_rng(3)
        counts = np.zeros(len(memory))
        draws, distinct = 400, 0
        for _ in range(draws):
            picks = self.draw(memory, batch_size, rng)
            np.add.at(counts, picks, 1)
            distinct += len(set(picks))
        if distinct / draws < batch_size / 2:  # uniform draws of 8 from 20: 6.7 distinct on average
            return f"your minibatches hold {distinct / draws:.1f} distinct transitions on average"
        expected = draws * batch_size / len(memory)  # 400 * 8 / 20 = 160 draws per transition
        if counts.min() < 0.6 * expected or counts.max() > 1.4 * expected:
            low, high = int(counts.min()), int(counts.max())
            return (
                f"over {draws} minibatches some transitions were drawn {low}, others {high} times"
            )
        return "ok"


_SAMPLE_HINT = (
    "np.random.choice cannot sample a list of tuples; draw positions with the rng you are given, "
    "e.g. rng.integers(len(memory), size=batch_size), and return [memory[i] for i in them]"
)


def check_sample_minibatch(func: Callable[..., Any]) -> CheckResult:
    """Check ``func(memory, batch_size, rng) -> list`` of ``batch_size`` transitions.

    ``memory`` is a list of the article's ``(state, action, reward, next_state, done)`` tuples;
    each returned item must be one of them, drawn uniformly at random with ``rng`` (with or
    without replacement), leaving ``memory`` as it was.
    """
    probe = _MinibatchProbe(func)
    same = {"compare": lambda got, expected: isinstance(got, str) and got == expected}
    cases = [
        Case("a minibatch of 4 from 10 transitions", ("shape", 10, 4), "ok", _SAMPLE_HINT, **same),
        Case(
            "the same seed gives the same minibatch",
            ("seeded", 10, 4),
            "ok",
            "use only the `rng` argument (not np.random or random), so that runs can be repeated",
            **same,
        ),
        Case(
            "400 minibatches of 8 from 20 transitions cover them evenly",
            ("uniform", 20, 8),
            "ok",
            "draw from the whole memory, uniformly: not its first or last transitions, not the "
            "same one repeated",
            **same,
        ),
    ]
    return run_checks("sample_minibatch", probe, cases)


# --- 3. the article's target_f for a whole minibatch -------------------------------------------
def _targets_cases() -> list[Case]:
    q = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    next_q = np.array([[10.0, 0.0], [0.0, 20.0], [30.0, 40.0]])

    def case(text: str, args: tuple[Any, ...], expected: list[list[float]], hint: str) -> Case:
        return Case(text, args, np.array(expected), hint, compare=_array_close)

    return [
        case(
            "3 transitions, actions [0, 1, 0], none terminated, gamma=0.5",
            (q, next_q, np.array([0, 1, 0]), np.array([1.0, 1.0, 1.0]), np.zeros(3), 0.5),
            # row 0: Q(s,0) <- 1 + 0.5*10 = 6; row 1: Q(s,1) <- 1 + 0.5*20 = 11;
            # row 2: Q(s,0) <- 1 + 0.5*40 = 21; the other entries keep the predicted Q
            [[6.0, 2.0], [3.0, 11.0], [21.0, 6.0]],
            "replace only q[i, actions[i]] in row i (q[np.arange(B), actions] = ...); "
            "q[:, actions] = ... writes whole columns",
        ),
        case(
            "the same action in two rows: actions [1, 1, 0]",
            (q, next_q, np.array([1, 1, 0]), np.array([0.0, 0.0, 0.0]), np.zeros(3), 1.0),
            # row 0: 0 + 10 = 10 at a=1; row 1: 0 + 20 = 20 at a=1; row 2: 0 + 40 = 40 at a=0
            [[1.0, 10.0], [3.0, 20.0], [40.0, 6.0]],
            "index rows and actions together: target_f[np.arange(B), actions] = targets",
        ),
        case(
            "the middle transition terminated: r = [1, -1, 1], gamma=0.9",
            (q, next_q, np.array([1, 0, 1]), np.array([1.0, -1.0, 1.0]), np.array([0, 1, 0]), 0.9),
            # row 0: 1 + 0.9*10 = 10 at a=1; row 1: terminated, -1 at a=0; row 2: 1 + 0.9*40 = 37
            [[1.0, 10.0], [-1.0, 4.0], [5.0, 37.0]],
            "no bootstrap where terminated is 1: multiply the max by (1 - terminated)",
        ),
        case(
            "each row bootstraps from its own next state",
            (q, next_q[::-1].copy(), np.array([0, 0, 0]), np.zeros(3), np.zeros(3), 1.0),
            # next_q reversed: row maxima 40, 20, 10 -> Q(s,0) of rows 0, 1, 2 = 40, 20, 10
            [[40.0, 2.0], [20.0, 4.0], [10.0, 6.0]],
            "take the max over actions per row (axis=1), not over the whole batch",
        ),
    ]


def check_batch_targets(func: Callable[..., Any]) -> CheckResult:
    """Check ``func(q, next_q, actions, rewards, terminated, gamma) -> (B, n_actions) array``.

    ``q`` and ``next_q`` are ``(B, n_actions)`` predicted Q-values of the states and next states;
    ``actions``, ``rewards``, ``terminated`` are ``(B,)``. The answer is ``q`` with entry
    ``[i, actions[i]]`` replaced by ``rewards[i] + gamma * (1 - terminated[i]) * max(next_q[i])``.
    """
    return run_checks("batch_targets", func, _targets_cases())
