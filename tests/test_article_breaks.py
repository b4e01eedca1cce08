"""Tests for livedqn_edu.article_breaks: the seven places the printed code stops, show_error."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.article_breaks import ARTICLE_BREAKS, show_error


def test_breaks_list_the_seven_places() -> None:
    assert len(ARTICLE_BREAKS) == 7
    lines = " ".join(b.line for b in ARTICLE_BREAKS)
    for fragment in ["import gym", "Adam(lr", "env.reset()", "env.step", "np.random.choice"]:
        assert fragment in lines
    assert all(b.error and b.why and b.fix for b in ARTICLE_BREAKS)


def test_show_error_reports_exceptions_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    assert show_error(lambda: 1 / 0) == "raised ZeroDivisionError: division by zero"
    assert show_error(lambda: 42) == "ran fine and returned 42"
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert len(show_error(lambda: (_ for _ in ()).throw(ValueError("x" * 500)))) < 200


def test_numpy_choice_on_tuples_fails_as_described(capsys: pytest.CaptureFixture[str]) -> None:
    # the transition tuples hold (1, 4) arrays, as in the article's memory
    memory = [(np.zeros((1, 4)), 0, 1.0, np.zeros((1, 4)), False)] * 40
    rng = np.random.default_rng(0)
    text = show_error(lambda: rng.choice(memory, 32))
    assert text.startswith("raised ValueError")
    assert "inhomogeneous" in ARTICLE_BREAKS[-1].error and "inhomogeneous" in text
