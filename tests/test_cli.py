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


@pytest.mark.parametrize(
    ("problem", "name"), [("cartpole", "cartpole_dqn.json"), ("live-room", "live_room_dqn.json")]
)
def test_train_refuses_to_replace_existing_checkpoints(
    tmp_path, capsys, monkeypatch, problem, name
):
    import livedqn_edu.recsys.train as rt
    import livedqn_edu.training as tr

    def never(*args, **kwargs):
        raise AssertionError("training started despite the refusal")

    monkeypatch.setattr(tr, "reproduce_cartpole_checkpoint", never)
    monkeypatch.setattr(rt, "reproduce_live_room_checkpoint", never)
    existing = tmp_path / name
    existing.write_text('{"mine": true}')
    assert main(["train", problem, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "refusing to replace" in err and "--force" in err
    assert existing.read_text() == '{"mine": true}'


def test_train_with_force_goes_ahead(tmp_path, monkeypatch):
    import livedqn_edu.training as tr

    calls = []
    monkeypatch.setattr(tr, "reproduce_cartpole_checkpoint", lambda **kw: calls.append(kw))
    (tmp_path / "cartpole_dqn.keras").write_bytes(b"old")
    assert main(["train", "cartpole", "--out", str(tmp_path), "--force"]) == 0
    assert calls == [{"seed": 0, "out_dir": tmp_path}]
