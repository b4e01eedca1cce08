"""Checkers for lesson 07 (baselines, bandits and paired comparison).

1. ``paired_bootstrap_ci(a, b, indices, level)``: the paired bootstrap interval of a difference
   of two policies on the same viewers: each replicate applies ONE viewer draw to both.
2. ``mmr_step(relevance, candidate_categories, history_categories, mask, lam)``: one step of the
   diversity re-ranker.
3. ``ucb_scores(features, mask, A, b, alpha)``: LinUCB's optimistic score of every slot.

The package's tested versions: :func:`livedqn_edu.recsys.stats.paired_difference`,
:func:`livedqn_edu.recsys.rerank.mmr_select` and :class:`livedqn_edu.recsys.bandits.LinUCBBandit`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, run_checks
from livedqn_edu.exercises._strict import numbers_close, same_slots

__all__ = ["check_paired_bootstrap_ci", "check_mmr_step", "check_ucb_scores"]

_T, _F = True, False
_NUM = numbers_close(1e-6)


def _paired_ci(a: np.ndarray, b: np.ndarray, idx: np.ndarray, level: float) -> tuple:
    reps = (a[idx] - b[idx]).mean(axis=1)
    low, high = np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    return float(np.mean(a - b)), float(low), float(high)


def check_paired_bootstrap_ci(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(a, b, indices, level) -> (diff, low, high)``.

    ``a`` and ``b`` are ``(V,)`` per-viewer values of two policies on the SAME viewers;
    ``indices`` is ``(B, V)`` int, one bootstrap draw of viewers per row. ``diff`` is
    ``mean(a - b)``; ``low``/``high`` are the ``(1 - level) / 2`` and ``(1 + level) / 2``
    quantiles (``np.quantile``) of the replicates ``mean(a[idx] - b[idx])``.
    """
    rng = np.random.default_rng(7)
    viewers = rng.normal(5.0, 3.0, 12)  # viewers differ a lot; the two policies move together
    a, b = viewers + 0.4 + rng.normal(0, 0.1, 12), viewers + rng.normal(0, 0.1, 12)
    idx = rng.integers(0, 12, (300, 12))
    tiny = np.array([[0, 0, 0, 0], [1, 1, 2, 3], [0, 2, 1, 3], [3, 3, 3, 1]])
    cases = [
        Case(
            "four viewers, four replicates, level 0.5",
            (np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 2.0, 2.0, 5.0]), tiny, 0.5),
            # a - b = (1, 0, 1, -1), diff 0.25; replicates (1, 0, 0.25, -0.75);
            # np.quantile at 0.25 and 0.75 -> -0.1875 and 0.4375
            (0.25, -0.1875, 0.4375),
            "diff is mean(a - b) on the data; each replicate is the mean of a[idx] - b[idx] "
            "for ONE row idx of indices; the interval's ends are np.quantile of the replicates "
            "at (1 - level) / 2 and (1 + level) / 2",
            compare=_NUM,
        ),
        Case(
            "twelve viewers who differ a lot, 300 replicates, level 0.95",
            (a, b, idx, 0.95),
            _paired_ci(a, b, idx, 0.95),
            "apply the SAME row of indices to a and to b: resampling them apart (or only one of "
            "them) puts the differences between viewers back into the interval",
            compare=_NUM,
        ),
        Case(
            "the same data at level 0.8",
            (a, b, idx, 0.8),
            _paired_ci(a, b, idx, 0.8),
            "use `level`: the interval's ends are the (1 - level) / 2 and (1 + level) / 2 "
            "quantiles, not always 2.5% and 97.5%",
            compare=_NUM,
        ),
    ]
    return run_checks("paired_bootstrap_ci", fn, cases)


