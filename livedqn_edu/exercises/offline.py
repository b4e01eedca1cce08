"""Checkers for lessons 08-09: bootstrapped targets with masks and off-policy estimators.

1. ``masked_n_step_target(rewards, next_q, next_mask, terminated, gamma)`` (lesson 08): the
   n-step DQN target, bootstrapping from the best VALID slot ``n`` steps later.
2. ``snips(rewards, propensities, target_probs)``: self-normalised IPS.
3. ``doubly_robust(rewards, actions, propensities, target_scores, reward_pred, mask)``: the DR
   estimate of the greedy policy of ``target_scores``.
4. ``effective_sample_size(weights)``: Kish's ESS of importance weights.
5. ``fqe_target(rewards, next_q, next_policy_scores, next_mask, terminated, gamma)``: the fitted
   Q evaluation target of a greedy target policy.

Every answer must be a real number or a numeric array; a masked (empty) slot is never a choice,
so cases where every valid value is negative catch an empty slot scored 0 instead of ``-inf``.
The package's versions live in :mod:`livedqn_edu.recsys.ope` and :mod:`~.recsys.fitted_q`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, run_checks
from livedqn_edu.exercises._strict import numbers_close

__all__ = [
    "check_masked_n_step_target",
    "check_snips",
    "check_doubly_robust",
    "check_effective_sample_size",
    "check_fqe_target",
]

_T, _F = True, False
_NUM = numbers_close(1e-6)
_ZERO_HINT = "an empty slot must count as -inf, not 0: when every valid value is negative a 0 wins"


def check_masked_n_step_target(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(rewards, next_q, next_mask, terminated, gamma) -> (B,)`` n-step targets.

    ``rewards`` ``(B, n)``: the n rewards (0 after an episode ended); ``next_q`` ``(B, K)`` and
    ``next_mask`` ``(B, K)``: the state n steps later; ``terminated`` ``(B,)``: the episode ended
    within the n steps. Target: ``sum_j gamma**j r_j + gamma**n (1 - terminated) max_valid
    next_q`` (0 bootstrap when no slot is valid).
    """
    r = np.array([[1.0, 2.0], [0.5, -1.0]])
    q = np.array([[3.0, 100.0, 1.0], [-4.0, -2.0, 0.0]])
    m = np.array([[_T, _F, _T], [_T, _T, _F]])
    live = np.zeros(2)
    cases = [
        Case(
            "two steps, gamma 0.9; row 1's valid next values are all negative",
            (r, q, m, live, 0.9),
            # row 0: 1 + 0.9 * 2 + 0.81 * max(3, 1) = 5.23; row 1: 0.5 - 0.9 + 0.81 * -2 = -2.02
            np.array([5.23, -2.02]),
            "bootstrap from the best VALID slot: " + _ZERO_HINT + "; reward j is discounted by "
            "gamma**j and the bootstrap by gamma**n",
            compare=_NUM,
        ),
        Case(
            "row 1's episode ended within the n steps",
            (r, q, m, np.array([0.0, 1.0]), 0.9),
            # row 0: 5.23; row 1: 0.5 + 0.9 * -1 = -0.4, no bootstrap
            np.array([5.23, -0.4]),
            "multiply the bootstrap by (1 - terminated): nothing follows the end of an episode",
            compare=_NUM,
        ),
        Case(
            "three steps, gamma 0.5, one row with no valid slot",
            (
                np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 4.0]]),
                np.array([[-8.0, 6.0], [5.0, 5.0]]),
                np.array([[_T, _F], [_F, _F]]),
                np.zeros(2),
                0.5,
            ),
            # row 0: 1 + 0.5 + 0.25 + 0.125 * -8 = 0.75; row 1: 2 + 0 + 1 + 0 = 3
            np.array([0.75, 3.0]),
            "the bootstrap is discounted by gamma**n (n = rewards.shape[1]), not gamma**(n-1); a "
            "row with no valid slot bootstraps 0 (the max over nothing is -inf)",
            compare=_NUM,
        ),
    ]
    return run_checks("masked_n_step_target", fn, cases)


