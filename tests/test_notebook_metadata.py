"""nbgrader and slide metadata derived from the exercise convention (`make prepare`)."""

import copy
import shutil
from pathlib import Path

import nbformat
import pytest

from livedqn_edu.cli import main
from livedqn_edu.exercises.grading import must_pass
from livedqn_edu.markers import HIDDEN_BEGIN, HIDDEN_END, MarkerError, find_exercises
from livedqn_edu.notebook_metadata import DEFAULT_POINTS, prepare_notebook, prepare_notebooks

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def lesson() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 01 · Toy\n\nGoals."),
        nbformat.v4.new_code_cell("from livedqn_edu.exercises import check_td_targets"),
        nbformat.v4.new_markdown_cell("## 1. The TD target\n\nWrite it."),
        nbformat.v4.new_code_cell(
            "def td(r, q, t, g):\n"
            "    # Return r + g * (1 - t) * max(q).\n"
            "    ### BEGIN SOLUTION\n"
            "    return r + g * (1 - t) * q.max(axis=1)\n"
            "    ### END SOLUTION"
        ),
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nresult = check_td_targets(td)"),
        nbformat.v4.new_markdown_cell("Some prose, not a heading."),
        nbformat.v4.new_markdown_cell("### A small heading stays on its slide"),
    ]
    return nb


def test_metadata_follows_the_convention():
    nb = prepare_notebook(lesson(), "01_toy.ipynb")
    meta = [c.metadata.get("nbgrader") for c in nb.cells]
    assert meta[3] == {
        "grade": False,
        "grade_id": "td_targets",
        "locked": False,
        "schema_version": 3,
        "solution": True,
    }
    assert meta[4]["grade"] and meta[4]["locked"] and meta[4]["points"] == DEFAULT_POINTS
    assert meta[4]["grade_id"] == "check_td_targets"
    assert meta[2]["locked"] and not meta[2]["grade"]  # the statement above is read-only
    assert meta[0] is None and meta[1] is None and meta[5] is None
    slides = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
    assert slides == ["slide", None, "slide", None, None, None, None]


def test_check_cell_gets_a_hidden_block_before_the_visible_call():
    nb = prepare_notebook(lesson(), "01_toy.ipynb")
    assert nb.cells[4].source.splitlines() == [
        "# NBVAL_CHECK_OUTPUT",
        HIDDEN_BEGIN,
        "from livedqn_edu.exercises.grading import must_pass",
        "",
        'must_pass("check_td_targets", td)',
        HIDDEN_END,
        "result = check_td_targets(td)",
    ]


def test_prepare_is_idempotent_and_keeps_teacher_choices():
    once = prepare_notebook(lesson(), "01_toy.ipynb")
    assert prepare_notebook(once, "01_toy.ipynb") == once
    edited = copy.deepcopy(once)
    edited.cells[4].metadata["nbgrader"]["points"] = 3
    lines = edited.cells[4].source.splitlines()
    lines.insert(lines.index(HIDDEN_END), "assert td(*HIDDEN_CASE) == 1.0")
    edited.cells[4].source = "\n".join(lines)
    edited.cells[5].metadata["slideshow"] = {"slide_type": "fragment"}
    again = prepare_notebook(edited, "01_toy.ipynb")
    assert again.cells[4].metadata["nbgrader"]["points"] == 3
    assert "assert td(*HIDDEN_CASE) == 1.0" in again.cells[4].source
    assert again.cells[4].source.count(HIDDEN_BEGIN) == 1
    assert again.cells[5].metadata["slideshow"] == {"slide_type": "fragment"}
    assert prepare_notebook(again, "01_toy.ipynb") == again


def test_stale_metadata_is_removed_when_a_cell_changes_role():
    nb = prepare_notebook(lesson(), "01_toy.ipynb")
    nb.cells[2].source = "Not a heading any more."
    nb.cells[1].metadata["nbgrader"] = {"grade": True, "grade_id": "old", "points": 5}
    again = prepare_notebook(nb, "01_toy.ipynb")
    assert "slideshow" not in again.cells[2].metadata
    assert "nbgrader" not in again.cells[1].metadata


def test_an_exercise_without_a_check_cell_is_refused():
    nb = lesson()
    nb.cells[4].source = "print('no check here')"
    with pytest.raises(MarkerError, match="check_<name>"):
        prepare_notebook(nb, "01_toy.ipynb")


def test_course_notebooks_are_up_to_date():
    stale = prepare_notebooks(NOTEBOOKS, check=True)
    assert not stale, f"run `make prepare` and commit: {[p.name for p in stale]}"


def test_every_course_exercise_is_graded_by_a_hidden_must_pass():
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for ex in find_exercises(nb, path.name):
            source = nb.cells[ex.check].source
            assert f'must_pass("{ex.checker}"' in source, (path.name, ex.checker)
            assert nb.cells[ex.check].metadata["nbgrader"]["points"] > 0


def test_prepare_command_writes_only_what_changed_and_refuses_bad_markers(tmp_path, capsys):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(lesson(), folder / "01_toy.ipynb")
    shutil.copy(NOTEBOOKS / "00_welcome.ipynb", folder)
    assert main(["classroom", "prepare", str(folder), "--check"]) == 1
    assert main(["classroom", "prepare", str(folder)]) == 0
    assert main(["classroom", "prepare", str(folder), "--check"]) == 0
    capsys.readouterr()
    bad = lesson()
    bad.cells[3].source = bad.cells[3].source.replace("### END SOLUTION", "### END SOLUTION  # x")
    nbformat.write(bad, folder / "02_bad.ipynb")
    before = {p: p.read_bytes() for p in folder.iterdir()}
    assert main(["classroom", "prepare", str(folder)]) == 2
    assert "02_bad.ipynb, cell 3, line 5" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in folder.iterdir()} == before


def test_must_pass_raises_with_the_failed_cases(capsys):
    import numpy as np

    def right(rewards, next_q, terminated, gamma):
        return rewards + gamma * (1.0 - terminated) * np.max(next_q, axis=1)

    def wrong(rewards, next_q, terminated, gamma):  # bootstraps past the end of an episode
        return rewards + gamma * np.max(next_q, axis=1)

    assert must_pass("check_td_targets", right) is None
    with pytest.raises(AssertionError, match=r"check_td_targets: \d+/\d+ cases right"):
        must_pass("check_td_targets", wrong)
    assert capsys.readouterr().out == ""  # silent: the visible call prints the report
    with pytest.raises(ValueError, match="not a checker"):
        must_pass("print", right)
