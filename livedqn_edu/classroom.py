"""Classroom tooling: student versions of the notebooks, and re-running notebooks with timings.

Solution code in a notebook sits between the nbgrader markers::

    # Exercise 1: write the Q-learning update (the comment lines above the marker are the
    # instruction; they stay in the student version).
    ### BEGIN SOLUTION
    target = r + gamma * q[s_next].max() * (1 - terminated)
    ### END SOLUTION

:func:`make_student_notebooks` replaces every such block by a
``raise NotImplementedError("Exercise 1: write the Q-learning update ...")`` stub at the same
indentation, clears outputs, and leaves every other cell (the ``check_*`` cells included)
unchanged. :func:`run_notebooks` re-executes notebooks in place and writes each one's running
time into a table in the README.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

__all__ = [
    "BEGIN",
    "END",
    "StudentNotebookError",
    "stub_source",
    "make_student_notebooks",
    "run_notebooks",
    "update_runtime_table",
    "list_exercises",
    "exercise_table",
    "update_exercise_table",
]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
TABLE_BEGIN = "<!-- runtimes:begin -->"
TABLE_END = "<!-- runtimes:end -->"
EXERCISES_BEGIN = "<!-- exercises:begin -->"
EXERCISES_END = "<!-- exercises:end -->"


class StudentNotebookError(ValueError):
    """A solution block is malformed (unmatched or nested markers)."""


def _instruction(lines: list[str]) -> str:
    """The comment lines right above a BEGIN marker, joined into one sentence."""
    text = []
    for line in reversed(lines):
        stripped = line.strip()
        if not stripped.startswith("#") or stripped.startswith("# NBVAL"):
            break
        text.append(stripped.lstrip("#").strip())
    instruction = " ".join(reversed([t for t in text if t]))
    return instruction or "complete this exercise"


def stub_source(source: str, where: str = "cell") -> str:
    """Replace each solution block of a cell's source by a ``NotImplementedError`` stub.

    Args:
        source: the cell's code.
        where: a name for error messages ("01_q_learning_tables.ipynb, cell 12").

    Raises:
        StudentNotebookError: for an END without BEGIN, a BEGIN without END, or nested blocks.
    """
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise StudentNotebookError(f"{where}, line {number}: nested '{BEGIN}'")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            message = _instruction(out)
            out.append(f"{indent}raise NotImplementedError({message!r})")
        elif stripped == END:
            if not inside:
                raise StudentNotebookError(f"{where}, line {number}: '{END}' without '{BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise StudentNotebookError(f"{where}: '{BEGIN}' is never closed by '{END}'")
    return "\n".join(out)


def make_student_notebooks(source_dir: Path, out_dir: Path) -> list[Path]:
    """Write the student version of every ``NN_*.ipynb`` in ``source_dir`` to ``out_dir``.

    Solution blocks become stubs; outputs and execution counts are cleared in every cell so that
    no answer leaks through a saved output; markdown cells and cells without solutions keep their
    source unchanged.

    Returns:
        The paths written, sorted.
    """
    import nbformat

    source_dir, out_dir = Path(source_dir), Path(out_dir)
    notebooks = sorted(source_dir.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no course notebooks (NN_name.ipynb) found in {source_dir}")
    if out_dir.resolve() == source_dir.resolve():
        raise ValueError("the student folder must differ from the solution folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if BEGIN in cell.source or END in cell.source:
                cell.source = stub_source(cell.source, where=f"{path.name}, cell {index}")
            cell.outputs = []
            cell.execution_count = None
        target = out_dir / path.name
        nbformat.write(nb, target)
        written.append(target)
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
    notebooks = sorted(directory.glob(f"{pattern}.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no course notebooks matching {pattern}.ipynb in {directory}")
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

    The instruction is the comment above ``### BEGIN SOLUTION``; the checker is the first
    ``check_*`` called in the cells that follow the exercise, before the next exercise (or
    ``"-"`` when there is none).
    """
    import nbformat

    rows = []
    for path in sorted(Path(directory).glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        pending: list[str] = []
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            lines = cell.source.splitlines()
            starts = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
            found = re.search(r"\b(check_\w+)\(", cell.source)
            if found and pending and not starts:
                rows += [(path.stem, text, found.group(1)) for text in pending]
                pending = []
            for i in starts:
                if pending:
                    rows += [(path.stem, text, "-") for text in pending]
                pending = [_instruction(lines[:i])]
        rows += [(path.stem, text, "-") for text in pending]
    return rows


def exercise_table(directory: Path) -> str:
    """The markdown table of :func:`list_exercises`."""
    rows = ["| notebook | exercise | checked by |", "|---|---|---|"]
    for notebook, text, check in list_exercises(directory):
        text = text.replace("|", "\\|")
        rows.append(f"| `{notebook}` | {text} | `{check}` |")
    return "\n".join(rows)


def update_exercise_table(doc: Path, directory: Path) -> None:
    """Rewrite the exercise table between the markers of ``doc`` from the notebooks."""
    _replace_block(Path(doc), EXERCISES_BEGIN, EXERCISES_END, exercise_table(directory))