def check_snips(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(rewards, propensities, target_probs) -> float``: ``sum w r / sum w``."""
    cases = [
        Case(
            "the target is the logging policy",
            (np.array([1.0, 0.0, 3.0]), np.array([0.5, 0.25, 0.25]), np.array([0.5, 0.25, 0.25])),
            # every weight is 1: (1 + 0 + 3) / 3
            4 / 3,
            "when the target is the logging policy every weight is 1 and SNIPS is the mean",
            compare=_NUM,
        ),
        Case(
            "weights 0, 2 and 4",
            (np.array([4.0, 1.0, 2.0]), np.array([0.5, 0.25, 0.25]), np.array([0.0, 0.5, 1.0])),
            # w = (0, 2, 4): (0 + 2 + 8) / (0 + 2 + 4) = 10 / 6
            10 / 6,
            "divide by the SUM of the weights (IPS divides by n); each weight is "
            "target_prob / propensity, not the other way round",
            compare=_NUM,
        ),
        Case(
            "weights 0.5 and 3",
            (np.array([2.0, 1.0]), np.array([0.8, 0.1]), np.array([0.4, 0.3])),
            # w = (0.5, 3): (1 + 3) / 3.5 = 1.142857
            4 / 3.5,
            "normalise by the sum of the weights, not by how many are non-zero",
            compare=_NUM,
        ),
    ]
    return run_checks("snips", fn, cases)


def check_doubly_robust(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(rewards, actions, propensities, target_scores, reward_pred, mask) -> float``.

    The target is greedy over the VALID slots of ``target_scores`` ``(n, K)``;
    ``reward_pred`` ``(n, K)`` is a reward model (anything in empty slots); ``propensities``
    ``(n,)`` the logging probability of each logged ``action``. DR:
    ``mean_i [ rhat(x_i, a*_i) + 1{a_i = a*_i} / mu_i * (r_i - rhat(x_i, a_i)) ]``.
    """
    args = (
        np.array([1.0, 0.0, 2.0]), np.array([0, 1, 2]), np.array([0.5, 0.25, 0.5]),
        np.array([[-1.0, -3.0, -2.0], [-5.0, -1.0, -4.0], [-2.0, -9.0, -1.0]]),
        np.array([[0.8, 9.0, 0.3], [0.1, 0.5, 9.0], [0.2, 9.0, 1.5]]),
        np.array([[_T, _F, _T], [_T, _T, _F], [_T, _F, _T]]),
    )  # fmt: skip
    cases = [
        Case(
            "three logs, every target score negative, empty slots hold 9.0",
            args,
            # greedy: slots 0, 1, 2 (= the logged ones); direct 0.8, 0.5, 1.5;
            # corrections 2 * (1 - 0.8) = 0.4, 4 * (0 - 0.5) = -2, 2 * (2 - 1.5) = 1
            # -> (1.2 - 1.5 + 2.5) / 3 = 0.733333
            2.2 / 3,
            _ZERO_HINT + " (the greedy target must never pick an empty slot)",
            compare=_NUM,
        ),
        Case(
            "the target disagrees with the log in the second row",
            (
                *args[:3],
                np.array([[0.0, -1.0, -1.0], [-1.0, -2.0, -3.0], [0.0, -1.0, 2.0]]),
                *args[4:],
            ),
            # greedy: 0, 0, 2; direct 0.8, 0.1, 1.5; corrections 0.4, 0 (weight 0), 1
            # -> (1.2 + 0.1 + 2.5) / 3 = 1.266667
            3.8 / 3,
            "the model's part uses the TARGET's slot, rhat(x, a*); the correction uses the "
            "LOGGED slot, w * (r - rhat(x, a)), with w = 1{a = a*} / propensity",
            compare=_NUM,
        ),
    ]
    return run_checks("doubly_robust", fn, cases)


def check_effective_sample_size(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(weights) -> float``: Kish's ``(sum w)**2 / sum w**2``."""
    cases = [
        Case("four equal weights", (np.full(4, 0.7),), 4.0,
             "equal weights: every log counts, the ESS is n", compare=_NUM),
        Case("one non-zero weight among five", (np.array([0.0, 0.0, 5.0, 0.0, 0.0]),), 1.0,
             "a single log carries all the weight: the ESS is 1", compare=_NUM),
        Case("weights 0, 1, 1, 2", (np.array([0.0, 1.0, 1.0, 2.0]),), 16 / 6,
             # (0 + 1 + 1 + 2)**2 / (0 + 1 + 1 + 4) = 16 / 6
             "square the SUM of the weights, divide by the sum of the SQUARES",
             compare=_NUM),
    ]  # fmt: skip
    return run_checks("effective_sample_size", fn, cases)


def check_fqe_target(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(rewards, next_q, next_policy_scores, next_mask, terminated, gamma) -> (B,)``.

    The policy evaluated is greedy over the VALID slots of ``next_policy_scores``; the target
    is ``r + gamma (1 - terminated) next_q[a']`` with ``a'`` that policy's slot (0 bootstrap when
    the next state has no valid slot). Not the max of ``next_q``: FQE evaluates a given policy.
    """
    r = np.array([1.0, 0.0])
    q = np.array([[5.0, 2.0, 7.0], [-3.0, 4.0, -1.0]])
    scores = np.array([[-2.0, -1.0, -3.0], [0.5, 0.2, 0.9]])
    m = np.array([[_T, _T, _F], [_T, _F, _T]])
    cases = [
        Case(
            "negative policy scores; the policy is not greedy in next_q",
            (r, q, scores, m, np.zeros(2), 0.9),
            # row 0: the policy takes slot 1 (-1 > -2): 1 + 0.9 * 2 = 2.8;
            # row 1: the policy takes slot 2 (0.9): 0 + 0.9 * -1 = -0.9
            np.array([2.8, -0.9]),
            "bootstrap with next_q of the POLICY's slot (argmax of next_policy_scores over valid "
            "slots), not max(next_q): " + _ZERO_HINT,
            compare=_NUM,
        ),
        Case(
            "row 1 terminated; a row with no valid slot",
            (
                np.array([1.0, 2.0, 3.0]),
                np.vstack([q, [[1.0, 1.0, 1.0]]]),
                np.vstack([scores, [[1.0, 2.0, 3.0]]]),
                np.vstack([m, [[_F, _F, _F]]]),
                np.array([0.0, 1.0, 0.0]),
                0.5,
            ),
            # 1 + 0.5 * 2 = 2; terminated -> 2; no valid slot -> 3 + 0 = 3
            np.array([2.0, 2.0, 3.0]),
            "multiply the bootstrap by (1 - terminated); a next state with no valid slot "
            "bootstraps 0",
            compare=_NUM,
        ),
    ]
    return run_checks("fqe_target", fn, cases)
