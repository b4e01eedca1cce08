"""The shipped live-room recommender checkpoints: where they live, how they are saved and loaded.

``data/checkpoints/`` holds, for LiveRoom-v1:

- ``live_room/dqn_seed{S}.keras`` and ``live_room/dqn_gamma0_seed{S}.keras`` (each with its
  ``.json``: the config, the training seed, the validation score, the training time), one per
  training seed ``S`` in :data:`TRAIN_SEEDS`: what the benchmark and the lessons compare, since
  one training run is one draw;
- ``live_room_dqn.keras`` and ``live_room_dqn_gamma0.keras``: the one-seed checkpoints lessons
  load when one agent is enough (copies of seed 0's files).

Every file under ``data/`` is recorded in ``data/MANIFEST.json`` with its SHA-256 when it is
written (:func:`save_checkpoint`), and loading verifies it (``DQNAgent.load(verify=True)``): a
changed weight inside a valid ``.keras`` file does not load silently.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from livedqn_edu.dqn import DQNAgent
from livedqn_edu.manifest import data_dir, record

__all__ = [
    "CHECKPOINT_NAME",
    "SEEDS_DIR",
    "TRAIN_SEEDS",
    "checkpoint_path",
    "save_checkpoint",
    "copy_checkpoint",
    "load_live_room_agent",
    "load_live_room_agents",
]

CHECKPOINT_NAME = "live_room_dqn"
"""Stem of the one-seed checkpoint files in ``data/checkpoints`` (``_gamma0`` for the twin)."""
SEEDS_DIR = "live_room"
"""Folder of ``data/checkpoints`` holding one checkpoint per training seed."""
TRAIN_SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)
"""Training seeds of the shipped multi-seed checkpoints."""
REBUILD = "python benchmarks/recommender_dqn.py --jobs 2"
"""The command that retrains and writes the multi-seed checkpoints."""


def checkpoint_path(
    seed: int | None = None, gamma0: bool = False, root: str | Path | None = None
) -> Path:
    """Path of a shipped checkpoint: training seed ``seed``'s, or the one-seed file (``None``).

    Args:
        seed: a training seed (``live_room/dqn{_gamma0}_seed{S}.keras``), or None for
            ``live_room_dqn{_gamma0}.keras``.
        gamma0: the myopic twin's file.
        root: the checkpoints folder (default ``data/checkpoints``).
    """
    base = Path(root) if root is not None else data_dir() / "checkpoints"
    suffix = "_gamma0" if gamma0 else ""
    if seed is None:
        return base / f"{CHECKPOINT_NAME}{suffix}.keras"
    return base / SEEDS_DIR / f"dqn{suffix}_seed{int(seed)}.keras"


def _in_data(path: Path) -> bool:
    return path.resolve().is_relative_to(data_dir().resolve())


def save_checkpoint(agent: DQNAgent, path: str | Path, command: str, **meta: Any) -> list[Path]:
    """Save ``agent`` with ``meta`` in its JSON; record both files in the manifest if in data/.

    Returns:
        The two paths written (``.keras``, ``.json``).
    """
    path = agent.save(path, **meta)
    written = [path, path.with_suffix(".json")]
    for p in written:
        if _in_data(p):
            keep = {k: meta[k] for k in ("seed", "gamma", "score") if k in meta}
            record(p, command=command, **keep)
    return written


def copy_checkpoint(src: str | Path, dst: str | Path, command: str) -> list[Path]:
    """Copy a checkpoint's two files (e.g. seed 0's to the one-seed name), recorded if in data/."""
    src, dst = Path(src), Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    written = [dst, dst.with_suffix(".json")]
    shutil.copyfile(src, dst)
    shutil.copyfile(src.with_suffix(".json"), dst.with_suffix(".json"))
    meta = json.loads(dst.with_suffix(".json").read_text(encoding="utf-8"))
    keep = {k: meta[k] for k in ("seed", "gamma", "score") if k in meta}
    for p in written:
        if _in_data(p):
            record(p, command=command, **keep)
    return written


def load_live_room_agent(
    path: str | Path | None = None, gamma0: bool = False, verify: bool = True
) -> DQNAgent:
    """Load a recommender checkpoint (default: the shipped one-seed file, or its gamma-0 twin).

    Its ``metadata`` attribute holds the JSON (config, seed, validation score...).

    Raises:
        FileNotFoundError: if the checkpoint is missing (with the command that rebuilds it).
        ChecksumError: a file in ``data/`` that does not match ``data/MANIFEST.json``.
    """
    path = Path(path) if path is not None else checkpoint_path(None, gamma0)
    if not path.is_file():
        raise FileNotFoundError(
            f"no recommender checkpoint at {path}: rebuild it with "
            f"`livedqn-edu train live-room --force` (one seed) or `{REBUILD}` (every training seed)"
        )
    return DQNAgent.load(path, verify=verify)


def load_live_room_agents(
    gamma0: bool = False,
    seeds: Iterable[int] = TRAIN_SEEDS,
    root: str | Path | None = None,
    verify: bool = True,
) -> list[DQNAgent]:
    """The shipped recommenders, one per training seed (the DQN's, or its gamma-0 twin's).

    Args:
        gamma0: the myopic twins instead of the gamma-0.9 recommenders.
        seeds: training seeds to load (default all of :data:`TRAIN_SEEDS`).
        root: the checkpoints folder (default ``data/checkpoints``).
        verify: check files in ``data/`` against the manifest.

    Raises:
        FileNotFoundError: a seed's checkpoint is missing (the message names the command).
    """
    return [load_live_room_agent(checkpoint_path(s, gamma0, root), verify=verify) for s in seeds]
