from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from livedqn_edu.classroom import (
    BEGIN,
    END,
    StudentNotebookError,
    make_student_notebooks,
    stub_source,
    update_runtime_table,
)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

SOLUTION_CELL = f"""def double(x):
    # Exercise 1: return twice x.
    # Use only arithmetic.
    {BEGIN}
    result = 2 * x
    return result
    {END}
"""


def test_stub_keeps_instruction_and_indentation():
    out = stub_source(SOLUTION_CELL)
    assert BEGIN not in out and END not in out and "2 * x" not in out
    assert "    # Exercise 1: return twice x." in out
    assert (
        "    raise NotImplementedError('Exercise 1: return twice x. Use only arithmetic.')" in out
    )
    namespace = {}
    exec(out, namespace)  # the stub is valid Python
    with pytest.raises(NotImplementedError, match="return twice x"):
        namespace["double"](3)


@pytest.mark.parametrize(
    "source, message",
    [
        (f"{BEGIN}\nx = 1\n", "never closed"),
        (f"x = 1\n{END}\n", "without"),
        (f"{BEGIN}\n{BEGIN}\n{END}\n", "nested"),
    ],
)
def test_malformed_markers_are_named(source, message):
    with pytest.raises(StudentNotebookError, match=message):
        stub_source(source, where="nb.ipynb, cell 3")


def _toy_course(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Toy lesson"),
        nbformat.v4.new_code_cell("print('setup ran')"),
        nbformat.v4.new_code_cell(SOLUTION_CELL),
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nassert double(3) == 6\nprint('checked')"),
        nbformat.v4.new_code_cell("print('after')"),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="leaked answer 6")]
    folder.mkdir()
    nbformat.write(nb, folder / "01_toy.ipynb")
    return folder


def test_student_notebook_runs_to_its_first_stub_and_stops(tmp_path):
    src = _toy_course(tmp_path / "course")
    [path] = make_student_notebooks(src, tmp_path / "student")
    student = nbformat.read(path, as_version=4)
    original = nbformat.read(src / "01_toy.ipynb", as_version=4)
    assert [c.cell_type for c in student.cells] == [c.cell_type for c in original.cells]
    assert all(c.get("outputs", []) == [] for c in student.cells if c.cell_type == "code")
    assert student.cells[3].source == original.cells[3].source  # the check cell is kept
    client = NotebookClient(student, timeout=60, kernel_name="python3")
    with pytest.raises(CellExecutionError, match="NotImplementedError"):
        client.execute()
    outputs = [c.get("outputs", []) for c in student.cells]
    assert "setup ran" in outputs[1][0]["text"]
    assert outputs[4] == []  # nothing after the failing check ran


def test_course_notebooks_make_complete_student_versions(tmp_path):
    written = make_student_notebooks(NOTEBOOKS, tmp_path)
    assert written, "the course has notebooks"
    for path in written:
        original = nbformat.read(NOTEBOOKS / path.name, as_version=4)
        student = nbformat.read(path, as_version=4)
        checks_before = [
            c.source for c in original.cells if "check_" in c.source and BEGIN not in c.source
        ]
        checks_after = [
            c.source
            for c in student.cells
            if "check_" in c.source and "NotImplementedError" not in c.source
        ]
        assert checks_before == checks_after, path.name
        text = "\n".join(c.source for c in student.cells if c.cell_type == "code")
        assert BEGIN not in text and END not in text, path.name
        n_solutions = sum(c.source.count(BEGIN) for c in original.cells if c.cell_type == "code")
        assert text.count("raise NotImplementedError(") >= n_solutions


def test_refuses_to_overwrite_the_solutions(tmp_path):
    src = _toy_course(tmp_path / "course")
    with pytest.raises(ValueError, match="must differ"):
        make_student_notebooks(src, src)
    with pytest.raises(FileNotFoundError, match="no course notebooks"):
        make_student_notebooks(tmp_path / "empty", tmp_path / "out")


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


def test_teaching_page_lists_the_current_exercises():
    from livedqn_edu.classroom import EXERCISES_BEGIN, EXERCISES_END, exercise_table

    doc = (NOTEBOOKS.parent / "docs" / "teaching.md").read_text()
    block = doc.split(EXERCISES_BEGIN)[1].split(EXERCISES_END)[0].strip()
    assert block == exercise_table(NOTEBOOKS), "run `make docs` to refresh docs/teaching.md"


def test_exercise_listing_pairs_each_exercise_with_its_check(tmp_path):
    from livedqn_edu.classroom import list_exercises

    src = _toy_course(tmp_path / "course")
    nb = nbformat.read(src / "01_toy.ipynb", as_version=4)
    nb.cells[3].source = "check_double(double)"
    nbformat.write(nb, src / "01_toy.ipynb")
    assert list_exercises(src) == [
        ("01_toy", "Exercise 1: return twice x. Use only arithmetic.", "check_double")
    ]
