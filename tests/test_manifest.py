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


def _data_copy(tmp_path):
    """A copy of the shipped CartPole checkpoint and the manifest in tmp_path/data."""
    import shutil

    data = tmp_path / "data"
    (data / "checkpoints").mkdir(parents=True)
    for rel in ("checkpoints/cartpole_dqn.keras", "checkpoints/cartpole_dqn.json"):
        shutil.copy(manifest.data_dir() / rel, data / rel)
    entries = manifest.load()
    keep = {k: v for k, v in entries.items() if k.startswith("checkpoints/cartpole_dqn")}
    (data / "MANIFEST.json").write_text(json.dumps(keep))
    return data


def test_verify_file_inside_and_outside_the_data_folder(tmp_path):
    data = _data_copy(tmp_path)
    ck = data / "checkpoints" / "cartpole_dqn.keras"
    assert manifest.verify_file(ck, root=data) is True
    outside = tmp_path / "mine.keras"
    outside.write_bytes(b"anything")
    assert manifest.verify_file(outside, root=data) is False  # not shipped: nothing to check
    unlisted = data / "checkpoints" / "mine.keras"
    unlisted.write_bytes(b"anything")
    with pytest.raises(manifest.ChecksumError, match="not listed in data/MANIFEST.json"):
        manifest.verify_file(unlisted, root=data)
    ck.write_bytes(ck.read_bytes() + b"\0")
    with pytest.raises(manifest.ChecksumError, match="does not match its SHA-256"):
        manifest.verify_file(ck, root=data)
    (data / "MANIFEST.json").write_text("{}")
    with pytest.raises(manifest.ChecksumError, match="missing or lists no files"):
        manifest.verify_file(data / "checkpoints" / "cartpole_dqn.json", root=data)


def test_tampered_checkpoint_is_refused_by_load(tmp_path, monkeypatch):
    import gymnasium as gym
    import numpy as np

    from livedqn_edu.dqn import DQNAgent
    from livedqn_edu.training import evaluate

    data = _data_copy(tmp_path)
    monkeypatch.setenv("LIVEDQN_DATA", str(data))
    path = data / "checkpoints" / "cartpole_dqn.keras"
    agent = DQNAgent.load(path)  # untouched copy: verified and loaded
    # change the weights inside a perfectly valid .keras file
    agent.network.set_weights([-w for w in agent.network.get_weights()])
    agent.network.save(path)
    with pytest.raises(manifest.ChecksumError, match="cartpole_dqn.keras does not match"):
        DQNAgent.load(path)
    with pytest.raises(ValueError, match="verify=False"):  # a ChecksumError is a ValueError
        DQNAgent.load(path)
    mine = DQNAgent.load(path, verify=False)  # the explicit flag for a user's own file
    assert evaluate(gym.make("CartPole-v1"), mine, episodes=1).mean() < 475
    # the same file outside data/ is a user's file: it loads without the check
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for p in (path, path.with_suffix(".json")):
        (outside / p.name).write_bytes(p.read_bytes())
    assert isinstance(DQNAgent.load(outside / path.name), DQNAgent)
    assert np.isfinite(mine.q_values(np.zeros((1, 4), np.float32))).all()
