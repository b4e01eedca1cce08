import subprocess
import sys

import pytest

from livedqn_edu.cli import build_parser, main


def test_every_subcommand_is_documented_in_help():
    text = build_parser().format_help()
    for command in ["doctor", "student", "run-notebooks", "train", "data"]:
        assert command in text


def test_bad_arguments_exit_with_usage_not_a_trace(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "mountaincar"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_student_command_writes_notebooks(tmp_path):
    out = tmp_path / "student"
    assert main(["student", str(out)]) == 0
    assert sorted(p.name for p in out.glob("*.ipynb"))


def test_errors_are_one_line(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "livedqn_edu",
            "student",
            str(tmp_path / "o"),
            "--source",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("livedqn-edu student: no course notebooks")
    assert "Traceback" not in result.stderr
