"""Where the course data is found: LIVEDQN_DATA, a checkout's data/, or the installed package."""

from pathlib import Path

import pytest

from livedqn_edu import manifest


def fake_package(monkeypatch, root: Path) -> Path:
    """Make data_dir() believe the package lives in ``root/site/livedqn_edu``."""
    package = root / "site" / "livedqn_edu"
    package.mkdir(parents=True)
    monkeypatch.setattr(manifest, "__file__", str(package / "manifest.py"))
    monkeypatch.delenv("LIVEDQN_DATA", raising=False)
    return package


def test_no_data_anywhere_is_a_clear_error(tmp_path, monkeypatch):
    fake_package(monkeypatch, tmp_path)
    with pytest.raises(FileNotFoundError, match="set LIVEDQN_DATA") as err:
        manifest.data_dir()
    assert "_data" in str(err.value) and "pip install ." in str(err.value)


def test_installed_package_data_is_found(tmp_path, monkeypatch):
    package = fake_package(monkeypatch, tmp_path)
    (package / "_data").mkdir()
    (package / "_data" / "MANIFEST.json").write_text("{}")
    assert manifest.data_dir() == package / "_data"


def test_a_checkout_data_folder_comes_first_and_the_setting_before_it(tmp_path, monkeypatch):
    package = fake_package(monkeypatch, tmp_path)
    for folder in (package / "_data", package.parent / "data"):
        folder.mkdir()
        (folder / "MANIFEST.json").write_text("{}")
    assert manifest.data_dir() == package.parent / "data"
    monkeypatch.setenv("LIVEDQN_DATA", str(tmp_path / "mine"))
    assert manifest.data_dir() == tmp_path / "mine"


def test_the_repository_data_is_used_in_this_checkout(monkeypatch):
    monkeypatch.delenv("LIVEDQN_DATA", raising=False)
    assert manifest.data_dir() == Path(__file__).resolve().parent.parent / "data"
