"""Student versions of the notebooks, the exercise table, and re-running notebooks with timings.

Solution code in a notebook sits between the nbgrader markers (see :mod:`livedqn_edu.markers`)::

    # Exercise 1: write the Q-learning update (the comment lines above the marker are the
    # instruction; they stay in the student version).
    ### BEGIN SOLUTION
    target = r + gamma * q[s_next].max() * (1 - terminated)
    ### END SOLUTION

:func:`make_student_notebooks` is the light way to hand out the course without nbgrader: every
solution block becomes a ``raise NotImplementedError("Exercise 1: write the Q-learning update
...")`` stub at the same indentation, hidden test blocks are removed, outputs are cleared, and
every other cell is unchanged. It reads every notebook strictly (a near-miss marker is refused,
never copied), writes nothing until every notebook has been converted, never writes into the
source folder and never into a folder that already holds files. For grading, use nbgrader with
the course folder ``classroom/`` (docs/teaching.md). :func:`run_notebooks` re-executes notebooks
in place and writes each one's running time into a table in the README.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from livedqn_edu.markers import (
    HIDDEN_BEGIN,
    HIDDEN_END,
    SOLUTION_BEGIN,
    SOLUTION_END,
    find_exercises,
    instruction,
    spans,
    validate,
)

__all__ = [
    "course_notebooks",
    "stub_source",
    "student_notebook",
    "make_student_notebooks",
    "run_notebooks",
    "update_runtime_table",
    "list_exercises",
    "exercise_table",
    "update_exercise_table",
]

TABLE_BEGIN = "<!-- runtimes:begin -->"
TABLE_END = "<!-- runtimes:end -->"
EXERCISES_BEGIN = "<!-- exercises:begin -->"
EXERCISES_END = "<!-- exercises:end -->"


def course_notebooks(directory: Path, pattern: str = "[0-9][0-9]_*") -> list[Path]:
    """The course notebooks (``NN_name.ipynb``) of ``directory``, sorted.

    Raises:
        FileNotFoundError: when the folder does not exist or holds no course notebook, so that
            a typo (``--source noteboks``) stops a command before it writes anything.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"the notebook folder {directory} does not exist")
    paths = sorted(directory.glob(f"{pattern}.ipynb"))
    if not paths:
        raise FileNotFoundError(f"no course notebooks ({pattern}.ipynb) found in {directory}")
    return paths


def stub_source(source: str, where: str = "cell") -> str:
    """A code cell's source for students: solutions become stubs, hidden tests disappear.

    Each solution block is replaced by ``raise NotImplementedError("<instruction>")`` at the
    indentation of its BEGIN marker; each hidden-test block is removed with its markers.

    Raises:
        MarkerError: for unbalanced or nested markers.
    """
    lines = source.splitlines()
    drop: set[int] = set()
    stubs: dict[int, str] = {}
    for begin, end in spans(source, SOLUTION_BEGIN, SOLUTION_END, where):
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        stubs[begin] = f"{indent}raise NotImplementedError({instruction(lines[:begin])!r})"
        drop.update(range(begin + 1, end + 1))
    for begin, end in spans(source, HIDDEN_BEGIN, HIDDEN_END, where):
        drop.update(range(begin, end + 1))
    out = [stubs.get(i, line) for i, line in enumerate(lines) if i not in drop]
    return "\n".join(out)


def student_notebook(nb: Any, name: str) -> Any:
    """The student version of a notebook node (a new node; ``nb`` is unchanged).

    Raises:
        MarkerError: when a marker is malformed or could leak a solution.
    """
    import copy

    validate(nb, name)
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type != "code":
            continue
        cell.source = stub_source(cell.source, where=f"{name}, cell {index}")
        cell.outputs = []
        cell.execution_count = None
    return nb


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def make_student_notebooks(source_dir: Path, out_dir: Path) -> list[Path]:
    """Write the student version of every ``NN_*.ipynb`` in ``source_dir`` to ``out_dir``.

    Every notebook is converted in memory first; nothing is written if one of them is refused.

    Returns:
        The paths written, sorted.

    Raises:
        FileNotFoundError: unknown source folder, or no course notebooks in it.
        FileExistsError: ``out_dir`` already holds files (nothing is overwritten).
        ValueError: ``out_dir`` is, or is inside, the source folder (or the other way round).
        MarkerError: a notebook's markers are malformed or would leak a solution.
    """
    import nbformat

    paths = course_notebooks(source_dir)
    source, out = Path(source_dir).resolve(), Path(out_dir).resolve()
    if _inside(out, source) or _inside(source, out):
        raise ValueError(
            f"the student folder {out_dir} must lie outside the solution folder {source_dir} "
            "(and not contain it): choose e.g. `student/`"
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(
            f"{out_dir} already exists and is not empty: nothing was written. Move it away or "
            "choose a new folder; student versions never overwrite existing files"
        )
    converted = {}
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        converted[path.name] = student_notebook(nb, path.name)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, nb in converted.items():
        nbformat.write(nb, out / name)
        written.append(Path(out_dir) / name)
    return written


def update_runtime_table(readme: Path, times: dict[str, float], mode: str) -> None:
    """Write measured times into the table between the runtime markers of ``readme``.

    Rows of notebooks not in ``times`` keep their earlier measurement, so re-running one
    notebook updates one row.
    """
    text = Path(readme).read_text(encoding="utf-8")
    merged: dict[str, str] = {}
    if TABLE_BEGIN in text and TABLE_END in text:
        old = text.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0]
        for m in re.finditer(r"^\| `([^`]+)` \| (.+?) \|$", old, re.M):
            merged[m.group(1)] = m.group(2)
    merged.update({name: f"{seconds:.0f} s" for name, seconds in times.items()})
    rows = [f"| notebook | running time ({mode} mode, measured) |", "|---|---|"]
    rows += [f"| `{name}` | {value} |" for name, value in sorted(merged.items())]
    _replace_block(Path(readme), TABLE_BEGIN, TABLE_END, "\n".join(rows))


