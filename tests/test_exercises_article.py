"""Tests for livedqn_edu.exercises.article: check_bootstrap_target."""

from __future__ import annotations

import pytest

from livedqn_edu.exercises import check_bootstrap_target


def right(reward: float, next_q: list[float], terminated: bool, truncated: bool, gamma: float):
    return reward if terminated else reward + gamma * max(next_q)


def stub(reward: float, next_q: list[float], terminated: bool, truncated: bool, gamma: float):
    raise NotImplementedError("write the target")


def merged_done(reward, next_q, terminated, truncated, gamma):  # the article's version
    return reward if (terminated or truncated) else reward + gamma * max(next_q)


def no_termination(reward, next_q, terminated, truncated, gamma):
    return reward + gamma * max(next_q)


def mean_not_max(reward, next_q, terminated, truncated, gamma):
    return reward if terminated else reward + gamma * sum(next_q) / len(next_q)


def test_accepts_the_right_answer(capsys: pytest.CaptureFixture[str]) -> None:
    result = check_bootstrap_target(right)
    assert result and result.passed == result.total == 5
    assert "[PASS]" in capsys.readouterr().out


def test_rejects_the_stub(capsys: pytest.CaptureFixture[str]) -> None:
    result = check_bootstrap_target(stub)
    assert not result and result.passed == 0
    assert "not implemented yet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (merged_done, "merged `done`"),
        (no_termination, "no next state"),
        (mean_not_max, "max(next_q)"),
    ],
)
def test_rejects_plausible_mistakes_with_the_right_hint(
    wrong, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not check_bootstrap_target(wrong)
    out = capsys.readouterr().out
    assert "[FAIL]" in out and hint in out
