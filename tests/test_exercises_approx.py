"""Tests for livedqn_edu.exercises.approx: check_bucket and check_semi_gradient_update."""

from __future__ import annotations

import math

import numpy as np
import pytest

from livedqn_edu.approx import semi_gradient_update
from livedqn_edu.discretize import bucket
from livedqn_edu.exercises import check_bucket, check_semi_gradient_update


def stub(*args):
    raise NotImplementedError("write it")


def bucket_no_clip(x, low, high, n_bins):
    return math.floor((x - low) / (high - low) * n_bins)


def bucket_from_zero(x, low, high, n_bins):
    return min(max(math.floor(x / (high - low) * n_bins), 0), n_bins - 1)


def bucket_float(x, low, high, n_bins):
    return float(bucket(x, low, high, n_bins))


def update_no_terminal(w, x, a, r, x_next, terminated, alpha, gamma):
    return semi_gradient_update(w, x, a, r, x_next, False, alpha, gamma)


def update_all_rows(w, x, a, r, x_next, terminated, alpha, gamma):
    future = 0.0 if terminated else gamma * np.max(w @ x_next)
    td = r + future - w[a] @ x
    return w + alpha * td * x  # every action's row moves


def update_full_gradient(w, x, a, r, x_next, terminated, alpha, gamma):
    w = w.copy()
    b = int(np.argmax(w @ x_next))
    future = 0.0 if terminated else gamma * w[b] @ x_next
    td = r + future - w[a] @ x
    w[a] += alpha * td * x
    if not terminated:
        w[b] -= alpha * td * gamma * x_next  # differentiates through the target too
    return w


def test_bucket_accepts_right(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_bucket(bucket)
    assert "[PASS]" in capsys.readouterr().out


def test_update_accepts_right(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_semi_gradient_update(semi_gradient_update)
    assert "[PASS]" in capsys.readouterr().out


def test_both_reject_the_stub(capsys: pytest.CaptureFixture[str]) -> None:
    assert not check_bucket(stub)
    assert not check_semi_gradient_update(stub)
    assert capsys.readouterr().out.count("not implemented yet") >= 10


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [(bucket_no_clip, "clip"), (bucket_from_zero, "from `low`"), (bucket_float, "Python int")],
)
def test_bucket_rejects_mistakes(wrong, hint: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert not check_bucket(wrong)
    assert hint in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (update_no_terminal, "no future"),
        (update_all_rows, "only the row"),
        (update_full_gradient, "treating the target as a constant"),
    ],
)
def test_update_rejects_mistakes(wrong, hint: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert not check_semi_gradient_update(wrong)
    assert hint in capsys.readouterr().out
