"""The data manifest: what ships in ``data/``, with SHA-256 checksums.

``data/MANIFEST.json`` maps each shipped file (path relative to ``data/``) to its checksum, its
size and free-form metadata (the command and seed that produced it, a checkpoint's score...).
``livedqn-edu doctor`` verifies it; generators call :func:`record` after writing a file.
Loaders of shipped files (``DQNAgent.load``) call :func:`verify_file`, which refuses a file
inside ``data/`` whose checksum differs from its manifest entry (or that has no entry).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

__all__ = [
    "ChecksumError",
    "data_dir",
    "manifest_path",
    "sha256",
    "load",
    "record",
    "verify",
    "verify_file",
]


class ChecksumError(ValueError):
    """A file inside ``data/`` does not match ``data/MANIFEST.json`` (or is not listed there)."""


def data_dir() -> Path:
    """The course's data folder: logged data, checkpoints and ``MANIFEST.json``.

    Looked up in this order:

    1. ``LIVEDQN_DATA``, when set (used as given: generators may create it);
    2. ``data/`` beside the package, in a checkout of the repository (editable installs);
    3. ``livedqn_edu/_data``, the copy of ``data/`` that a built wheel ships
       (``pyproject.toml`` maps the repository's ``data/`` folder to that package directory).

    Raises:
        FileNotFoundError: when none of them holds ``MANIFEST.json``, with what to do.
    """
    env = os.environ.get("LIVEDQN_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "data", here / "_data"):
        if (candidate / "MANIFEST.json").is_file():
            return candidate
    raise FileNotFoundError(
        f"the course data was not found (looked in {here.parent / 'data'} and {here / '_data'}): "
        "install livedqn-edu from the repository or a wheel built from it (`pip install .`), "
        "or set LIVEDQN_DATA to the repository's data/ folder"
    )


def manifest_path(root: Path | None = None) -> Path:
    """Path of ``MANIFEST.json`` inside ``root`` (default: :func:`data_dir`)."""
    return (root or data_dir()) / "MANIFEST.json"


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load(root: Path | None = None) -> dict[str, dict[str, Any]]:
    """Read the manifest; an empty dict if it does not exist yet."""
    path = manifest_path(root)
    if not path.exists():
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path} is not valid JSON ({exc}); restore it with `git checkout -- {path.name}`"
        ) from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object mapping file names to entries")
    return data


def record(path: Path | str, root: Path | None = None, **meta: Any) -> dict[str, Any]:
    """Add or refresh ``path`` in the manifest with its checksum, size and ``meta``.

    The manifest is written to a temporary file and renamed, so an interrupted write never
    leaves it half-written.
    """
    root = root or data_dir()
    path = Path(path)
    if not path.is_absolute():
        path = root / path
    if not path.is_file():
        raise FileNotFoundError(f"cannot record {path} in the manifest: no such file")
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    entries = load(root)
    entry = {"sha256": sha256(path), "bytes": path.stat().st_size, **meta}
    entries[rel] = entry
    out = manifest_path(root)
    tmp = out.with_suffix(".json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(dict(sorted(entries.items())), f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, out)
    return entry


def verify(root: Path | None = None) -> list[str]:
    """Check every manifest entry; return one line per problem (empty list: all good)."""
    root = root or data_dir()
    problems = []
    for rel, entry in load(root).items():
        path = root / rel
        if not path.is_file():
            problems.append(f"data/{rel} is missing: run `git checkout -- data/{rel}`")
        elif sha256(path) != entry.get("sha256"):
            problems.append(
                f"data/{rel} does not match its checksum: it was changed or corrupted; "
                f"run `git checkout -- data/{rel}` (or regenerate it and record it)"
            )
    return problems


def verify_file(path: Path | str, root: Path | None = None) -> bool:
    """Check one file against the manifest if it lies inside the data folder.

    Args:
        path: the file (e.g. ``data/checkpoints/cartpole_dqn.keras``).
        root: the data folder (default: :func:`data_dir`).

    Returns:
        True when the file is inside ``root`` and matches its manifest entry; False when it lies
        outside ``root`` (a user's own file: there is nothing to check it against).

    Raises:
        ChecksumError: the file is inside ``root`` but its SHA-256 differs from the manifest's,
            it has no manifest entry, or the manifest is missing or empty.
    """
    root = (root or data_dir()).resolve()
    path = Path(path).resolve()
    if root not in path.parents:
        return False
    rel = path.relative_to(root).as_posix()
    own = (
        "if it is your own retrained file, load it with verify=False (DQNAgent.load(path, "
        "verify=False)), or record it with manifest.record(path)"
    )
    try:
        entries = load(root)
    except ValueError as exc:
        raise ChecksumError(f"cannot verify data/{rel}: {exc}") from None
    if not entries:
        raise ChecksumError(
            f"cannot verify data/{rel}: data/MANIFEST.json is missing or lists no files; restore "
            f"it with `git checkout -- data/MANIFEST.json`; {own}"
        )
    entry = entries.get(rel)
    if entry is None:
        raise ChecksumError(
            f"data/{rel} is not listed in data/MANIFEST.json, so it cannot be verified; {own}"
        )
    if sha256(path) != entry.get("sha256"):
        raise ChecksumError(
            f"data/{rel} does not match its SHA-256 in data/MANIFEST.json: it was changed after "
            f"it shipped. Restore it with `git checkout -- data/{rel}`; {own}"
        )
    return True
