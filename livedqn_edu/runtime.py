"""Fast/full budgets, seeding and TensorFlow settings, all in one place.

Every notebook cell that trains asks :func:`budget` how much work to do::

    steps = budget(full=50_000, fast=2_000)

In full mode (the default, what learners run) it returns ``full``; with the environment
variable ``LIVEDQN_FAST=1`` (what CI and ``make test`` use) it returns ``fast``.

TensorFlow is imported through :func:`import_tensorflow`, which sets the thread counts and
silences TensorFlow's C++ log lines before the first import, so that the whole course uses the
same settings and notebook outputs stay free of log noise.

The module is called ``runtime`` rather than ``budget`` so that ``import livedqn_edu.runtime``
can never replace the function ``livedqn_edu.budget`` with a module of the same name.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
from collections.abc import Iterator
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "FAST",
    "budget",
    "is_fast",
    "seed_everything",
    "import_tensorflow",
    "tf_threads",
]

T = TypeVar("T")


def is_fast() -> bool:
    """True when ``LIVEDQN_FAST`` is set to 1 (read at call time)."""
    return os.environ.get("LIVEDQN_FAST", "0").strip().lower() in {"1", "true", "yes", "on"}


FAST: bool = is_fast()
"""Fast mode flag, read once from ``LIVEDQN_FAST=1`` when the package is imported."""


def budget(full: T, fast: T) -> T:
    """Return ``fast`` in fast mode (``LIVEDQN_FAST=1``), else ``full``.

    Args:
        full: the value learners get (episodes, env steps, seeds...).
        fast: the small value used for CI and quick checks.

    Example:
        >>> budget(full=50_000, fast=2_000) in (50_000, 2_000)
        True
    """
    return fast if is_fast() else full


def tf_threads() -> int:
    """Threads TensorFlow may use: ``LIVEDQN_TF_THREADS`` if set, else the CPU count (max 4)."""
    env = os.environ.get("LIVEDQN_TF_THREADS")
    if env:
        try:
            n = int(env)
        except ValueError:
            raise ValueError(
                f"LIVEDQN_TF_THREADS must be a positive integer, got {env!r}; "
                "unset it or set e.g. LIVEDQN_TF_THREADS=2"
            ) from None
        if n < 1:
            raise ValueError(f"LIVEDQN_TF_THREADS must be >= 1, got {n}")
        return n
    return max(1, min(4, os.cpu_count() or 1))


_TF: Any = None


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Mute file descriptor 2 (TensorFlow's C++ start-up log) unless ``LIVEDQN_TF_VERBOSE=1``.

    TensorFlow writes lines such as "Could not find cuda drivers" straight to the process's
    stderr before its own log level applies; Jupyter would show them under every import cell.
    Python exceptions are unaffected: they still propagate with their messages.
    """
    if os.environ.get("LIVEDQN_TF_VERBOSE") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow() -> Any:
    """Import TensorFlow once, with the course's thread and log settings; return the module.

    Mutes TensorFlow's C++ start-up lines (set ``LIVEDQN_TF_VERBOSE=1`` to see them), sets
    ``TF_CPP_MIN_LOG_LEVEL=2`` (errors only), ``KERAS_BACKEND=tensorflow``, hides GPUs
    (``CUDA_VISIBLE_DEVICES=-1``: the course runs on CPU, this skips a noisy CUDA probe) and
    intra/inter-op threads from :func:`tf_threads`, before TensorFlow runs any op. Every module of
    the package imports TensorFlow through this function, never directly.
    """
    global _TF
    if _TF is not None:
        return _TF
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")  # CPU course: no GPU probe, no log
    with _quiet_stderr():
        import tensorflow as tf  # noqa: PLC0415  (deliberately lazy: TF takes seconds to import)

        n = tf_threads()
        try:
            tf.config.threading.set_intra_op_parallelism_threads(n)
            tf.config.threading.set_inter_op_parallelism_threads(n)
        except RuntimeError:
            # TensorFlow was already initialised elsewhere; its settings stay as they are.
            pass
        tf.config.list_logical_devices()  # initialise the runtime now, while its log is muted
    tf.get_logger().setLevel("ERROR")
    _TF = tf
    return tf


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python's ``random``, numpy's global state and, if loaded, Keras/TensorFlow.

    TensorFlow is seeded only if it has already been imported, so a tabular notebook does not
    pay for importing it; call this after importing the DQN parts of the package.

    Args:
        seed: a non-negative integer.

    Returns:
        A fresh ``np.random.Generator`` seeded with ``seed``, for code that takes an ``rng``.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002  (seeding the legacy global state on purpose)
    if _TF is not None or "tensorflow" in sys.modules:
        import_tensorflow()
        import keras  # noqa: PLC0415

        keras.utils.set_random_seed(seed)
    return np.random.default_rng(seed)
