"""Tests for the lesson-08/09 checkers: each rejects the stub, ANY, the masked-slots-as-zero bug
(where masks are involved) and other plausible mistakes, and accepts the right answer and the
package's own tested code."""

from __future__ import annotations

from unittest.mock import ANY

import numpy as np
import pytest

from livedqn_edu.exercises import (
    check_doubly_robust,
    check_effective_sample_size,
    check_fqe_target,
    check_masked_n_step_target,
    check_snips,
)
from livedqn_edu.recsys.fitted_q import fqe_targets
from livedqn_edu.recsys.ope import (
    doubly_robust,
    effective_sample_size,
    greedy_probabilities,
    model_value,
    snips,
)


def _stub(*args):
    raise NotImplementedError("write it")


def _any(*args):
    return ANY


def _best(q, mask, fill=-np.inf):
    best = np.where(mask, q, fill).max(axis=1)
    return np.where(np.isfinite(best), best, 0.0)


# --- n-step target with masks ---------------------------------------------------------------------
def _n_step(rewards, next_q, next_mask, terminated, gamma, fill=-np.inf, power=0, done=True,
            discount=True):  # fmt: skip
    n = rewards.shape[1]
    ret = (gamma ** np.arange(n) * rewards).sum(axis=1) if discount else rewards.sum(axis=1)
    live = (1.0 - terminated) if done else 1.0
    return ret + gamma ** (n + power) * live * _best(next_q, next_mask, fill)


def _n_step_minus_inf(rewards, next_q, next_mask, terminated, gamma):
    n = rewards.shape[1]
    best = np.where(next_mask, next_q, -np.inf).max(axis=1)
    return (gamma ** np.arange(n) * rewards).sum(axis=1) + gamma**n * (1 - terminated) * best


def test_n_step_checker_accepts_the_answer() -> None:
    assert check_masked_n_step_target(_n_step)


@pytest.mark.parametrize(
    "wrong",
    [
        _stub,
        _any,
        lambda *a: _n_step(*a, fill=0.0),
        lambda r, q, m, t, g: _n_step(r, q, np.ones_like(m), t, g),  # every slot counted
        lambda *a: _n_step(*a, power=-1),
        lambda *a: _n_step(*a, done=False),
        lambda *a: _n_step(*a, discount=False),
        _n_step_minus_inf,
    ],
    ids=[
        "stub",
        "any",
        "masked_zero",
        "no_mask",
        "gamma_n_minus_1",
        "no_terminated",
        "undiscounted_rewards",
        "minus_inf_row",
    ],  # fmt: skip
)
def test_n_step_checker_rejects(wrong, capsys) -> None:
    with np.errstate(invalid="ignore"):
        assert not check_masked_n_step_target(wrong)
    assert "[FAIL] masked_n_step_target" in capsys.readouterr().out


def test_n_step_checker_names_the_zero_bug(capsys) -> None:
    check_masked_n_step_target(lambda *a: _n_step(*a, fill=0.0))
    assert "not 0" in capsys.readouterr().out


# --- SNIPS ----------------------------------------------------------------------------------------
def _ips(r, mu, pi):
    return float(np.mean(pi / mu * r))


def _snips_inverted(r, mu, pi):
    with np.errstate(all="ignore"):
        w = mu / pi
        return float(np.nansum(w * r) / np.nansum(w))


def _snips_count(r, mu, pi):
    w = pi / mu
    return float(np.sum(w * r) / np.count_nonzero(w))


def test_snips_checker() -> None:
    assert check_snips(snips)
    assert check_snips(lambda r, mu, pi: float(np.sum(pi / mu * r) / np.sum(pi / mu)))
    for wrong in (_stub, _any, _ips, _snips_inverted, _snips_count,
                  lambda r, mu, pi: float(np.mean(r))):  # fmt: skip
        assert not check_snips(wrong)


# --- doubly robust --------------------------------------------------------------------------------
def _dr(r, a, mu, scores, rhat, mask, fill=-np.inf, part="both", invert=False):
    rows = np.arange(a.size)
    star = np.where(mask, scores, fill).argmax(axis=1)
    w = (a == star) * mu if invert else (a == star) / mu
    direct = rhat[rows, star]
    corr = w * (r - rhat[rows, a])
    return float(np.mean({"both": direct + corr, "dm": direct, "ips": w * r}[part]))


def test_dr_checker_accepts_the_answer_and_the_package() -> None:
    assert check_doubly_robust(_dr)

    def package(r, a, mu, scores, rhat, mask):
        probs = greedy_probabilities(scores, mask)
        rows = np.arange(a.size)
        return doubly_robust(r, mu, probs[rows, a], rhat[rows, a], model_value(probs, rhat, mask))

    assert check_doubly_robust(package)


@pytest.mark.parametrize(
    "wrong",
    [
        _stub,
        _any,
        lambda *a: _dr(*a, fill=0.0),
        lambda *a: _dr(*a, part="dm"),
        lambda *a: _dr(*a, part="ips"),
        lambda *a: _dr(*a, invert=True),
    ],
    ids=["stub", "any", "masked_zero", "direct_only", "ips_only", "inverted_weight"],
)
def test_dr_checker_rejects(wrong, capsys) -> None:
    assert not check_doubly_robust(wrong)
    assert "[FAIL] doubly_robust" in capsys.readouterr().out


# --- effective sample size ------------------------------------------------------------------------
def test_ess_checker() -> None:
    assert check_effective_sample_size(effective_sample_size)
    for wrong in (
        _stub,
        _any,
        lambda w: float(np.sum(w**2) / np.sum(w) ** 2),  # inverted
        lambda w: float(len(w)),  # every log counts
        lambda w: float(np.sum(w) ** 2 / len(w)),  # divides by n
        lambda w: float(np.count_nonzero(w)),  # non-zero weights
    ):
        assert not check_effective_sample_size(wrong)


# --- FQE target -----------------------------------------------------------------------------------
def _fqe(r, next_q, scores, mask, terminated, gamma, fill=-np.inf, done=True):
    star = np.where(mask, scores, fill).argmax(axis=1)
    boot = np.where(mask.any(axis=1), next_q[np.arange(r.size), star], 0.0)
    return r + gamma * ((1.0 - terminated) if done else 1.0) * boot


def test_fqe_checker_accepts_the_answer_and_the_package() -> None:
    assert check_fqe_target(_fqe)

    def package(r, next_q, scores, mask, terminated, gamma):
        return fqe_targets(r, next_q, greedy_probabilities(scores, mask), mask, terminated, gamma)

    assert check_fqe_target(package)


@pytest.mark.parametrize(
    "wrong",
    [
        _stub,
        _any,
        lambda *a: _fqe(*a, fill=0.0),
        lambda *a: _fqe(*a, done=False),
        # the Q-learning target: max of next_q over valid slots, not the policy's slot
        lambda r, q, s, m, t, g: r + g * (1 - t) * _best(q, m),
        # the policy's slot chosen by next_q itself
        lambda r, q, s, m, t, g: _fqe(r, q, q, m, t, g),
    ],
    ids=["stub", "any", "masked_zero", "no_terminated", "max_next_q", "argmax_next_q"],
)
def test_fqe_checker_rejects(wrong, capsys) -> None:
    assert not check_fqe_target(wrong)
    assert "[FAIL] fqe_target" in capsys.readouterr().out
