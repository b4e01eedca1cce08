"""Student versions, the exercise table and the refusals that protect a teacher's files."""

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from livedqn_edu.classroom import (
    EXERCISES_BEGIN,
    EXERCISES_END,
    exercise_table,
    list_exercises,
    make_student_notebooks,
    stub_source,
    update_runtime_table,
)
from livedqn_edu.cli import main
from livedqn_edu.markers import HIDDEN_BEGIN, HIDDEN_END, SOLUTION_BEGIN, SOLUTION_END, MarkerError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

SOLUTION_CELL = f"""def double(x):
    # Exercise 1: return twice x.
    # Use only arithmetic.
    {SOLUTION_BEGIN}
    result = 2 * x
    return result
    {SOLUTION_END}
"""
CHECK_CELL = f"""# NBVAL_CHECK_OUTPUT
{HIDDEN_BEGIN}
assert double(-7) == -14, "hidden case"
{HIDDEN_END}
check_double(double)"""
SETUP_CELL = """print('setup ran')


def check_double(f):
    assert f(3) == 6
    print('checked')"""


def snapshot(*roots: Path) -> dict[Path, bytes]:
    """Every file under ``roots`` with its bytes, to show a refusal changed nothing."""
    files = {}
    for root in roots:
        if root.is_file():
            files[root] = root.read_bytes()
        elif root.exists():
            files.update({p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()})
    return files


def toy_course(folder: Path, solution: str = SOLUTION_CELL) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Toy lesson"),
        nbformat.v4.new_code_cell(SETUP_CELL),
        nbformat.v4.new_code_cell(solution),
        nbformat.v4.new_code_cell(CHECK_CELL),
        nbformat.v4.new_code_cell("print('after')"),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="leaked answer 6")]
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "01_toy.ipynb")
    return folder


def test_stub_keeps_instruction_and_indentation_and_drops_hidden_tests():
    out = stub_source(SOLUTION_CELL)
    assert SOLUTION_BEGIN not in out and SOLUTION_END not in out and "2 * x" not in out
    assert "    # Exercise 1: return twice x." in out
    assert (
        "    raise NotImplementedError('Exercise 1: return twice x. Use only arithmetic.')" in out
    )
    namespace = {}
    exec(out, namespace)  # the stub is valid Python
    with pytest.raises(NotImplementedError, match="return twice x"):
        namespace["double"](3)
    check = stub_source(CHECK_CELL)
    assert "hidden case" not in check and "HIDDEN" not in check
    assert check.endswith("check_double(double)")


@pytest.mark.parametrize(
    "source, message",
    [
        (f"{SOLUTION_BEGIN}\nx = 1\n", "never closed"),
        (f"x = 1\n{SOLUTION_END}\n", "without"),
        (f"{SOLUTION_BEGIN}\n{SOLUTION_BEGIN}\n{SOLUTION_END}\n", "nested"),
        (f"{HIDDEN_BEGIN}\nassert x\n", "never closed"),
    ],
)
def test_malformed_markers_are_named(source, message):
    with pytest.raises(MarkerError, match=message):
        stub_source(source, where="nb.ipynb, cell 3")


def test_student_notebook_runs_to_its_first_stub_and_stops(tmp_path):
    src = toy_course(tmp_path / "course")
    [path] = make_student_notebooks(src, tmp_path / "student")
    student = nbformat.read(path, as_version=4)
    original = nbformat.read(src / "01_toy.ipynb", as_version=4)
    assert [c.cell_type for c in student.cells] == [c.cell_type for c in original.cells]
    assert all(c.get("outputs", []) == [] for c in student.cells if c.cell_type == "code")
    assert "hidden case" not in student.cells[3].source  # hidden tests never reach students
    assert student.cells[3].source == "# NBVAL_CHECK_OUTPUT\ncheck_double(double)"
    client = NotebookClient(student, timeout=60, kernel_name="python3")
    with pytest.raises(CellExecutionError, match="NotImplementedError"):
        client.execute()
    outputs = [c.get("outputs", []) for c in student.cells]
    assert "setup ran" in outputs[1][0]["text"]
    assert outputs[4] == []  # nothing after the failing check ran


