"""Derive nbgrader and slide metadata from the exercise convention, idempotently.

``livedqn-edu classroom prepare notebooks/`` (``make prepare``) rewrites, in every course
notebook, only what this module derives from the notebook itself (see :mod:`livedqn_edu.markers`
for the convention):

- the **solution cell** of each exercise (the code cell holding ``### BEGIN SOLUTION``):
  nbgrader's "autograded answer", ``grade_id`` = the checker's name without ``check_``;
- the **check cell** after it: a locked "autograder tests" cell worth :data:`DEFAULT_POINTS`
  (points set by a teacher in this metadata are kept), whose source gets a hidden block right
  before the checker call: ``must_pass("check_x", ...)`` raises when a case fails, which is how
  nbgrader takes points away. Lines a teacher adds inside that block (extra hidden cases) are
  kept;
- the **markdown cell right above** a solution cell (the exercise's statement): read-only;
- **slide boundaries**: every markdown cell that starts with a ``#`` or ``##`` heading opens a
  new slide (``slideshow.slide_type = "slide"``); other slide types set by hand are kept.

Any other ``nbgrader`` metadata is removed, so the metadata always follows the cells. Nothing
depends on time or machine: running it twice changes nothing the second time, and
:func:`prepare_notebooks` with ``check=True`` lists the notebooks that are out of date.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from livedqn_edu.markers import (
    HIDDEN_BEGIN,
    HIDDEN_END,
    find_check_call,
    find_exercises,
    spans,
    validate,
)

__all__ = ["DEFAULT_POINTS", "hidden_block", "prepare_notebook", "prepare_notebooks"]

DEFAULT_POINTS = 1
_SCHEMA = 3
_IMPORT = "from livedqn_edu.exercises.grading import must_pass"


def _nbgrader(grade_id: str, *, solution: bool, grade: bool, locked: bool, points=None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": _SCHEMA,
        "solution": solution,
    }
    if points is not None:
        meta["points"] = points
    return meta


def hidden_block(checker: str, arguments: str, extra: list[str] | None = None) -> list[str]:
    """The lines of a check cell's hidden block (markers included)."""
    call = f'must_pass("{checker}", {arguments})' if arguments else f'must_pass("{checker}")'
    return [HIDDEN_BEGIN, _IMPORT, "", call, *(extra or []), HIDDEN_END]


def _with_hidden_block(source: str, where: str) -> str:
    """The check cell's source with a freshly generated hidden block before the checker call."""
    lines = source.splitlines()
    extra: list[str] = []
    for begin, end in reversed(spans(source, HIDDEN_BEGIN, HIDDEN_END, where)):
        body = lines[begin + 1 : end]
        kept = [x for x in body if x.strip() and x.strip() != _IMPORT]
        kept = [x for x in kept if not x.strip().startswith("must_pass(")]
        extra = kept + extra
        del lines[begin : end + 1]
    stripped = "\n".join(lines)
    checker, arguments, line = find_check_call(stripped, where)  # type: ignore[misc]
    lines[line:line] = hidden_block(checker, arguments, extra)
    return "\n".join(lines)


def _is_heading(cell: Any) -> bool:
    if cell.cell_type != "markdown":
        return False
    first = next((x.strip() for x in cell.source.splitlines() if x.strip()), "")
    return first.startswith("# ") or first.startswith("## ")


def _slides(cell: Any) -> None:
    show = cell.metadata.get("slideshow", {})
    if _is_heading(cell):
        cell.metadata["slideshow"] = {**show, "slide_type": "slide"}
    elif show.get("slide_type") == "slide":
        rest = {k: v for k, v in show.items() if k != "slide_type"}
        if rest:
            cell.metadata["slideshow"] = rest
        else:
            del cell.metadata["slideshow"]


def prepare_notebook(nb: Any, name: str) -> Any:
    """A copy of ``nb`` with its nbgrader and slide metadata derived from its cells.

    Raises:
        MarkerError: when the notebook breaks the exercise convention.
    """
    nb = copy.deepcopy(nb)
    validate(nb, name)
    exercises = find_exercises(nb, name)
    old = {i: cell.metadata.pop("nbgrader", None) for i, cell in enumerate(nb.cells)}
    seen: dict[str, int] = {}
    for ex in exercises:
        base = ex.checker.removeprefix("check_")
        seen[base] = seen.get(base, 0) + 1
        suffix = f"_{seen[base]}" if seen[base] > 1 else ""
        nb.cells[ex.solution].metadata["nbgrader"] = _nbgrader(
            base + suffix, solution=True, grade=False, locked=False
        )
        before = old.get(ex.check) or {}
        points = before.get("points", DEFAULT_POINTS) if before.get("grade") else DEFAULT_POINTS
        check = nb.cells[ex.check]
        check.source = _with_hidden_block(check.source, f"{name}, cell {ex.check}")
        check.metadata["nbgrader"] = _nbgrader(
            ex.checker + suffix, solution=False, grade=True, locked=True, points=points
        )
        above = ex.solution - 1
        if above >= 0 and nb.cells[above].cell_type == "markdown":
            nb.cells[above].metadata["nbgrader"] = _nbgrader(
                f"{base}{suffix}_statement", solution=False, grade=False, locked=True
            )
    for cell in nb.cells:
        _slides(cell)
    validate(nb, name)  # the generated blocks follow the convention too
    return nb


def prepare_notebooks(directory: Path, check: bool = False) -> list[Path]:
    """Apply :func:`prepare_notebook` to every ``NN_*.ipynb`` of ``directory``, in place.

    Args:
        directory: the folder of course notebooks.
        check: only report; write nothing.

    Returns:
        The notebooks that changed (or, with ``check``, that would change).

    Raises:
        FileNotFoundError: when ``directory`` holds no course notebooks.
        MarkerError: when a notebook breaks the convention (nothing is written then).
    """
    import nbformat

    directory = Path(directory)
    paths = sorted(directory.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"no course notebooks (NN_name.ipynb) found in {directory}")
    updates = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        nb = prepare_notebook(nbformat.reads(text, as_version=4), path.name)
        new = nbformat.writes(nb) + "\n"
        if new != text:
            updates[path] = new
    if not check:
        for path, new in updates.items():
            tmp = path.with_suffix(".ipynb.tmp")
            tmp.write_text(new, encoding="utf-8")
            tmp.replace(path)
    return sorted(updates)
