"""Turning a learner's answer into plain values before anything compares it.

Nothing a learner's function returns is trusted: :func:`plain_answer` copies it into plain
Python and numpy objects, so an object that claims to equal everything (``unittest.mock.ANY``,
a custom ``__eq__``) is judged by what it holds, or refused. A generator, a ``map``, a dict, a
ragged list or the wrong type raises :class:`WrongAnswer`, whose message is the hint shown.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

__all__ = ["WrongAnswer", "KIND_HINTS", "plain_answer", "numeric", "answer_array"]


class WrongAnswer(Exception):
    """Raised by a checker's helper when an answer cannot be right; the message is the hint."""


KIND_HINTS = {
    "generator": "it returned a generator: build the whole answer (e.g. np.array([...]) or "
    "sum(...)) instead of yielding it",
    "iterator": "it returned an iterator (a map, filter or zip object): wrap it in np.array(list("
    "...)) or compute the answer with numpy",
    "dict": "it returned a dict: return the number or array itself",
    "set": "it returned a set (sets have no order): return a number or an array",
    "none": "it returned None: did you forget the `return` statement (or return the result of an "
    "in-place operation)?",
    "str": "it returned a string: return the number itself, not its text",
}


def _kind(value: Any) -> str:
    if value is None:
        return "none"
    if inspect.isgenerator(value):
        return "generator"
    if isinstance(value, Mapping):
        return "dict"
    if isinstance(value, (set, frozenset)):
        return "set"
    if isinstance(value, Iterator):
        return "iterator"
    return "other"


def plain_answer(value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` made of plain Python / numpy objects only, or :class:`WrongAnswer`.

    Numbers become ``bool``/``int``/``float`` (numpy scalars keep their numpy type), arrays become
    base ``np.ndarray`` copies, lists and tuples are converted item by item, dicts key by key,
    and objects that expose ``__array__`` (TensorFlow tensors, pandas objects) become arrays. A
    generator, an iterator, or an object of any other type (``unittest.mock.ANY``, a class with a
    custom ``__eq__``) is refused, so a checker never calls the learner's ``__eq__``.
    """
    if depth > 20:
        raise WrongAnswer("the answer is nested too deeply")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, np.generic):
        return np.asarray(value).copy()[()]
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, complex):
        raise WrongAnswer("it returned a complex number: return a real number")
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return [plain_answer(v, depth + 1) for v in value.tolist()]
        return np.array(value, copy=True, subok=False)
    if isinstance(value, (list, tuple)):
        items = [plain_answer(v, depth + 1) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, Mapping):
        return {str(k): plain_answer(v, depth + 1) for k, v in value.items()}
    kind = _kind(value)
    if kind != "other":
        raise WrongAnswer(KIND_HINTS[kind])
    if hasattr(value, "__array__") and not isinstance(value, type):
        try:
            arr = np.array(value, copy=True, subok=False)
        except Exception as exc:  # noqa: BLE001
            raise WrongAnswer(
                f"it returned a {type(value).__name__} that numpy cannot read "
                f"({type(exc).__name__})"
            ) from None
        if arr.dtype == object:
            raise WrongAnswer(f"it returned a {type(value).__name__} holding non-numbers")
        return arr
    raise WrongAnswer(
        f"it returned an object of type {type(value).__name__}; return a number or a numpy array"
    )


def numeric(value: Any, what: str) -> np.ndarray:
    """A float64 array of a plain answer, or :class:`WrongAnswer` naming what is wrong."""
    if isinstance(value, (dict, str)) or value is None:
        raise WrongAnswer(
            KIND_HINTS[
                "dict" if isinstance(value, dict) else "str" if isinstance(value, str) else "none"
            ]
        )
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        if isinstance(value, (list, tuple)):
            raise WrongAnswer(
                f"{what} is a ragged list (rows of different lengths or mixed items); return a "
                "rectangular numpy array"
            ) from None
        raise WrongAnswer(f"{what} is not made of numbers") from None
    return arr


def answer_array(value: Any, what: str = "the answer") -> np.ndarray:
    """A learner's value (a table, an array) as a float64 array copy, or :class:`WrongAnswer`."""
    return numeric(plain_answer(value), what)
