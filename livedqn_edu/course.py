"""The nbgrader course folder (``classroom/``): one assignment per lesson with exercises.

nbgrader reads assignments from ``<course>/source/<assignment>/*.ipynb``. Those files are not
committed: :func:`write_course_source` derives them from ``notebooks/`` on demand (each one is
the lesson with its nbgrader metadata applied in memory, so the course always matches the
lessons even before ``make prepare`` has been run), and git ignores them. ``notebooks/`` stays
the one source of the course; a copy rather than a symlink works on every system, and nbgrader
never writes back into ``source/``.

An existing source file that differs from what would be written (a teacher edited points in
nbgrader's tools, say) is never replaced unless ``force`` is given.
"""

from __future__ import annotations

from pathlib import Path

from livedqn_edu.classroom import course_notebooks
from livedqn_edu.markers import find_exercises, validate
from livedqn_edu.notebook_metadata import prepare_notebook

__all__ = ["CONFIG", "assignments", "write_course_source"]

CONFIG = "nbgrader_config.py"


def assignments(notebooks: Path) -> dict[str, str]:
    """``{assignment name: notebook text}`` for every lesson that has exercises.

    The assignment is named after the notebook (``01_q_learning_tables``); the text is the
    notebook with its nbgrader metadata applied.
    """
    import nbformat

    out = {}
    for path in course_notebooks(notebooks):
        nb = nbformat.read(path, as_version=4)
        validate(nb, path.name)
        if find_exercises(nb, path.name):
            out[path.stem] = nbformat.writes(prepare_notebook(nb, path.name)) + "\n"
    return out


def write_course_source(
    notebooks: Path, course: Path, only: list[str] | None = None, force: bool = False
) -> list[Path]:
    """Write ``<course>/source/<assignment>/<assignment>.ipynb`` for each lesson with exercises.

    Args:
        notebooks: the folder of course notebooks (``notebooks/``).
        course: the nbgrader course folder, holding ``nbgrader_config.py``.
        only: assignment names to write (default: all).
        force: replace source notebooks that differ from the lessons.

    Returns:
        The files written (files already up to date are not rewritten).

    Raises:
        FileNotFoundError: ``course`` has no nbgrader_config.py, or ``notebooks`` no lessons.
        ValueError: an unknown assignment in ``only``.
        FileExistsError: a source notebook differs and ``force`` is not set (nothing written).
    """
    course = Path(course)
    if not (course / CONFIG).is_file():
        raise FileNotFoundError(
            f"{course} is not an nbgrader course folder (no {CONFIG}); use the repository's "
            "classroom/ folder or copy its nbgrader_config.py"
        )
    texts = assignments(notebooks)
    unknown = sorted(set(only or []) - set(texts))
    if unknown:
        raise ValueError(f"no assignment named {unknown}; assignments: {sorted(texts)}")
    todo = {}
    for name, text in texts.items():
        if only and name not in only:
            continue
        target = course / "source" / name / f"{name}.ipynb"
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        todo[target] = text
    changed = [t for t in todo if t.exists()]
    if changed and not force:
        raise FileExistsError(
            f"{len(changed)} source notebook(s) differ from the lessons, e.g. {changed[0]}: "
            "nothing was written; pass --force to replace them"
        )
    for target, text in todo.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return sorted(todo)