def check_mmr_step(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(relevance, candidate_categories, history_categories, mask, lam) -> (N,) slots``.

    Score of slot k: ``lam * relevance[k] - (1 - lam) * max_h [category k == history h]``
    (``-1`` in the history means no room: no penalty); masked slots are never chosen.
    """
    ones = np.ones((1, 3), bool)
    cases = [
        Case(
            "two gaming rooms and a music room after a gaming room, lam 0.5",
            (np.array([[0.9, 0.8, 0.3]]), np.array([[0, 0, 1]]), np.array([[0, -1]]), ones, 0.5),
            # 0.45 - 0.5 = -0.05, 0.4 - 0.5 = -0.1, 0.15 - 0 = 0.15 -> slot 2
            np.array([2]),
            "penalise a candidate by (1 - lam) times its largest similarity to a recent room",
            compare=same_slots,
        ),
        Case(
            "every score negative and the best relevance in an empty slot",
            (
                np.array([[-1.0, 5.0, -2.0]]),
                np.array([[0, 1, 2]]),
                np.array([[2, -1]]),
                np.array([[_T, _F, _T]]),
                0.5,
            ),
            # slot 0: -0.5 - 0 = -0.5; slot 2: -1 - 0.5 = -1.5; slot 1 is empty -> slot 0
            np.array([0]),
            "an empty slot must score -inf, not 0: with negative scores a 0 would be chosen",
            compare=same_slots,
        ),
        Case(
            "the history holds two gaming rooms: the max, not the sum, of similarities",
            (
                np.array([[1.0, 0.5]]),
                np.array([[0, 1]]),
                np.array([[0, 0, 1]]),
                np.ones((1, 2), bool),
                0.6,
            ),
            # max: 0.6 - 0.4 = 0.2 vs 0.3 - 0.4 = -0.1 -> slot 0 (a sum would give -0.2)
            np.array([0]),
            "take the MAX similarity over the recent rooms, not their sum",
            compare=same_slots,
        ),
        Case(
            "lam 0.8 weighs relevance, 0.2 the similarity",
            (
                np.array([[0.9, 0.3], [0.5, 0.3], [0.2, 0.6]]),
                np.array([[0, 1], [0, 1], [0, 1]]),
                np.array([[0], [0], [-1]]),
                np.ones((3, 2), bool),
                0.8,
            ),
            # row 0: 0.72 - 0.2 = 0.52 vs 0.24 -> 0; row 1: 0.4 - 0.2 = 0.2 vs 0.24 -> 1;
            # row 2 has no history: relevance decides -> 1
            np.array([0, 1, 1]),
            "lam multiplies the relevance and (1 - lam) the similarity (not the other way round)",
            compare=same_slots,
        ),
    ]
    return run_checks("mmr_step", fn, cases)


def check_ucb_scores(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(features, mask, A, b, alpha) -> (N, K)`` LinUCB scores, ``-inf`` if masked.

    ``theta = A^-1 b``; score ``= theta . x + alpha * sqrt(x^T A^-1 x)``.
    """
    x = np.array([[[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]])
    a_mat, b_vec = np.diag([3.0, 2.0]), np.array([-6.0, -8.0])
    cases = [
        Case(
            "no data yet: A = 2 I, b = 0, x = (3, 4), alpha 1.5",
            (np.array([[[3.0, 4.0]]]), np.array([[_T]]), 2 * np.eye(2), np.zeros(2), 1.5),
            # theta = 0; bonus = sqrt(x . x / 2) = sqrt(12.5) -> 1.5 * 3.5355 = 5.3033
            np.array([[1.5 * np.sqrt(12.5)]]),
            "the bonus is alpha * sqrt(x^T A^-1 x): with A = 2 I that is alpha * |x| / sqrt(2)",
            compare=_NUM,
        ),
        Case(
            "negative predicted rewards, slot 1 empty",
            (x, np.array([[_T, _F, _T]]), a_mat, b_vec, 0.5),
            # theta = A^-1 b = (-2, -4); slot 0: -2 + 0.5 * sqrt(1/3) = -1.7113;
            # slot 2: -6 + 0.5 * sqrt(1/3 + 1/2) = -5.5436; slot 1 empty -> -inf
            np.array([[-2 + 0.5 * np.sqrt(1 / 3), -np.inf, -6 + 0.5 * np.sqrt(5 / 6)]]),
            "an empty slot scores -inf, not 0; theta is A^-1 b (np.linalg.solve(A, b)), and "
            "the bonus uses A^-1, not A",
            compare=_NUM,
        ),
        Case(
            "alpha 0 is the greedy ridge prediction",
            (x, np.ones((1, 3), bool), a_mat, b_vec, 0.0),
            # theta = (-2, -4): -2, -8, -6
            np.array([[-2.0, -8.0, -6.0]]),
            "with alpha = 0 the score is theta . x with theta = A^-1 b (not b itself)",
            compare=_NUM,
        ),
    ]
    return run_checks("ucb_scores", fn, cases)