def run_notebooks(
    directory: Path, fast: bool = False, readme: Path | None = None, pattern: str = "[0-9][0-9]_*"
) -> dict:
    """Execute every ``NN_*.ipynb`` in ``directory`` in place; return ``{name: seconds}``.

    ``pattern`` (a glob without ``.ipynb``, e.g. ``"0[6-9]_*"``) selects a subset.

    Each notebook runs in its own kernel from its own folder, in full mode unless ``fast``. A
    notebook that fails is left unchanged on disk and the error names it. When ``readme`` is
    given, its runtime table is updated with the measured times.
    """
    import nbformat
    from nbclient import NotebookClient
    from tqdm.auto import tqdm

    directory = Path(directory)
    notebooks = course_notebooks(directory, pattern)
    os.environ["LIVEDQN_FAST"] = "1" if fast else "0"
    times: dict[str, float] = {}
    for path in tqdm(notebooks, desc="notebooks", unit="nb"):
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb,
            timeout=3600,
            kernel_name="python3",
            resources={"metadata": {"path": str(directory)}},
        )
        start = time.perf_counter()
        try:
            client.execute()
        except Exception as exc:
            raise RuntimeError(f"{path.name} failed while running: {exc}".splitlines()[0]) from exc
        times[path.name] = time.perf_counter() - start
        tmp = path.with_suffix(".ipynb.tmp")
        nbformat.write(nb, tmp)
        os.replace(tmp, path)
        print(f"{path.name}: {times[path.name]:.0f} s")
    if readme is not None and Path(readme).exists():
        update_runtime_table(Path(readme), times, "fast" if fast else "full")
    return times


def _replace_block(path: Path, begin: str, end: str, block: str) -> None:
    text = path.read_text(encoding="utf-8")
    if begin not in text or end not in text:
        raise ValueError(f"{path} has no '{begin}' ... '{end}' block to update")
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    path.write_text(pattern.sub(lambda _: "\n".join([begin, block, end]), text), encoding="utf-8")


def list_exercises(directory: Path) -> list[tuple[str, str, str]]:
    """Every exercise of the course: ``(notebook, instruction, checker)`` in notebook order.

    Raises:
        FileNotFoundError: when the folder does not exist or holds no course notebook.
        MarkerError: when a notebook breaks the exercise convention.
    """
    import nbformat

    rows = []
    for path in course_notebooks(directory):
        nb = nbformat.read(path, as_version=4)
        validate(nb, path.name)
        rows += [(path.stem, ex.instruction, ex.checker) for ex in find_exercises(nb, path.name)]
    return rows


def exercise_table(directory: Path) -> str:
    """The markdown table of :func:`list_exercises`."""
    rows = ["| notebook | exercise | checked by |", "|---|---|---|"]
    for notebook, text, check in list_exercises(directory):
        text = text.replace("|", "\\|")
        rows.append(f"| `{notebook}` | {text} | `{check}` |")
    return "\n".join(rows)


def update_exercise_table(doc: Path, directory: Path) -> None:
    """Rewrite the exercise table between the markers of ``doc`` from the notebooks.

    Raises:
        FileNotFoundError: unknown notebook folder (``doc`` is then left unchanged).
        ValueError: the folder holds no exercise at all: refusing to empty the table.
    """
    if not list_exercises(directory):
        raise ValueError(f"no exercises found in {directory}: the table in {doc} is unchanged")
    _replace_block(Path(doc), EXERCISES_BEGIN, EXERCISES_END, exercise_table(directory))
