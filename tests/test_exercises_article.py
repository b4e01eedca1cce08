"""Tests for livedqn_edu.exercises.article: each checker accepts a fix and rejects wrong answers."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any
from unittest import mock

import numpy as np
import pytest

from livedqn_edu.exercises import (
    check_batch_targets,
    check_bootstrap_target,
    check_sample_minibatch,
)


class EqualsEverything(float):
    """A float that claims to equal anything: a checker must look at its value."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = float.__hash__


def rejects(check: Callable[..., Any], func: Callable[..., Any], hint: str, capsys) -> None:
    assert not check(func)
    out = capsys.readouterr().out
    assert "[FAIL]" in out and hint in out, out


# --- check_bootstrap_target --------------------------------------------------------------------
def right_target(reward, next_q, terminated, truncated, gamma):
    return reward if terminated else reward + gamma * max(next_q)


def merged_done(reward, next_q, terminated, truncated, gamma):  # the article's `done`
    return reward if (terminated or truncated) else reward + gamma * max(next_q)


def no_termination(reward, next_q, terminated, truncated, gamma):
    return reward + gamma * max(next_q)


def mean_not_max(reward, next_q, terminated, truncated, gamma):
    return reward if terminated else reward + gamma * sum(next_q) / len(next_q)


def test_bootstrap_target_accepts_the_fix_in_several_spellings(capsys) -> None:
    assert check_bootstrap_target(right_target)

    def with_numpy(reward, next_q, terminated, truncated, gamma):  # a 0-d array from np.where
        return np.where(terminated, reward, reward + gamma * np.max(next_q))

    assert check_bootstrap_target(with_numpy)
    assert "[PASS]" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (merged_done, "merged `done`"),
        (no_termination, "no next state"),
        (mean_not_max, "max(next_q)"),
        (lambda *a: mock.ANY, "Likely mistake"),
        (lambda *a: EqualsEverything(0.0), "Likely mistake"),
        (lambda *a: [right_target(*a)], "return a number"),
        (lambda *a: True, "Likely mistake"),
    ],
)
def test_bootstrap_target_rejects_wrong_answers(wrong, hint, capsys) -> None:
    rejects(check_bootstrap_target, wrong, hint, capsys)


def test_bootstrap_target_reports_a_stub(capsys) -> None:
    def stub(*args):
        raise NotImplementedError("write the target")

    result = check_bootstrap_target(stub)
    assert not result and result.passed == 0
    assert "not implemented yet" in capsys.readouterr().out


# --- check_sample_minibatch --------------------------------------------------------------------
def right_sample(memory, batch_size, rng):
    return [memory[i] for i in rng.integers(len(memory), size=batch_size)]


def without_replacement(memory, batch_size, rng):
    return [memory[i] for i in rng.choice(len(memory), batch_size, replace=False)]


def article_sample(memory, batch_size, rng):  # the article's line, with the seeded generator
    return rng.choice(memory, batch_size)


def test_sample_minibatch_accepts_with_and_without_replacement(capsys) -> None:
    assert check_sample_minibatch(right_sample)
    assert check_sample_minibatch(without_replacement)
    assert capsys.readouterr().out.count("[PASS]") == 2


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (article_sample, "your function raised ValueError"),
        (lambda m, b, rng: np.random.choice(m, b), "raised ValueError"),  # noqa: NPY002
        (lambda m, b, rng: m[-b:], "were drawn 0"),  # the most recent ones only
        (lambda m, b, rng: m[:b], "some transitions were drawn"),
        (lambda m, b, rng: [m[int(rng.integers(len(m)))]] * b, "distinct transitions"),
        (lambda m, b, rng: [m[i] for i in rng.integers(len(m) // 2, size=b)], "were drawn 0"),
        (lambda m, b, rng: random.sample(m, b), "seeded alike"),
        (lambda m, b, rng: list(rng.integers(len(m), size=b)), "not an index"),
        (lambda m, b, rng: (m[i] for i in rng.integers(len(m), size=b)), "got generator"),
        (lambda m, b, rng: right_sample(m, b - 1, rng), "got 3"),
        (lambda m, b, rng: mock.ANY, "got _ANY"),
    ],
)
def test_sample_minibatch_rejects_wrong_answers(wrong, hint, capsys) -> None:
    rejects(check_sample_minibatch, wrong, hint, capsys)


def test_sample_minibatch_rejects_shuffling_memory_in_place(capsys) -> None:
    def shuffles(memory, batch_size, rng):
        rng.shuffle(memory)
        return memory[:batch_size]

    rejects(check_sample_minibatch, shuffles, "changed memory", capsys)


def test_sample_minibatch_reports_a_stub(capsys) -> None:
    def stub(memory, batch_size, rng):
        raise NotImplementedError

    assert check_sample_minibatch(stub).passed == 0
    assert "not implemented yet" in capsys.readouterr().out


# --- check_batch_targets -----------------------------------------------------------------------
def right_targets(q, next_q, actions, rewards, terminated, gamma):
    target_f = q.copy()
    rows = np.arange(len(actions))
    target_f[rows, actions] = rewards + gamma * (1 - terminated) * next_q.max(axis=1)
    return target_f


def article_batched(q, next_q, actions, rewards, terminated, gamma):
    """A first batched version of the article's loop: whole columns, one max for the batch."""
    targets = rewards + gamma * np.amax(next_q)
    target_f = q.copy()
    target_f[:, actions] = targets
    return target_f


def columns_only(q, next_q, actions, rewards, terminated, gamma):
    target_f = q.copy()
    target_f[:, actions] = rewards + gamma * (1 - terminated) * next_q.max(axis=1)
    return target_f


def batch_max(q, next_q, actions, rewards, terminated, gamma):
    target_f = q.copy()
    target_f[np.arange(len(actions)), actions] = rewards + gamma * (1 - terminated) * next_q.max()
    return target_f


def ignores_terminated(q, next_q, actions, rewards, terminated, gamma):
    return right_targets(q, next_q, actions, rewards, np.zeros_like(terminated), gamma)


def vector_only(q, next_q, actions, rewards, terminated, gamma):
    return rewards + gamma * (1 - terminated) * next_q.max(axis=1)


def test_batch_targets_accepts_the_fix_and_nested_lists(capsys) -> None:
    assert check_batch_targets(right_targets)
    assert check_batch_targets(lambda *a: right_targets(*a).tolist())
    assert capsys.readouterr().out.count("[PASS]") == 2


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (article_batched, "writes whole columns"),
        (columns_only, "index rows and actions together"),
        (batch_max, "not over the whole batch"),
        (ignores_terminated, "(1 - terminated)"),
        (vector_only, "Likely mistake"),
        (lambda *a: mock.ANY, "Likely mistake"),
        (lambda *a: np.full((3, 2), np.nan), "Likely mistake"),
    ],
)
def test_batch_targets_rejects_wrong_answers(wrong, hint, capsys) -> None:
    rejects(check_batch_targets, wrong, hint, capsys)


def test_batch_targets_cases_are_the_arithmetic_by_hand() -> None:
    # the checker's own expected values agree with an independent loop over the rows
    from livedqn_edu.exercises.article import _targets_cases

    for case in _targets_cases():
        q, next_q, actions, rewards, terminated, gamma = case.args
        want = q.copy()
        for i, a in enumerate(actions):
            want[i, a] = rewards[i] + (0 if terminated[i] else gamma * max(next_q[i]))
        np.testing.assert_allclose(case.expected, want)
