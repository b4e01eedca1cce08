import json

import pytest

from livedqn_edu import manifest


def test_record_then_verify_then_detect_corruption(tmp_path):
    f = tmp_path / "checkpoints" / "w.bin"
    f.parent.mkdir()
    f.write_bytes(b"abc")
    entry = manifest.record(f, root=tmp_path, seed=3)
    # sha256("abc") is the well-known test vector
    assert entry["sha256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert entry["bytes"] == 3 and entry["seed"] == 3
    saved = json.loads((tmp_path / "MANIFEST.json").read_text())
    assert list(saved) == ["checkpoints/w.bin"]
    assert manifest.verify(tmp_path) == []
    f.write_bytes(b"abd")
    [problem] = manifest.verify(tmp_path)
    assert "checkpoints/w.bin" in problem and "checksum" in problem
    f.unlink()
    [problem] = manifest.verify(tmp_path)
    assert "missing" in problem and "git checkout" in problem


def test_record_refuses_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        manifest.record(tmp_path / "nope.csv", root=tmp_path)


def test_broken_manifest_is_a_clear_error(tmp_path):
    (tmp_path / "MANIFEST.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        manifest.load(tmp_path)


def test_shipped_data_matches_its_manifest():
    assert manifest.verify() == []
