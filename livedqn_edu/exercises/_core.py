"""The machinery shared by every ``check_*`` function: run cases, compare, report.

A checker builds a list of :class:`Case` objects (hand-computed inputs and expected outputs, each
with the likely mistake behind a wrong answer) and hands them to :func:`run_checks`, which calls
the learner's function on each case, prints a clear pass/fail and returns a :class:`CheckResult`
that is truthy only when every case passed.

Nothing a learner's function returns is trusted: the answer is first turned into plain Python or
numpy values (:func:`plain_answer`), so an object that claims to equal everything
(``unittest.mock.ANY``, a custom ``__eq__``) is compared by what it holds, or refused. A function
that raises, returns a generator, a ``map``, a dict, a ragged list, the wrong shape or NaN gives
a ``[FAIL]`` line with a hint, never a traceback. A function that runs longer than the case's
time limit is stopped (``SIGALRM`` in the main thread, where Jupyter runs cells; elsewhere the
checker stops waiting for it) and reported.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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

DEFAULT_TIMEOUT = 10.0
"""Seconds one case may run before the checker stops it (a case may set its own)."""

_CAP: list[float] = []  # stack of caps set by check_timeout()


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
    with the call shows nothing more (``_repr_pretty_`` is empty); ``repr()`` still summarises.
    """

    name: str
    passed: int
    total: int
    failures: list[str]

    def __bool__(self) -> bool:
        return self.passed == self.total

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, passed={self.passed}/{self.total})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Show nothing in IPython: the report was printed already."""


class WrongAnswer(Exception):
    """Raised by a checker's helper when an answer cannot be right; the message is the hint."""


class _TimeLimit(BaseException):
    """Raised inside the learner's function when its time is up (not an ``Exception``, so that a
    learner's ``except Exception`` cannot swallow it)."""


@contextlib.contextmanager
def check_timeout(seconds: float) -> Iterator[None]:
    """Cap every case's time limit at ``seconds`` inside the ``with`` block (tests, slow graders).

    Example:
        >>> with check_timeout(0.5):
        ...     pass  # any check_* called here stops a case after at most 0.5 s
    """
    if not seconds > 0:
        raise ValueError(f"seconds must be > 0, got {seconds!r}")
    _CAP.append(float(seconds))
    try:
        yield
    finally:
        _CAP.pop()


def _limit(case: Case, default: float) -> float:
    limit = case.timeout if case.timeout is not None else default
    return min([limit, *_CAP])


def _call_with_limit(func: Callable[[], Any], seconds: float) -> Any:
    """Call ``func()``, raising :class:`_TimeLimit` if it runs longer than ``seconds``."""
    main = threading.current_thread() is threading.main_thread()
    use_alarm = hasattr(signal, "setitimer") and main
    if use_alarm:

        def on_alarm(signum: int, frame: Any) -> None:
            raise _TimeLimit

        try:
            previous = signal.signal(signal.SIGALRM, on_alarm)
        except ValueError:  # signals unavailable here after all
            use_alarm = False
    if use_alarm:
        old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return func()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if old_delay:  # give back an alarm someone else had set
                signal.setitimer(signal.ITIMER_REAL, old_delay, old_interval)
    # no signals (Windows, or a thread): run it in a helper thread and stop waiting after `seconds`
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # noqa: BLE001  (handed back to the caller below)
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise _TimeLimit
    if "error" in box:
        raise box["error"]
    return box["value"]


# ------------------------------------------------------------------ turning answers into values
_KIND_HINTS = {
    "generator": "it returned a generator: build the whole answer (e.g. np.array([...]) or "
    "sum(...)) instead of yielding it",
    "iterator": "it returned an iterator (a map, filter or zip object): wrap it in np.array(list("
    "...)) or compute the answer with numpy",
    "dict": "it returned a dict: return the number or array itself",
    "set": "it returned a set (sets have no order): return a number or an array",
    "none": "it returned None: did you forget the `return` statement (or return the result of an "
    "in-place operation)?",
    "str": "it returned a string: return the number itself, not its text",
}


def _kind(value: Any) -> str:
    if value is None:
        return "none"
    if inspect.isgenerator(value):
        return "generator"
    if isinstance(value, Mapping):
        return "dict"
    if isinstance(value, (set, frozenset)):
        return "set"
    if isinstance(value, Iterator):
        return "iterator"
    return "other"


def plain_answer(value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` made of plain Python / numpy objects only, or :class:`WrongAnswer`.

    Numbers become ``bool``/``int``/``float`` (numpy scalars keep their numpy type), arrays become
    base ``np.ndarray`` copies, lists and tuples are converted item by item, dicts key by key,
    and objects that expose ``__array__`` (TensorFlow tensors, pandas objects) become arrays. A
    generator, an iterator, or an object of any other type (``unittest.mock.ANY``, a class with a
    custom ``__eq__``) is refused, so a checker never calls the learner's ``__eq__``.
    """
    if depth > 20:
        raise WrongAnswer("the answer is nested too deeply")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, np.generic):
        return np.asarray(value).copy()[()]
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, complex):
        raise WrongAnswer("it returned a complex number: return a real number")
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return [plain_answer(v, depth + 1) for v in value.tolist()]
        return np.array(value, copy=True, subok=False)
    if isinstance(value, (list, tuple)):
        items = [plain_answer(v, depth + 1) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, Mapping):
        return {str(k): plain_answer(v, depth + 1) for k, v in value.items()}
    kind = _kind(value)
    if kind != "other":
        raise WrongAnswer(_KIND_HINTS[kind])
    if hasattr(value, "__array__") and not isinstance(value, type):
        try:
            arr = np.array(value, copy=True, subok=False)
        except Exception as exc:  # noqa: BLE001
            raise WrongAnswer(
                f"it returned a {type(value).__name__} that numpy cannot read "
                f"({type(exc).__name__})"
            ) from None
        if arr.dtype == object:
            raise WrongAnswer(f"it returned a {type(value).__name__} holding non-numbers")
        return arr
    raise WrongAnswer(
        f"it returned an object of type {type(value).__name__}; return a number or a numpy array"
    )


def _numeric(value: Any, what: str) -> np.ndarray:
    """A float64 array of a plain answer, or :class:`WrongAnswer` naming what is wrong."""
    if isinstance(value, (dict, str)) or value is None:
        raise WrongAnswer(
            _KIND_HINTS[
                "dict" if isinstance(value, dict) else "str" if isinstance(value, str) else "none"
            ]
        )
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        if isinstance(value, (list, tuple)):
            raise WrongAnswer(
                f"{what} is a ragged list (rows of different lengths or mixed items); return a "
                "rectangular numpy array"
            ) from None
        raise WrongAnswer(f"{what} is not made of numbers") from None
    return arr


def answer_array(value: Any, what: str = "the answer") -> np.ndarray:
    """A learner's value (a table, an array) as a float64 array copy, or :class:`WrongAnswer`."""
    return _numeric(plain_answer(value), what)


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
    arr = _numeric(got, "the answer")
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
    seconds = _limit(case, default_timeout)
    args = _copy_args(case.args)
    kwargs = dict(zip(case.kwargs, _copy_args(tuple(case.kwargs.values())), strict=True))
    try:
        raw = _call_with_limit(lambda: func(*args, **kwargs), seconds)
    except NotImplementedError:
        return f"{case.description}: not implemented yet (the stub still raises)"
    except _TimeLimit:
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
            raise WrongAnswer(_KIND_HINTS["none"])
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
