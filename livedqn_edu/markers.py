"""The exercise convention of the course notebooks, read strictly.

An exercise is a code cell with solution code between two marker lines, the instruction as
comment lines right above the first marker, and the NEXT code cell calling a ``check_*``
function of :mod:`livedqn_edu.exercises`::

    def discounted_return(rewards, gamma):
        # Exercise 1: return the sum over t of gamma**t * rewards[t].
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

    # next cell
    check_discounted_return(discounted_return)

The markers are nbgrader's, spelled exactly ``### BEGIN SOLUTION`` / ``### END SOLUTION`` (and
``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` in check cells), each alone on its line.
Everything that builds a student version reads notebooks through :func:`validate`, which refuses
anything that could let a solution through: a marker with trailing text (``# noqa``), a
near-miss spelling (``###BEGIN SOLUTION``, lower case, nbgrader's looser ``# BEGIN SOLUTION``),
unbalanced or nested blocks, marker text in cell or notebook metadata, and solution blocks in
markdown or raw cells (a markdown *example* of the convention, with only ``...`` between the
markers, is allowed).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SOLUTION_BEGIN",
    "SOLUTION_END",
    "HIDDEN_BEGIN",
    "HIDDEN_END",
    "MarkerError",
    "Exercise",
    "instruction",
    "spans",
    "validate",
    "find_check_call",
    "find_exercises",
]

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
_MARKERS = {SOLUTION_BEGIN, SOLUTION_END, HIDDEN_BEGIN, HIDDEN_END}
# a marker however it is spelled: any case, any run of '#', spaces, '_' or '-' in between
_LOOSE = re.compile(r"(?<![a-z])(BEGIN|END)[\s_\-]*(SOLUTION|HIDDEN[\s_\-]*TESTS)", re.I)
# a markdown/raw line that opens or closes a block: the marker words start the line
_LOOSE_LINE = re.compile(r"^\s*#*\s*(BEGIN|END)[\s_\-]*(SOLUTION|HIDDEN[\s_\-]*TESTS)\b", re.I)
_EXAMPLE_BODY = {"", "...", "pass", "# ..."}


class MarkerError(ValueError):
    """A notebook breaks the exercise convention; the message names the cell, line and fix."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: the solution cell and the check cell right after it."""

    solution: int
    """index of the code cell holding the solution block(s)"""
    check: int
    """index of the next code cell, the one that calls the checker"""
    checker: str
    """the checker's name, e.g. ``check_discounted_return``"""
    arguments: str
    """the source of the checker call's arguments, e.g. ``discounted_return``"""
    instruction: str
    """the comment lines above the first ``### BEGIN SOLUTION``, joined into one sentence"""


def instruction(lines: list[str]) -> str:
    """The comment lines right above a BEGIN marker (given the lines before it), as one text."""
    text = []
    for line in reversed(lines):
        stripped = line.strip()
        if not stripped.startswith("#") or stripped.startswith("# NBVAL"):
            break
        text.append(stripped.lstrip("#").strip())
    joined = " ".join(reversed([t for t in text if t]))
    return joined or "complete this exercise"


def _near_miss(line: str) -> bool:
    return line.strip() not in _MARKERS and bool(_LOOSE.search(line))


def spans(source: str, begin: str, end: str, where: str) -> list[tuple[int, int]]:
    """The ``(begin, end)`` 0-based line numbers of each block between exact marker lines.

    Raises:
        MarkerError: for an END without BEGIN, a BEGIN never closed, or nested blocks.
    """
    found, start = [], None
    for number, line in enumerate(source.splitlines()):
        stripped = line.strip()
        if stripped == begin:
            if start is not None:
                raise MarkerError(f"{where}, line {number + 1}: nested '{begin}'")
            start = number
        elif stripped == end:
            if start is None:
                raise MarkerError(f"{where}, line {number + 1}: '{end}' without '{begin}'")
            found.append((start, number))
            start = None
    if start is not None:
        raise MarkerError(f"{where}, line {start + 1}: '{begin}' is never closed by '{end}'")
    return found


