"""Tests for the lesson-08 checkers: reject the stub and plausible mistakes, accept the answer."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.dqn import td_targets
from livedqn_edu.exercises import (
    check_mask_scores,
    check_n_step_return,
    check_recommender_targets,
)


# --- mask_scores --------------------------------------------------------------------------------
def _mask_stub(scores, mask):
    raise NotImplementedError("set the scores of empty slots to -inf")


def _mask_right(scores, mask):
    return np.where(mask, scores, -np.inf)


def _mask_zero(scores, mask):
    # plausible mistake: empty slots scored 0 instead of -inf
    return np.where(mask, scores, 0.0)


def _mask_inverted(scores, mask):
    # plausible mistake: the mask read the wrong way round
    return np.where(mask, -np.inf, scores)


def _mask_in_place(scores, mask):
    # plausible mistake: right values, but the caller's array is overwritten
    scores[~mask] = -np.inf
    return scores


def test_mask_checker_accepts_the_answer(capsys) -> None:
    assert check_mask_scores(_mask_right)
    assert "[PASS] mask_scores" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [_mask_stub, _mask_zero, _mask_inverted, _mask_in_place])
def test_mask_checker_rejects_the_stub_and_mistakes(wrong, capsys) -> None:
    assert not check_mask_scores(wrong)
    assert "[FAIL] mask_scores" in capsys.readouterr().out


def test_mask_checker_names_the_mistake(capsys) -> None:
    check_mask_scores(_mask_zero)
    assert "not 0" in capsys.readouterr().out
    check_mask_scores(_mask_in_place)
    out = capsys.readouterr().out
    assert "1/4" not in out and "3/4 cases right" in out and "in place" in out


def test_mask_checker_wants_a_function() -> None:
    with pytest.raises(TypeError, match="expects a function"):
        check_mask_scores(np.zeros(3))


# --- recommender_targets ------------------------------------------------------------------------
def _targets_stub(rewards, next_q, next_mask, terminated, gamma):
    raise NotImplementedError("write the masked DQN target")


def _targets_right(rewards, next_q, next_mask, terminated, gamma):
    best = np.where(next_mask, next_q, -np.inf).max(axis=1)
    best = np.where(np.isfinite(best), best, 0.0)
    return rewards + gamma * (1.0 - terminated) * best


def _targets_no_mask(rewards, next_q, next_mask, terminated, gamma):
    # plausible mistake: bootstraps from empty slots
    return rewards + gamma * (1.0 - terminated) * next_q.max(axis=1)


def _targets_no_terminated(rewards, next_q, next_mask, terminated, gamma):
    # plausible mistake: bootstraps past the end of the week
    best = np.where(next_mask, next_q, -np.inf).max(axis=1)
    return rewards + gamma * np.where(np.isfinite(best), best, 0.0)


def _targets_minus_inf(rewards, next_q, next_mask, terminated, gamma):
    # plausible mistake: a row with no valid slot gives -inf
    return rewards + gamma * (1.0 - terminated) * np.where(next_mask, next_q, -np.inf).max(axis=1)


def test_targets_checker_accepts_the_answer_and_the_package_function() -> None:
    assert check_recommender_targets(_targets_right)
    # the package's td_targets takes (rewards, next_q, terminated, gamma, next_mask)
    assert check_recommender_targets(lambda r, q, m, t, g: td_targets(r, q, t, g, next_mask=m))


@pytest.mark.parametrize(
    "wrong", [_targets_stub, _targets_no_mask, _targets_no_terminated, _targets_minus_inf]
)
def test_targets_checker_rejects_the_stub_and_mistakes(wrong, capsys) -> None:
    with np.errstate(invalid="ignore"):
        assert not check_recommender_targets(wrong)
    assert "[FAIL] recommender_targets" in capsys.readouterr().out


def test_targets_checker_hint_for_the_unmasked_max(capsys) -> None:
    check_recommender_targets(_targets_no_mask)
    assert "VALID next slots" in capsys.readouterr().out


# --- n_step_return ------------------------------------------------------------------------------
def _n_step_right(rewards, minutes, gamma):
    before = np.concatenate([[0.0], np.cumsum(minutes)[:-1]]) / 1440.0
    return float(np.sum(gamma**before * rewards)), float(gamma ** (np.sum(minutes) / 1440.0))


def _n_step_per_step(rewards, minutes, gamma):
    # plausible mistake: discounts per step, ignoring how long the steps took
    n = len(rewards)
    return float(np.sum(gamma ** np.arange(n) * rewards)), float(gamma**n)


def _n_step_own_duration(rewards, minutes, gamma):
    # plausible mistake: discounts each reward by the time up to its END
    after = np.cumsum(minutes) / 1440.0
    return float(np.sum(gamma**after * rewards)), float(gamma ** (np.sum(minutes) / 1440.0))


def _n_step_no_discount(rewards, minutes, gamma):
    # plausible mistake: returns only the summed rewards' discounted total, discount 1
    before = np.concatenate([[0.0], np.cumsum(minutes)[:-1]]) / 1440.0
    return float(np.sum(gamma**before * rewards)), 1.0


def test_n_step_checker_accepts_the_answer_and_the_training_code() -> None:
    assert check_n_step_return(_n_step_right)

    def via_training(rewards, minutes, gamma):  # the package's own n-step accumulator
        from livedqn_edu.recsys import train as rt

        obs = {"user": np.zeros((1, 1), np.float32), "candidates": np.zeros((1, 2, 1), np.float32),
               "mask": np.ones((1, 2), bool)}  # fmt: skip
        buf = rt.ReplayBuffer(4, {k: v[0] for k, v in obs.items()})
        nstep = rt._NStep(buf, n=len(rewards), gamma=gamma)
        for r, m in zip(rewards, minutes, strict=True):
            nstep.add(obs, np.array([0]), np.array([r]), obs, np.array([False]), np.array([0]),
                      np.array([m / 1440.0]))  # fmt: skip
        return float(buf.rewards[0]), float(gamma ** float(buf.elapsed[0]))

    assert check_n_step_return(via_training)


@pytest.mark.parametrize("wrong", [_n_step_per_step, _n_step_own_duration, _n_step_no_discount])
def test_n_step_checker_rejects_mistakes(wrong, capsys) -> None:
    assert not check_n_step_return(wrong)
    assert "[FAIL] n_step_return" in capsys.readouterr().out


# --- the masked-slots-as-zero bug and objects that equal everything ---------------------------
def _targets_zero(rewards, next_q, next_mask, terminated, gamma):
    # plausible mistake (lesson 08 warns about it): empty slots filled with 0 before the max
    return rewards + gamma * (1.0 - terminated) * np.where(next_mask, next_q, 0.0).max(axis=1)


def test_targets_checker_rejects_empty_slots_scored_zero(capsys) -> None:
    assert not check_recommender_targets(_targets_zero)
    out = capsys.readouterr().out
    assert "valid values are negative" in out and "not 0" in out


def test_targets_checker_rejects_an_object_equal_to_everything() -> None:
    from unittest.mock import ANY

    assert not check_recommender_targets(lambda *args: ANY)
