"""Turn a checker's verdict into a grade: the helper that nbgrader's hidden tests call.

A ``check_*`` function prints ``[PASS]``/``[FAIL]`` and returns a result that is truthy only
when every case passed; it never raises, so that a learner in self-study always sees the whole
report. nbgrader, though, gives a test cell its points unless the cell raises. Each graded
check cell of the course therefore starts with a hidden block (written by
``livedqn-edu classroom prepare``; nbgrader removes it from the students' copies)::

    ### BEGIN HIDDEN TESTS
    from livedqn_edu.exercises.grading import must_pass

    must_pass("check_td_targets", td_targets)
    ### END HIDDEN TESTS
    check_td_targets(td_targets)

:func:`must_pass` looks the checker up by name in :mod:`livedqn_edu.exercises` (so a
submission that redefines ``check_td_targets`` cannot grade itself), runs it without printing
and raises ``AssertionError`` naming the failed cases. The visible call then prints the usual
report.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

__all__ = ["must_pass"]


def must_pass(checker: str, *args: Any, **kwargs: Any) -> None:
    """Run the named checker silently; raise ``AssertionError`` unless every case passed.

    Args:
        checker: the name of a ``check_*`` function of :mod:`livedqn_edu.exercises`.
        *args: what the notebook passes to that checker (the learner's function...).
        **kwargs: keyword arguments for the checker.

    Raises:
        ValueError: when ``checker`` names no checker.
        AssertionError: when a case failed; the message lists the failures.
    """
    import livedqn_edu.exercises as exercises

    func = getattr(exercises, checker, None) if checker.startswith("check_") else None
    if not callable(func):
        raise ValueError(f"{checker!r} is not a checker of livedqn_edu.exercises")
    # no output: the visible call prints the report; warnings would reach stderr, and nbgrader
    # gives no points to a test cell that writes to stderr
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = func(*args, **kwargs)
    if not bool(result):
        lines = [f"{checker}: {result.passed}/{result.total} cases right"]
        lines += [f"  - {failure}" for failure in result.failures]
        raise AssertionError("\n".join(lines))
