"""Tests for livedqn_edu.article_walk: the printed code stops at each break in turn."""

from __future__ import annotations

import inspect

import pytest

from livedqn_edu import article
from livedqn_edu.article_breaks import ARTICLE_BREAKS
from livedqn_edu.article_walk import reproduce_breaks

pytestmark = pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`/`input_dim`")


def test_printed_code_stops_at_each_break_in_turn_where_it_really_occurs() -> None:
    stops = reproduce_breaks(seed=0)
    assert [s.key for s in stops] == [b.key for b in ARTICLE_BREAKS] + [None]
    by_key = {s.key: s for s in stops}
    for key in ("gym", "units", "lr"):  # before the first episode
        assert by_key[key].episode is None and by_key[key].transitions == 0
    assert by_key["units"].function == by_key["lr"].function == "DQN.build_model"
    assert (by_key["reset"].episode, by_key["reset"].time) == (0, None)
    assert (by_key["step"].episode, by_key["step"].time, by_key["step"].transitions) == (0, 0, 0)
    # the undefined name fires on the very first step, once one transition is stored
    assert (by_key["batch_size"].episode, by_key["batch_size"].time) == (0, 0)
    assert by_key["batch_size"].transitions == 1
    assert by_key["batch_size"].error == "NameError: name 'batch_size' is not defined"
    # np.random.choice fires in the first training call: 33 transitions stored
    assert by_key["choice"].function == "DQN.train" and by_key["choice"].transitions == 33
    assert stops[-1].error == "" and stops[-1].transitions == 33
    assert any("input_dim" in w for w in stops[-1].warnings)  # Keras 3 warns, does not fail
    for stop, brk in zip(stops, ARTICLE_BREAKS, strict=False):
        assert stop.error.split(":")[0] == brk.error.split(":")[0]


def test_every_break_is_marked_on_the_line_that_raises() -> None:
    source = inspect.getsource(article)
    for brk in ARTICLE_BREAKS:
        assert f"# break: {brk.key}" in source, brk.key
