"""The machinery shared by every ``check_*`` function: run cases, compare, report.

A checker builds a list of :class:`Case` objects (hand-computed inputs and expected outputs, each
with the likely mistake behind a wrong answer) and hands them to :func:`run_checks`, which calls
the learner's function on each case, prints a clear pass/fail and returns a :class:`CheckResult`
that is truthy only when every case passed.

Nothing a learner's function returns is trusted: the answer is first turned into plain Python or
numpy values (:func:`~livedqn_edu.exercises._answers.plain_answer`), so an object that claims to
equal everything (``unittest.mock.ANY``, a custom ``__eq__``) is compared by what it holds, or
refused. A function that raises, returns a generator, a ``map``, a dict, a ragged list, the wrong
shape or NaN gives a ``[FAIL]`` line with a hint, never a traceback. A function that runs longer
than the case's time limit is stopped and reported (:mod:`livedqn_edu.exercises._timeout`).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from livedqn_edu.exercises._answers import (
    KIND_HINTS,
    WrongAnswer,
    answer_array,
    numeric,
    plain_answer,
)
from livedqn_edu.exercises._timeout import (
    DEFAULT_TIMEOUT,
    TimeLimit,
    call_with_limit,
    check_timeout,
    effective_limit,
)

__all__ = [
    "Case",
    "CheckResult",
    "WrongAnswer",
    "DEFAULT_TIMEOUT",
    "check_timeout",
    "answer_array",
    "plain_answer",
    "run_checks",
    "show_source",
]


@dataclass(frozen=True)
class Case:
    """One hand-computed case for a checker.

    Attributes:
        description: what the case tests, shown to the learner ("terminal transition").
        args: positional arguments passed to the learner's function (deep-copied for each call).
        expected: the right answer: a number, a bool, a string, an array, or a tuple/list of them.
        hint: the likely mistake when this case fails, phrased for the learner.
        kwargs: keyword arguments passed to the learner's function.
        atol: absolute tolerance for numeric comparisons.
        compare: optional ``compare(got, expected) -> bool`` replacing the default comparison;
            it receives the learner's answer already converted by :func:`plain_answer`.
        timeout: seconds this case may run (default :data:`DEFAULT_TIMEOUT`).
    """

    description: str
    args: tuple[Any, ...]
    expected: Any
    hint: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    atol: float = 1e-6
    compare: Callable[[Any, Any], bool] | None = None
    timeout: float | None = None


@dataclass
class CheckResult:
    """Outcome of a checker: truthy when every case passed.

    In a notebook the printed ``[PASS]``/``[FAIL]`` report is the display: a check cell that ends
    with the call shows nothing more (``_ipython_display_`` shows nothing); ``repr()`` still
    summarises.
    """

    name: str
    passed: int
    total: int
    failures: list[str]

    def __bool__(self) -> bool:
        return self.passed == self.total

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, passed={self.passed}/{self.total})"

    def _ipython_display_(self) -> None:
        """Show nothing in IPython: the report was printed already.

        With this hook a cell that ends with the call has no result output at all (an empty
        ``text/plain`` result would make nbgrader's autograder fail on the grade cell).
        """


def _shape_text(shape: tuple[int, ...]) -> str:
    return "a single number" if shape == () else f"shape {shape}"


def _compare_default(got: Any, expected: Any, atol: float) -> str | None:
    """None when ``got`` equals ``expected``; otherwise why not (for the learner)."""
    if isinstance(expected, str):
        if not isinstance(got, str):
            raise WrongAnswer(f"expected a string, it returned a {type(got).__name__}")
        return None if got == expected else "different text"
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(got, (bool, np.bool_)):
            raise WrongAnswer(f"expected True or False, it returned a {type(got).__name__}")
        return None if bool(got) == bool(expected) else "wrong truth value"
    exp = np.asarray(expected, dtype=np.float64)
    arr = numeric(got, "the answer")
    if arr.shape != exp.shape:
        if exp.shape == () and arr.size == 1:
            arr = arr.reshape(())  # a 1-element array where a number is expected is fine
        else:
            raise WrongAnswer(
                f"expected {_shape_text(exp.shape)}, it returned {_shape_text(arr.shape)}"
            )
    bad_nan = np.isnan(arr) & ~np.isnan(exp)
    if bad_nan.any():
        raise WrongAnswer(
            "it returned NaN (not a number): look for 0/0, inf - inf or the mean of nothing"
        )
    same = np.isclose(arr, exp, atol=atol, rtol=0.0, equal_nan=True)
    return None if bool(np.all(same)) else "wrong value"


def _short(value: Any, limit: int = 160) -> str:
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, separator=", ", threshold=20)
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _copy_args(args: Sequence[Any]) -> tuple[Any, ...]:
    """Fresh copies, so a function that mutates its input cannot spoil later cases."""
    out = []
    for a in args:
        try:
            out.append(copy.deepcopy(a))
        except Exception:  # noqa: BLE001  (an uncopyable argument is passed as it is)
            out.append(a.copy() if isinstance(a, np.ndarray) else a)
    return tuple(out)


def _run_case(func: Callable[..., Any], case: Case, default_timeout: float) -> str | None:
    """None when the case passes; else the line reported to the learner."""
    seconds = effective_limit(case.timeout, default_timeout)
    args = _copy_args(case.args)
    kwargs = dict(zip(case.kwargs, _copy_args(tuple(case.kwargs.values())), strict=True))
    try:
        raw = call_with_limit(lambda: func(*args, **kwargs), seconds)
    except NotImplementedError:
        return f"{case.description}: not implemented yet (the stub still raises)"
    except TimeLimit:
        return (
            f"{case.description}: stopped after {seconds:g} s without an answer. Look for a loop "
            "that never ends (a `while` whose condition never changes, an index never advanced)."
        )
    except WrongAnswer as exc:
        return f"{case.description}: {exc}\n     Likely mistake: {case.hint}"
    except Exception as exc:  # noqa: BLE001  (a learner's bug is reported, not raised)
        message = " ".join(str(exc).split())[:200]
        return f"{case.description}: raised {type(exc).__name__}: {message}"
    try:
        got = plain_answer(raw)
        if got is None and case.expected is not None:
            raise WrongAnswer(KIND_HINTS["none"])
        if case.compare is not None:
            ok = case.compare(got, case.expected)
            if not isinstance(ok, (bool, np.bool_)):
                raise WrongAnswer("the comparison gave no clear yes or no")
            problem = None if bool(ok) else "wrong value"
        else:
            problem = _compare_default(got, case.expected, case.atol)
    except WrongAnswer as exc:
        return f"{case.description}: {exc}.\n     Likely mistake: {case.hint}"
    except Exception as exc:  # noqa: BLE001  (an answer the comparison cannot digest)
        return (
            f"{case.description}: the answer could not be compared ({type(exc).__name__}); "
            f"return a number or a numpy array.\n     Likely mistake: {case.hint}"
        )
    if problem is None:
        return None
    return (
        f"{case.description}: expected {_short(case.expected)}, got {_short(got)}.\n"
        f"     Likely mistake: {case.hint}"
    )


def run_checks(
    name: str,
    func: Callable[..., Any],
    cases: Sequence[Case],
    timeout: float = DEFAULT_TIMEOUT,
) -> CheckResult:
    """Run ``func`` on every case, print a pass/fail report, return the result.

    An exception inside the learner's function (``NotImplementedError`` from a stub included),
    an answer of the wrong type or shape, NaN, or a function that runs past its time limit
    counts as a failed case and is reported in one line, never as a stack trace.

    Args:
        name: the exercise's name, printed in the report.
        func: the learner's function.
        cases: the hand-computed cases.
        timeout: seconds per case unless the case sets its own.
    """
    if not callable(func):
        failures = [
            f"expected your function itself, got a {type(func).__name__} ({_short(func, 60)}): "
            f"pass the function's name without calling it, e.g. check_...(my_function)"
        ]
        result = CheckResult(name, 0, max(len(cases), 1), failures)
    else:
        failures = [line for case in cases if (line := _run_case(func, case, timeout)) is not None]
        result = CheckResult(name, len(cases) - len(failures), len(cases), failures)
    if result:
        print(f"[PASS] {name}: all {result.total} cases right.")
    else:
        print(f"[FAIL] {name}: {result.passed}/{result.total} cases right.")
        for line in result.failures:
            print(f"  - {line}")
    return result


def show_source(obj: Any) -> None:
    """Display the source code of a function or class of the package, highlighted in Jupyter.

    Outside Jupyter the source is printed as plain text.
    """
    try:
        source = inspect.getsource(obj)
    except (TypeError, OSError) as exc:
        raise TypeError(
            f"show_source needs a function, class or module defined in Python, got {obj!r} ({exc})"
        ) from None
    try:
        from IPython import get_ipython
        from IPython.display import Code, display

        if get_ipython() is not None:
            display(Code(source, language="python"))
            return
    except ImportError:
        pass
    print(source)
