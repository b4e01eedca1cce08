"""Tests for the lesson-07 checkers: each rejects the stub, ANY and plausible mistakes, and
accepts the right answer (and the package's own tested code)."""

from __future__ import annotations

from unittest.mock import ANY

import numpy as np
import pytest

from livedqn_edu.exercises import check_mmr_step, check_paired_bootstrap_ci, check_ucb_scores
from livedqn_edu.recsys.bandits import LinUCBBandit
from livedqn_edu.recsys.rerank import category_similarity, mmr_select


def _stub(*args):
    raise NotImplementedError("write it")


def _any(*args):
    return ANY


def _any_tuple(*args):
    return (ANY, ANY, ANY)


# --- paired bootstrap -----------------------------------------------------------------------------
def _paired_right(a, b, indices, level):
    reps = (a[indices] - b[indices]).mean(axis=1)
    low, high = np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    return float(np.mean(a - b)), float(low), float(high)


def _paired_unpaired(a, b, indices, level):
    # mistake: B resampled with its own draw (here: the rows in reverse order)
    reps = a[indices].mean(axis=1) - b[indices[::-1]].mean(axis=1)
    low, high = np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    return float(np.mean(a - b)), float(low), float(high)


def _paired_only_a(a, b, indices, level):
    # mistake: only A is resampled
    reps = a[indices].mean(axis=1) - b.mean()
    low, high = np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    return float(np.mean(a - b)), float(low), float(high)


def _paired_fixed_95(a, b, indices, level):
    # mistake: ignores `level`
    reps = (a[indices] - b[indices]).mean(axis=1)
    low, high = np.quantile(reps, [0.025, 0.975])
    return float(np.mean(a - b)), float(low), float(high)


def _paired_normal(a, b, indices, level):
    # mistake: a normal interval that ignores the bootstrap draws
    d = a - b
    half = 1.96 * d.std(ddof=1) / np.sqrt(d.size)
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def test_paired_bootstrap_checker(capsys) -> None:
    assert check_paired_bootstrap_ci(_paired_right)
    for wrong in (_stub, _any, _any_tuple, _paired_unpaired, _paired_only_a, _paired_fixed_95,
                  _paired_normal):  # fmt: skip
        assert not check_paired_bootstrap_ci(wrong), wrong.__name__
    check_paired_bootstrap_ci(_paired_only_a)
    assert "SAME row of indices" in capsys.readouterr().out


def test_the_hand_computed_case_by_numpy() -> None:
    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 2.0, 2.0, 5.0])
    idx = np.array([[0, 0, 0, 0], [1, 1, 2, 3], [0, 2, 1, 3], [3, 3, 3, 1]])
    assert _paired_right(a, b, idx, 0.5) == pytest.approx((0.25, -0.1875, 0.4375))


# --- MMR step -------------------------------------------------------------------------------------
def _mmr(rel, cats, hist, mask, lam, fill=-np.inf, reduce="max", swap=False, scale=True):
    sim = (cats[:, :, None] == hist[:, None, :]) & (hist[:, None, :] >= 0)
    pen = sim.max(axis=2, initial=0) if reduce == "max" else sim.sum(axis=2)
    w_rel, w_sim = (1 - lam, lam) if swap else (lam, 1 - lam)
    score = w_rel * rel - w_sim * pen if scale else rel - pen
    return np.where(mask, score, fill).argmax(axis=1)


def test_mmr_checker_accepts_the_answer_and_the_package() -> None:
    assert check_mmr_step(_mmr)

    def package(rel, cats, hist, mask, lam):
        return mmr_select(rel, category_similarity(cats, hist), mask, lam, hist >= 0)

    assert check_mmr_step(package)


@pytest.mark.parametrize(
    "wrong",
    [
        _stub,
        _any,
        lambda *a: _mmr(*a, fill=0.0),  # masked slots scored 0
        lambda *a: _mmr(*a, reduce="sum"),  # sum of similarities
        lambda *a: _mmr(*a, swap=True),  # lam on the similarity
        lambda *a: _mmr(*a, scale=False),  # relevance - similarity, lam ignored
        lambda rel, cats, hist, mask, lam: np.where(mask, rel, -np.inf).argmax(axis=1),
    ],
    ids=["stub", "any", "masked_zero", "sum", "swapped_lam", "no_lam", "no_penalty"],
)
def test_mmr_checker_rejects(wrong, capsys) -> None:
    assert not check_mmr_step(wrong)
    assert "[FAIL] mmr_step" in capsys.readouterr().out


# --- UCB scores -----------------------------------------------------------------------------------
def _ucb(features, mask, A, b, alpha, fill=-np.inf, sqrt=True, inverse=True, solve=True):
    a_inv = np.linalg.inv(A) if inverse else A
    theta = np.linalg.solve(A, b) if solve else b
    quad = np.einsum("nkf,fg,nkg->nk", features, a_inv, features)
    bonus = np.sqrt(quad) if sqrt else quad
    return np.where(mask, features @ theta + alpha * bonus, fill)


def test_ucb_checker_accepts_the_answer_and_the_package() -> None:
    assert check_ucb_scores(_ucb)

    def package(features, mask, A, b, alpha):
        bandit = LinUCBBandit(features.shape[2], alpha=alpha)
        bandit.A, bandit.b = A, b
        return bandit.scores(features, mask)

    assert check_ucb_scores(package)


@pytest.mark.parametrize(
    "wrong",
    [
        _stub,
        _any,
        lambda *a: _ucb(*a, fill=0.0),
        lambda *a: _ucb(*a, sqrt=False),
        lambda *a: _ucb(*a, inverse=False),
        lambda *a: _ucb(*a, solve=False),
    ],
    ids=["stub", "any", "masked_zero", "no_sqrt", "A_not_inverse", "theta_is_b"],
)
def test_ucb_checker_rejects(wrong, capsys) -> None:
    assert not check_ucb_scores(wrong)
    assert "[FAIL] ucb_scores" in capsys.readouterr().out
