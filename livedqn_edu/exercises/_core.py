"""The machinery shared by every ``check_*`` function: run cases, compare, report.

A checker builds a list of :class:`Case` objects (hand-computed inputs and expected outputs, each
with the likely mistake behind a wrong answer) and hands them to :func:`run_checks`, which calls
the learner's function on each case, prints a clear pass/fail and returns a :class:`CheckResult`
that is truthy only when every case passed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Case", "CheckResult", "run_checks", "show_source"]


@dataclass(frozen=True)
class Case:
    """One hand-computed case for a checker.

    Attributes:
        description: what the case tests, shown to the learner ("terminal transition").
        args: positional arguments passed to the learner's function.
        expected: the right answer (a number, an array, or anything ``==`` compares).
        hint: the likely mistake when this case fails, phrased for the learner.
        kwargs: keyword arguments passed to the learner's function.
        atol: absolute tolerance for numeric comparisons.
        compare: optional ``compare(got, expected) -> bool`` replacing the default comparison.
    """

    description: str
    args: tuple[Any, ...]
    expected: Any
    hint: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    atol: float = 1e-6
    compare: Callable[[Any, Any], bool] | None = None


@dataclass
class CheckResult:
    """Outcome of a checker: truthy when every case passed."""

    name: str
    passed: int
    total: int
    failures: list[str]

    def __bool__(self) -> bool:
        return self.passed == self.total

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, passed={self.passed}/{self.total})"


def _close(got: Any, expected: Any, atol: float) -> bool:
    try:
        got_arr = np.asarray(got, dtype=float)
        exp_arr = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return bool(got == expected)
    if got_arr.shape != exp_arr.shape:
        return False
    return bool(np.allclose(got_arr, exp_arr, atol=atol, rtol=0.0))


def _copy_args(args: Sequence[Any]) -> tuple[Any, ...]:
    # give each case fresh copies so a function that mutates its input cannot spoil later cases
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def run_checks(name: str, func: Callable[..., Any], cases: Sequence[Case]) -> CheckResult:
    """Run ``func`` on every case, print a pass/fail report, return the result.

    An exception inside the learner's function (``NotImplementedError`` from a stub included)
    counts as a failed case and is reported in one line, never as a stack trace.
    """
    if not callable(func):
        raise TypeError(f"{name} expects a function, got {type(func).__name__}: {func!r}")
    failures: list[str] = []
    for case in cases:
        try:
            got = func(*_copy_args(case.args), **case.kwargs)
        except NotImplementedError:
            failures.append(f"{case.description}: not implemented yet (the stub still raises)")
            continue
        except Exception as exc:  # noqa: BLE001  (a learner's bug is reported, not raised)
            failures.append(f"{case.description}: raised {type(exc).__name__}: {exc}")
            continue
        ok = (
            case.compare(got, case.expected)
            if case.compare
            else _close(got, case.expected, case.atol)
        )
        if not ok:
            failures.append(
                f"{case.description}: expected {case.expected!r}, got {got!r}.\n"
                f"     Likely mistake: {case.hint}"
            )
    result = CheckResult(name, len(cases) - len(failures), len(cases), failures)
    if result:
        print(f"[PASS] {name}: all {result.total} cases right.")
    else:
        print(f"[FAIL] {name}: {result.passed}/{result.total} cases right.")
        for line in failures:
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
