"""Tests for livedqn_edu.exercises.approx: check_bucket and check_semi_gradient_update."""

from __future__ import annotations

import math

import numpy as np
import pytest

from livedqn_edu.approx import semi_gradient_update
from livedqn_edu.discretize import bucket
from livedqn_edu.exercises import (
    check_bucket,
    check_fourier_features,
    check_semi_gradient_update,
    check_sync_ceiling,
)


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


# ---------------------------------------------------------------- Fourier features and syncs


def _fourier_right(unit_obs, coefficients):
    return np.cos(np.pi * coefficients @ unit_obs)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda s, c: np.cos(c @ s),  # no pi
        lambda s, c: np.sin(np.pi * c @ s),  # sine
        lambda s, c: np.cos(2 * np.pi * c @ s),  # 2 pi
        lambda s, c: np.cos(np.pi * c.sum(axis=0) * s),  # shape (d,), not (k,)
    ],
)
def test_fourier_rejects(wrong, capsys) -> None:
    assert not check_fourier_features(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_fourier_accepts_the_package() -> None:
    from livedqn_edu.approx import fourier_features

    assert check_fourier_features(_fourier_right)
    assert check_fourier_features(fourier_features)


def _ceiling_right(k, r_max, gamma):
    return r_max * sum(gamma**i for i in range(k + 1))


@pytest.mark.parametrize(
    "wrong",
    [
        lambda k, r, g: r * sum(g**i for i in range(k)),  # one term too few (0 for k = 0)
        lambda k, r, g: r * (k + 1),  # ignores the discount
        lambda k, r, g: r / (1 - g),  # the limit, whatever k
        lambda k, r, g: r * g**k,  # one term only
        lambda k, r, g: sum(g**i for i in range(k + 1)),  # forgets r_max
    ],
)
def test_sync_ceiling_rejects(wrong, capsys) -> None:
    assert not check_sync_ceiling(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_sync_ceiling_accepts() -> None:
    assert check_sync_ceiling(_ceiling_right)
    assert check_sync_ceiling(lambda k, r, g: r * (1 - g ** (k + 1)) / (1 - g))
