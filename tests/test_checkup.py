import subprocess
import sys

from livedqn_edu import manifest
from livedqn_edu.checkup import doctor, run_checks


def test_doctor_reports_every_check_and_passes_here():
    lines = []
    assert doctor(out=lines.append) is True
    text = "\n".join(lines)
    for name in [
        "Python",
        "tensorflow",
        "keras",
        "gymnasium",
        "numpy",
        "CPU threads",
        "mode",
        "data",
        "headless render",
    ]:
        assert name in text
    assert "All good" in text


def test_doctor_flags_corrupted_data_with_a_fix(tmp_path, monkeypatch):
    f = tmp_path / "rooms.csv"
    f.write_text("room_id\n1\n")
    manifest.record(f, root=tmp_path)
    f.write_text("room_id\n2\n")
    monkeypatch.setenv("LIVEDQN_DATA", str(tmp_path))
    findings = run_checks(render=False, import_tf=False)
    bad = [x for x in findings if not x.ok]
    assert len(bad) == 1 and "git checkout" in bad[0].fix
    lines = []
    assert doctor(render=False, out=lines.append) is False
    assert "1 problem(s) found" in "\n".join(lines)


def test_doctor_command_exit_status(tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "livedqn_edu", "doctor", "--no-render"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "All good" in ok.stdout
    env = {"LIVEDQN_DATA": str(tmp_path), "PATH": "/usr/bin:/bin"}
    (tmp_path / "MANIFEST.json").write_text('{"x.csv": {"sha256": "0", "bytes": 1}}')
    bad = subprocess.run(
        [sys.executable, "-m", "livedqn_edu", "doctor", "--no-render"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert bad.returncode == 1
    assert "data/x.csv is missing" in bad.stdout


def test_doctor_stays_a_function_after_its_module_is_imported():
    import importlib

    import livedqn_edu

    importlib.import_module("livedqn_edu.checkup")
    importlib.import_module("livedqn_edu.plotting")
    from livedqn_edu import doctor as doctor_function

    assert callable(doctor_function)
    assert livedqn_edu.doctor is doctor_function


def test_doctor_fails_on_an_emptied_missing_or_broken_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("LIVEDQN_DATA", str(tmp_path))
    for content, said in [("{}", "lists no files"), ("", "unreadable"), (None, "missing")]:
        path = tmp_path / "MANIFEST.json"
        if content is None:
            path.unlink()
        else:
            path.write_text(content)
        bad = [f for f in run_checks(render=False, import_tf=False) if not f.ok]
        assert len(bad) == 1 and bad[0].name == "data" and said in bad[0].value
        assert "git checkout -- data/MANIFEST.json" in bad[0].fix
        lines = []
        assert doctor(render=False, out=lines.append) is False


def test_doctor_command_fails_on_an_emptied_manifest(tmp_path):
    (tmp_path / "MANIFEST.json").write_text("{}\n")
    env = {"LIVEDQN_DATA": str(tmp_path), "PATH": "/usr/bin:/bin"}
    bad = subprocess.run(
        [sys.executable, "-m", "livedqn_edu", "doctor", "--no-render"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert bad.returncode == 1
    assert "[FIX] data" in bad.stdout and "lists no files" in bad.stdout