def _check_text_cell(source: str, where: str) -> None:
    """Markdown/raw cells may show the convention, but only with ``...`` between the markers."""
    body: list[str] | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        if _LOOSE_LINE.match(line):
            if body is None:
                body = []
                continue
            if any(b.strip() not in _EXAMPLE_BODY for b in body):
                raise MarkerError(
                    f"{where}, line {number}: a solution block in a text cell would be copied "
                    "into the student version: keep solutions in code cells (a text cell may "
                    "show the markers with only '...' between them)"
                )
            body = None
        elif body is not None:
            body.append(line)
    if body is not None:
        raise MarkerError(f"{where}: a text cell opens a marker block it never closes")


def _metadata_leak(metadata: Any) -> bool:
    return bool(_LOOSE.search(json.dumps(metadata, ensure_ascii=False)))


def validate(nb: Any, name: str) -> None:
    """Refuse a notebook whose markers could let a solution or hidden test through.

    Args:
        nb: an ``nbformat`` notebook node.
        name: the notebook's name, for messages.

    Raises:
        MarkerError: naming the notebook, cell and line, and what to write instead.
    """
    if _metadata_leak(nb.get("metadata", {})):
        raise MarkerError(f"{name}: the notebook's metadata mentions a solution/test marker")
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        if _metadata_leak(cell.get("metadata", {})):
            raise MarkerError(
                f"{where}: the cell's metadata holds solution/test marker text, which would "
                "reach the student version; remove it from the metadata"
            )
        if cell.cell_type != "code":
            _check_text_cell(cell.source, where)
            continue
        for number, line in enumerate(cell.source.splitlines(), start=1):
            if _near_miss(line):
                raise MarkerError(
                    f"{where}, line {number}: {line.strip()!r} looks like a marker but is not "
                    f"one; write exactly '{SOLUTION_BEGIN}' / '{SOLUTION_END}' (or the HIDDEN "
                    "TESTS pair) alone on the line, nothing after it"
                )
        solutions = spans(cell.source, SOLUTION_BEGIN, SOLUTION_END, where)
        hidden = spans(cell.source, HIDDEN_BEGIN, HIDDEN_END, where)
        if solutions and hidden:
            raise MarkerError(f"{where}: a cell holds both a solution and hidden tests")


def find_check_call(source: str, where: str) -> tuple[str, str, int] | None:
    """The first ``check_*(...)`` call of a cell: ``(checker, arguments, statement line)``.

    ``statement line`` is the 0-based line where the top-level statement holding the call
    starts. Returns None when the cell calls no checker.
    """
    if not re.search(r"\bcheck_\w+\s*\(", source):
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise MarkerError(f"{where}: the check cell is not valid Python ({exc.msg})") from None
    for statement in tree.body:
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id.startswith("check_")
            ):
                segment = ast.get_source_segment(source, node) or ""
                arguments = segment[segment.index("(") + 1 : -1].strip()
                return node.func.id, arguments, statement.lineno - 1
    return None


def find_exercises(nb: Any, name: str) -> list[Exercise]:
    """Every exercise of a validated notebook, in order.

    Raises:
        MarkerError: when a solution cell is not followed by a code cell calling a checker.
    """
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    exercises = []
    for position, index in enumerate(code):
        source = nb.cells[index].source
        blocks = spans(source, SOLUTION_BEGIN, SOLUTION_END, f"{name}, cell {index}")
        if not blocks:
            continue
        where = f"{name}, cell {index}"
        nxt = code[position + 1] if position + 1 < len(code) else None
        call = None
        if nxt is not None:
            call = find_check_call(nb.cells[nxt].source, f"{name}, cell {nxt}")
        if call is None:
            raise MarkerError(
                f"{where}: an exercise must be followed by a code cell that calls its "
                "check_<name>(...) function from livedqn_edu.exercises"
            )
        lines = source.splitlines()
        exercises.append(Exercise(index, nxt, call[0], call[1], instruction(lines[: blocks[0][0]])))
    return exercises
