"""The nbgrader course folder is filled from notebooks/, never over a teacher's edits."""

import shutil
from pathlib import Path

import nbformat

from livedqn_edu.cli import main
from livedqn_edu.course import assignments

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def course(tmp_path: Path) -> Path:
    folder = tmp_path / "classroom"
    folder.mkdir()
    shutil.copy(ROOT / "classroom" / "nbgrader_config.py", folder)
    return folder


def test_one_assignment_per_lesson_with_exercises():
    names = assignments(NOTEBOOKS)
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        has_exercise = any("### BEGIN SOLUTION" in c.source for c in cells if c.cell_type == "code")
        assert (path.stem in names) == has_exercise, path.name
    text = names["01_q_learning_tables"]
    nb = nbformat.reads(text, as_version=4)
    assert any(c.metadata.get("nbgrader", {}).get("grade") for c in nb.cells)


def test_source_is_written_once_and_never_over_a_teachers_edit(tmp_path, capsys):
    folder = course(tmp_path)
    args = ["classroom", "source", "--notebooks", str(NOTEBOOKS), "--course", str(folder)]
    assert main([*args, "--only", "06_live_room_simulator"]) == 0
    target = folder / "source" / "06_live_room_simulator" / "06_live_room_simulator.ipynb"
    assert target.read_text() == assignments(NOTEBOOKS)["06_live_room_simulator"]
    assert main([*args, "--only", "06_live_room_simulator"]) == 0  # up to date: no write
    assert "0 source notebook(s) written" in capsys.readouterr().out
    target.write_text(target.read_text().replace('"points": 1', '"points": 4'))
    edited = target.read_bytes()
    assert main([*args, "--only", "06_live_room_simulator"]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert target.read_bytes() == edited
    assert main([*args, "--only", "06_live_room_simulator", "--force"]) == 0
    assert target.read_bytes() != edited


def test_source_refuses_unknown_folders_and_assignments(tmp_path, capsys):
    folder = course(tmp_path)
    base = ["classroom", "source", "--course", str(folder)]
    assert main([*base, "--notebooks", str(tmp_path / "noteboks")]) == 2
    assert "noteboks does not exist" in capsys.readouterr().err
    assert main([*base, "--notebooks", str(NOTEBOOKS), "--only", "01_typo"]) == 2
    assert "no assignment named ['01_typo']" in capsys.readouterr().err
    bare = tmp_path / "bare"
    bare.mkdir()
    assert main([*base[:2], "--course", str(bare), "--notebooks", str(NOTEBOOKS)]) == 2
    assert "not an nbgrader course folder" in capsys.readouterr().err
    assert not (folder / "source").exists() and list(bare.iterdir()) == []
