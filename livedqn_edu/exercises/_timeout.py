"""Time limits for the learner's functions: a case that runs too long is stopped, not waited on.

In the main thread (where Jupyter runs cells) a ``SIGALRM`` timer interrupts the function; where
signals are unavailable (Windows, other threads) the function runs in a helper thread and the
checker stops waiting for it. The exception raised is a ``BaseException``, so a learner's
``except Exception`` cannot swallow it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["DEFAULT_TIMEOUT", "TimeLimit", "call_with_limit", "check_timeout", "effective_limit"]

DEFAULT_TIMEOUT = 10.0
"""Seconds one case may run before the checker stops it (a case may set its own)."""

_CAP: list[float] = []  # stack of caps set by check_timeout()


class TimeLimit(BaseException):
    """Raised inside the learner's function when its time is up (not an ``Exception``, so that a
    learner's ``except Exception`` cannot swallow it)."""


@contextlib.contextmanager
def check_timeout(seconds: float) -> Iterator[None]:
    """Cap every case's time limit at ``seconds`` inside the ``with`` block (tests, slow graders).

    Example:
        >>> with check_timeout(0.5):
        ...     pass  # any check_* called here stops a case after at most 0.5 s
    """
    if not seconds > 0:
        raise ValueError(f"seconds must be > 0, got {seconds!r}")
    _CAP.append(float(seconds))
    try:
        yield
    finally:
        _CAP.pop()


def effective_limit(own: float | None, default: float) -> float:
    """A case's time limit: its own (or the default), capped by any :func:`check_timeout`."""
    limit = own if own is not None else default
    return min([limit, *_CAP])


def call_with_limit(func: Callable[[], Any], seconds: float) -> Any:
    """Call ``func()``, raising :class:`TimeLimit` if it runs longer than ``seconds``."""
    main = threading.current_thread() is threading.main_thread()
    use_alarm = hasattr(signal, "setitimer") and main
    if use_alarm:

        def on_alarm(signum: int, frame: Any) -> None:
            raise TimeLimit

        try:
            previous = signal.signal(signal.SIGALRM, on_alarm)
        except ValueError:  # signals unavailable here after all
            use_alarm = False
    if use_alarm:
        old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return func()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if old_delay:  # give back an alarm someone else had set
                signal.setitimer(signal.ITIMER_REAL, old_delay, old_interval)
    # no signals (Windows, or a thread): run it in a helper thread and stop waiting after `seconds`
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # noqa: BLE001  (handed back to the caller below)
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeLimit
    if "error" in box:
        raise box["error"]
    return box["value"]
