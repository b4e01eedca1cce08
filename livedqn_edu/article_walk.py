"""Run the article's printed code, fix the break it stops at, run again, until it runs.

:func:`reproduce_breaks` walks through :data:`~livedqn_edu.article_breaks.ARTICLE_BREAKS` the
way a reader would: each run starts from scratch with one more fix, and each stop is located in
the article's code (the ``# break:`` marker of the line that raised, the function, and the loop's
``e``, ``time`` and number of stored transitions at that moment).
"""

from __future__ import annotations

import linecache
import traceback
import warnings
from dataclasses import dataclass

from livedqn_edu import article
from livedqn_edu.article import DQN, Progress, article_loop
from livedqn_edu.article_breaks import ARTICLE_BREAKS, describe_exception

__all__ = ["Stop", "reproduce_breaks"]


@dataclass(frozen=True)
class Stop:
    """Where one run of the article's code stopped, or that it ran."""

    fixes: tuple[str, ...]
    """The fixes applied in this run (``quiet`` left out)."""
    key: str | None
    """The break that fired (its ``# break:`` marker); None if it ran or the line is unmarked."""
    error: str
    """``"ErrorType: message"``; empty if the code ran until its first training call finished."""
    function: str
    """The article's function that raised: ``training loop``, ``DQN.build_model``..."""
    episode: int | None
    """The article's ``e`` when it stopped (None: before the first episode)."""
    time: int | None
    """The article's ``time`` (step within the episode) when it stopped."""
    transitions: int
    """Transitions in ``agent.memory`` when it stopped."""
    warnings: tuple[str, ...]
    """Warnings raised during the run."""


def reproduce_breaks(seed: int = 0, max_env_steps: int = 1_000) -> list[Stop]:
    """Run the printed code; fix the break it stops at; run again; ... until it runs.

    Every run starts from scratch with one more fix (and ``quiet``). A run "runs" once its first
    training call has finished. The walk also ends at an error on an unmarked line, at a break that
    fires again after its fix, or after ``max_env_steps`` env steps without a training call.
    """
    fixes = {"quiet"}
    stops: list[Stop] = []
    while True:
        stop = _run_once(frozenset(fixes), seed, max_env_steps)
        stops.append(stop)
        if stop.key is None or stop.key in fixes:
            return stops
        fixes.add(stop.key)


def _run_once(fixes: frozenset[str], seed: int, max_env_steps: int) -> Stop:
    applied = tuple(b.key for b in ARTICLE_BREAKS if b.key in fixes)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loop = article_loop(fixes, seed, log=lambda line: None)
        last: Progress | None = None
        try:
            for steps, p in enumerate(loop, start=1):
                if last is not None and last.trains_next or steps > max_env_steps:
                    break
                last = p
            loop.close()
        except Exception as exc:  # noqa: BLE001  (the error is the result)
            seen = tuple(f"{w.category.__name__}: {w.message}" for w in caught)
            return _where(exc, applied, seen)
    seen = tuple(f"{w.category.__name__}: {w.message}" for w in caught)
    ep, time, memory = (last.episode, last.time, last.transitions) if last else (None, None, 0)
    return Stop(applied, None, "", "training loop", ep, time, memory, seen)


_FUNCTIONS = {"article_loop": "training loop", "build_model": "DQN.build_model"}


def _where(exc: Exception, applied: tuple[str, ...], seen: tuple[str, ...]) -> Stop:
    """Locate ``exc`` in the article's code: the marked line, the loop's ``e``, ``time``..."""
    ours = [
        (f, n)
        for f, n in traceback.walk_tb(exc.__traceback__)
        if f.f_code.co_filename == article.__file__
    ]
    inner = ours[-1][0] if ours else None
    source = linecache.getline(article.__file__, ours[-1][1]) if ours else ""
    marker = source.partition("# break:")[2].strip() or None
    loop = next((f for f, _ in ours if f.f_code.co_name == "article_loop"), None)
    local = loop.f_locals if loop is not None else {}
    agent = local.get("agent")
    name = inner.f_code.co_name if inner is not None else "?"
    return Stop(
        applied,
        marker,
        describe_exception(exc),
        _FUNCTIONS.get(name, f"DQN.{name}"),
        local.get("e"),
        local.get("time") if "e" in local else None,
        len(agent.memory) if isinstance(agent, DQN) else 0,
        seen,
    )
