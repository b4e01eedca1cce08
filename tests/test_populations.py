"""Tests of the named populations (livedqn_edu/envs/populations.py)."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import (
    NEW_CATALOGUE,
    POPULATIONS,
    TEST,
    TRAIN,
    VALIDATION,
    population,
)
from livedqn_edu.envs.world import World
from livedqn_edu.recsys import train


def test_viewer_seeds_are_disjoint_and_train_is_unbounded() -> None:
    finite = [p for p in POPULATIONS.values() if p is not TRAIN]
    seen: set[int] = set()
    for p in finite:
        assert not seen & set(p.seeds), p.name
        seen |= set(p.seeds)
    # every training seed a trainer draws (1,000,000 + i, and 1,000,000 * (seed + 1) + i)
    assert min(TRAIN.seed(0), train.TRAIN_SEED_BASE) > max(seen)
    assert TRAIN.seed(5) == TRAIN.seeds[0] + 5 and TEST.seed(1) == TEST.seeds[1]
    assert train.EVAL_SEED in VALIDATION.seeds  # checkpoints are chosen on validation viewers


def test_new_catalogue_has_other_rooms_and_the_same_knobs() -> None:
    base = WorldConfig(n_rooms=150, days=2)
    dev, new = World(TEST.config(base)), World(NEW_CATALOGUE.config(base))
    assert dev.config.room_seed != new.config.room_seed
    assert dev.config.n_rooms == new.config.n_rooms == 150
    assert not np.array_equal(dev.rooms.audience, new.rooms.audience)
    assert {VALIDATION.room_seed, TEST.room_seed, TRAIN.room_seed} == {dev.config.room_seed}


def test_population_by_name() -> None:
    assert population("test") is TEST
    with pytest.raises(ValueError, match="unknown population 'tset'"):
        population("tset")