def test_course_notebooks_make_complete_student_versions(tmp_path):
    written = make_student_notebooks(NOTEBOOKS, tmp_path / "student")
    assert len(written) == len(list(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
    for path in written:
        original = nbformat.read(NOTEBOOKS / path.name, as_version=4)
        student = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in student.cells if c.cell_type == "code")
        for marker in (SOLUTION_BEGIN, SOLUTION_END, HIDDEN_BEGIN, HIDDEN_END, "must_pass"):
            assert marker not in code, (path.name, marker)
        n_solutions = sum(
            c.source.count(SOLUTION_BEGIN) for c in original.cells if c.cell_type == "code"
        )
        assert code.count("raise NotImplementedError(") >= n_solutions
        assert all("nbgrader" not in c.metadata for c in student.cells)


# ---- refusals: each leaves every existing file byte-for-byte as it was ----------------------


def refused(capsys, argv: list[str], message: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err


def test_rerunning_student_never_overwrites_a_students_work(tmp_path, capsys):
    src, out = toy_course(tmp_path / "course"), tmp_path / "student"
    assert main(["student", str(out), "--source", str(src)]) == 0
    edited = out / "01_toy.ipynb"
    edited.write_text(edited.read_text().replace("Toy lesson", "Toy lesson, my notes"))
    before = snapshot(src, out)
    refused(capsys, ["student", str(out), "--source", str(src)], "already exists and is not empty")
    assert snapshot(src, out) == before


def test_student_refuses_to_write_over_the_solution_notebooks(tmp_path, capsys):
    src = toy_course(tmp_path / "notebooks")
    out = tmp_path / "student"
    main(["student", str(out), "--source", str(src)])
    before = snapshot(src, out)
    refused(capsys, ["student", str(src), "--source", str(out)], "not empty")
    refused(capsys, ["student", str(src / "handout"), "--source", str(src)], "must lie outside")
    assert snapshot(src, out) == before and not (src / "handout").exists()


def test_student_refuses_an_unknown_source_folder(tmp_path, capsys):
    refused(
        capsys,
        ["student", str(tmp_path / "out"), "--source", str(tmp_path / "noteboks")],
        "noteboks does not exist",
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "solution, message",
    [
        (SOLUTION_CELL.replace(SOLUTION_BEGIN, SOLUTION_BEGIN + "  # noqa"), "not one"),
        (SOLUTION_CELL.replace(SOLUTION_BEGIN, "###BEGIN SOLUTION"), "not one"),
        (SOLUTION_CELL.replace(SOLUTION_BEGIN, "### begin solution"), "not one"),
        (SOLUTION_CELL.replace(SOLUTION_BEGIN, "# BEGIN SOLUTION"), "not one"),
        (SOLUTION_CELL.replace(SOLUTION_END, "### END SOLUTION # done"), "not one"),
        (SOLUTION_CELL.replace(f"    {SOLUTION_END}\n", ""), "never closed"),
    ],
    ids=["trailing-noqa", "no-space", "lower-case", "nbgrader-style", "trailing-end", "unclosed"],
)
def test_near_miss_markers_are_refused_not_leaked(tmp_path, capsys, solution, message):
    src = toy_course(tmp_path / "course", solution=solution)
    before = snapshot(src)
    refused(capsys, ["student", str(tmp_path / "out"), "--source", str(src)], message)
    assert snapshot(src) == before and not (tmp_path / "out").exists()


def _leaky(folder: Path, where: str) -> Path:
    src = toy_course(folder)
    nb = nbformat.read(src / "01_toy.ipynb", as_version=4)
    block = f"{SOLUTION_BEGIN}\nresult = 2 * x\n{SOLUTION_END}"
    if where == "markdown":
        nb.cells.insert(1, nbformat.v4.new_markdown_cell(f"Answer:\n```python\n{block}\n```"))
    elif where == "raw":
        nb.cells.insert(1, nbformat.v4.new_raw_cell(block))
    elif where == "cell-metadata":
        nb.cells[1].metadata["answer"] = block
    else:
        nb.metadata["answer"] = block
    nbformat.write(nb, src / "01_toy.ipynb")
    return src


@pytest.mark.parametrize("where", ["markdown", "raw", "cell-metadata", "notebook-metadata"])
def test_solution_blocks_outside_code_cells_are_refused(tmp_path, capsys, where):
    src = _leaky(tmp_path / "course", where)
    before = snapshot(src)
    refused(capsys, ["student", str(tmp_path / "out"), "--source", str(src)], "01_toy.ipynb")
    assert snapshot(src) == before and not (tmp_path / "out").exists()


def test_a_markdown_example_of_the_convention_is_allowed(tmp_path):
    src = toy_course(tmp_path / "course")
    nb = nbformat.read(src / "01_toy.ipynb", as_version=4)
    example = f"```python\ndef f():\n    {SOLUTION_BEGIN}\n    ...\n    {SOLUTION_END}\n```"
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(example))
    nbformat.write(nb, src / "01_toy.ipynb")
    [path] = make_student_notebooks(src, tmp_path / "out")
    assert nbformat.read(path, as_version=4).cells[1].source == example


def test_exercise_table_refuses_a_typo_in_the_source_folder(tmp_path, capsys):
    doc = tmp_path / "teaching.md"
    shutil.copy(ROOT / "docs" / "teaching.md", doc)
    before = snapshot(doc)
    refused(
        capsys,
        ["exercises", "--update", str(doc), "--source", str(tmp_path / "noteboks")],
        "noteboks does not exist",
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), empty / "01_x.ipynb")
    refused(capsys, ["exercises", "--update", str(doc), "--source", str(empty)], "no exercises")
    assert snapshot(doc) == before


# ---- the exercise table and the runtime table ------------------------------------------------


def test_teaching_page_lists_the_current_exercises():
    doc = (ROOT / "docs" / "teaching.md").read_text()
    block = doc.split(EXERCISES_BEGIN)[1].split(EXERCISES_END)[0].strip()
    assert block == exercise_table(NOTEBOOKS), "run `make docs` to refresh docs/teaching.md"


def test_exercise_listing_pairs_each_exercise_with_its_check(tmp_path):
    src = toy_course(tmp_path / "course")
    assert list_exercises(src) == [
        ("01_toy", "Exercise 1: return twice x. Use only arithmetic.", "check_double")
    ]


def test_runtime_table_is_rewritten_between_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- runtimes:begin -->\nold\n<!-- runtimes:end -->\noutro\n")
    update_runtime_table(readme, {"01_a.ipynb": 61.4, "00_b.ipynb": 2.2}, "full")
    text = readme.read_text()
    assert "old" not in text and text.startswith("intro") and text.endswith("outro\n")
    assert text.index("00_b") < text.index("01_a")
    assert "| `01_a.ipynb` | 61 s |" in text
    update_runtime_table(readme, {"00_b.ipynb": 3.0}, "full")  # one row changes, others stay
    text = readme.read_text()
    assert "| `00_b.ipynb` | 3 s |" in text and "| `01_a.ipynb` | 61 s |" in text
    (tmp_path / "bare.md").write_text("no markers")
    with pytest.raises(ValueError, match="runtimes:begin"):
        update_runtime_table(tmp_path / "bare.md", {}, "full")
