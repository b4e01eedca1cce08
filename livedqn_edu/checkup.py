"""``livedqn-edu doctor``: is this machine ready for the course?

Checks the versions of Python, TensorFlow, Keras, gymnasium and numpy; reports CPU threads and
fast/full mode; verifies the shipped data and checkpoints against ``data/MANIFEST.json``; and
renders one CartPole frame to ``rgb_array`` headless (no display, no Xvfb). Each problem comes
with a one-line fix. Call it from a notebook as ``livedqn_edu.doctor()``.

The module is called ``checkup`` rather than ``doctor`` so that importing it can never replace
the function ``livedqn_edu.doctor`` with a module of the same name.
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata

from livedqn_edu import manifest
from livedqn_edu.runtime import is_fast, tf_threads

__all__ = ["Finding", "run_checks", "doctor", "headless_render_env"]


@dataclass
class Finding:
    """One line of the doctor's report; ``fix`` is set when something is wrong."""

    name: str
    value: str
    fix: str | None = None

    @property
    def ok(self) -> bool:
        return self.fix is None


@dataclass
class _Report:
    findings: list[Finding] = field(default_factory=list)

    def add(self, name: str, value: str, fix: str | None = None) -> None:
        self.findings.append(Finding(name, value, fix))


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _package(report: _Report, dist: str, minimum: str, below: str | None = None) -> None:
    try:
        version = metadata.version(dist)
    except metadata.PackageNotFoundError:
        report.add(
            dist, "not installed", f"run `make lab` (or `pip install -e .`) to install {dist}"
        )
        return
    fix = None
    if _version_tuple(version) < _version_tuple(minimum):
        fix = f"{dist} {version} is too old: `pip install -U '{dist}>={minimum}'`"
    elif below and _version_tuple(version) >= _version_tuple(below):
        fix = f"{dist} {version} is untested here: `pip install '{dist}>={minimum},<{below}'`"
    report.add(dist, version, fix)


def headless_render_env() -> None:
    """Set the variables that let SDL/pygame render off-screen quietly (no display needed)."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    if not os.environ.get("XDG_RUNTIME_DIR"):
        import tempfile

        os.environ["XDG_RUNTIME_DIR"] = tempfile.gettempdir()


def _render(report: _Report) -> None:
    headless_render_env()
    try:
        import gymnasium as gym

        with contextlib.redirect_stderr(io.StringIO()):
            env = gym.make("CartPole-v1", render_mode="rgb_array")
            env.reset(seed=0)
            frame = env.render()
            env.close()
        shape = getattr(frame, "shape", None)
        if shape is None or len(shape) != 3 or shape[2] != 3:
            report.add("headless render", f"unexpected frame {shape}", "`pip install -U pygame`")
        else:
            report.add("headless render", f"CartPole rgb_array {shape[1]}x{shape[0]} ok")
    except Exception as exc:  # noqa: BLE001  (any failure is a finding, not a crash)
        report.add(
            "headless render",
            f"failed: {type(exc).__name__}: {exc}"[:120],
            "`pip install 'gymnasium[classic-control]'` (installs pygame)",
        )


def _tensorflow(report: _Report) -> None:
    try:
        from livedqn_edu.runtime import import_tensorflow

        tf = import_tensorflow()
        threads = tf.config.threading.get_intra_op_parallelism_threads()
        report.add("TensorFlow threads", f"{threads} (set LIVEDQN_TF_THREADS to change)")
    except Exception as exc:  # noqa: BLE001
        report.add(
            "TensorFlow import",
            f"failed: {type(exc).__name__}: {exc}"[:120],
            "reinstall it: `pip install --force-reinstall 'tensorflow>=2.16'`",
        )


def _data(report: _Report) -> None:
    """The shipped files against data/MANIFEST.json: a missing, broken or empty manifest fails."""
    restore = "run `git checkout -- data/MANIFEST.json` (the manifest lists every shipped file)"
    if not manifest.manifest_path().exists():
        report.add("data", "data/MANIFEST.json missing: shipped files cannot be verified", restore)
        return
    try:
        entries = manifest.load()
    except ValueError as exc:
        report.add("data", "data/MANIFEST.json unreadable", f"{restore} ({exc})"[:200])
        return
    if not entries:
        report.add("data", "data/MANIFEST.json lists no files: nothing can be verified", restore)
        return
    problems = manifest.verify()
    for line in problems:
        report.add("data", line.split(":")[0], line.split(": ", 1)[1])
    if not problems:
        report.add("data", f"{len(entries)} shipped files match their checksums")


def run_checks(render: bool = True, import_tf: bool = True) -> list[Finding]:
    """Run every check and return the findings (nothing is printed)."""
    report = _Report()
    py = platform.python_version()
    report.add(
        "Python",
        py,
        None if sys.version_info >= (3, 11) else "the course needs Python >= 3.11",
    )
    _package(report, "tensorflow", "2.16")
    _package(report, "keras", "3.0")
    _package(report, "gymnasium", "1.0", below="2.0")
    _package(report, "numpy", "1.24")
    report.add("CPU threads", f"{os.cpu_count()} cores, course uses {tf_threads()} for TF")
    report.add(
        "mode", "fast (LIVEDQN_FAST=1)" if is_fast() else "full (set LIVEDQN_FAST=1 for fast)"
    )
    if import_tf:
        _tensorflow(report)
    _data(report)
    if render:
        _render(report)
    return report.findings


def doctor(render: bool = True, out: Callable[[str], None] = print) -> bool:
    """Print the doctor's report; return True when nothing needs fixing.

    Args:
        render: also check that an environment renders headless (takes ~1 s).
        out: where lines go (default ``print``).
    """
    findings = run_checks(render=render)
    width = max(len(f.name) for f in findings)
    for f in findings:
        mark = "ok " if f.ok else "FIX"
        out(f"[{mark}] {f.name:<{width}}  {f.value}")
    problems = [f for f in findings if not f.ok]
    if problems:
        out(f"\n{len(problems)} problem(s) found:")
        for f in problems:
            out(f"  - {f.name}: {f.fix}")
        return False
    out("\nAll good: the course is ready to run.")
    return True
