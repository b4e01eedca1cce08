"""Tests for the lesson-04 checker: it rejects the stub and plausible mistakes, accepts answers."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.dqn import td_targets
from livedqn_edu.exercises import check_td_targets


def _stub(rewards, next_q, terminated, gamma):
    raise NotImplementedError("write td_targets")


def _right(rewards, next_q, terminated, gamma):
    return rewards + gamma * (1.0 - terminated) * np.max(next_q, axis=1)


def _bootstraps_past_terminated(rewards, next_q, terminated, gamma):
    return rewards + gamma * np.max(next_q, axis=1)


def _ignores_gamma(rewards, next_q, terminated, gamma):
    return rewards + (1.0 - terminated) * np.max(next_q, axis=1)


def _first_action(rewards, next_q, terminated, gamma):
    return rewards + gamma * (1.0 - terminated) * next_q[:, 0]


def _max_over_batch(rewards, next_q, terminated, gamma):
    return rewards + gamma * (1.0 - terminated) * np.max(next_q)


def _terminated_inverted(rewards, next_q, terminated, gamma):
    return rewards + gamma * terminated * np.max(next_q, axis=1)


@pytest.mark.parametrize(
    "wrong",
    [
        _stub,
        _bootstraps_past_terminated,
        _ignores_gamma,
        _first_action,
        _max_over_batch,
        _terminated_inverted,
    ],
)
def test_rejects_stub_and_plausible_mistakes(wrong, capsys) -> None:
    assert not check_td_targets(wrong)
    assert "[FAIL]" in capsys.readouterr().out


def test_names_the_terminated_mistake(capsys) -> None:
    check_td_targets(_bootstraps_past_terminated)
    assert "ignores `terminated`" in capsys.readouterr().out


def test_names_the_gamma_mistake(capsys) -> None:
    check_td_targets(_ignores_gamma)
    assert "ignore gamma" in capsys.readouterr().out


@pytest.mark.parametrize("right", [_right, td_targets])
def test_accepts_right_answers(right, capsys) -> None:
    assert check_td_targets(right)
    assert "[PASS] td_targets: all 5 cases right." in capsys.readouterr().out
