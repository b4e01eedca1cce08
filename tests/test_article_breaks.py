"""Tests for livedqn_edu.article_breaks: the breaks as data, the stored observations, show_error."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from livedqn_edu.article_breaks import (
    ARTICLE_BREAKS,
    ARTICLE_CODE_LINES,
    GYM_026_CHECKER_RECORD,
    GYM_026_RECORD,
    NUMPY_123_RECORD,
    describe_exception,
    show_error,
)


def test_seven_breaks_two_of_them_since_day_one() -> None:
    assert [b.key for b in ARTICLE_BREAKS] == [
        "gym", "units", "lr", "reset", "step", "batch_size", "choice"
    ]  # fmt: skip
    assert {b.key for b in ARTICLE_BREAKS if b.kind == "day one"} == {"batch_size", "choice"}
    assert {b.key for b in ARTICLE_BREAKS if b.kind == "course"} == {"gym", "units"}
    assert {b.kind for b in ARTICLE_BREAKS} == {"day one", "drift", "course"}
    assert all(b.line and b.where and b.error and b.why and b.fix for b in ARTICLE_BREAKS)


def test_the_quoted_lines_are_the_articles() -> None:
    # the article's own spellings, not the course's re-implementation
    lines = {b.key: b.line for b in ARTICLE_BREAKS}
    assert lines["batch_size"] == "if len(agent.memory) > batch_size:"
    assert lines["choice"] == "minibatch = np.random.choice(self.memory, batch_size)"
    assert "replay" not in " ".join(lines.values())


def test_article_has_sixty_lines_of_code() -> None:
    assert sum(ARTICLE_CODE_LINES) == 60


def test_numpy_choice_on_the_articles_memory_fails_as_described() -> None:
    memory = [(np.zeros((1, 4)), 0, 1.0, np.zeros((1, 4)), False)] * 40
    with pytest.raises(ValueError, match="inhomogeneous"):
        np.random.choice(memory, 32)  # noqa: NPY002  (the printed call)
    choice = next(b for b in ARTICLE_BREAKS if b.key == "choice")
    assert "inhomogeneous" in choice.error


def test_recorded_observations_are_complete() -> None:
    for record in (GYM_026_RECORD, GYM_026_CHECKER_RECORD, NUMPY_123_RECORD):
        dt.date.fromisoformat(record.date)
        assert record.stops and record.note and "python" in record.versions
    assert GYM_026_RECORD.versions["gym"] == "0.26.2"
    assert NUMPY_123_RECORD.versions["numpy"] == "1.23.5"
    assert "a must be 1-dimensional" in NUMPY_123_RECORD.stops[0][1]
    assert "bool8" in GYM_026_RECORD.stops[-1][1]
    # the checker is where it fails; without it, gym 0.26.2 steps CartPole with NumPy 2
    assert "bool8" in GYM_026_CHECKER_RECORD.stops[1][1]
    assert GYM_026_CHECKER_RECORD.stops[-1][1].startswith("works")
    assert GYM_026_CHECKER_RECORD.versions["numpy"].startswith("2.")


def test_show_error_reports_exceptions_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    assert show_error(lambda: 1 / 0) == "raised ZeroDivisionError: division by zero"
    assert show_error(lambda: 42) == "ran fine and returned 42"
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert len(show_error(lambda: (_ for _ in ()).throw(ValueError("x" * 500)))) < 200
    assert describe_exception(KeyError()) == "KeyError: "
    assert describe_exception(ValueError("a\nb")) == "ValueError: a"
