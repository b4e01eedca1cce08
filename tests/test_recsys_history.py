"""Tests of livedqn_edu.recsys.history: the recommender's memory of its own impressions."""

from __future__ import annotations

import numpy as np

from livedqn_edu.envs.world import World, random_valid_slot
from livedqn_edu.recsys.history import CANDIDATE_COLUMNS, USER_COLUMNS, ViewerHistory


def _run_week(n: int, seed: int):
    """A random policy's week with the memory beside it, and the same counts from the world."""
    world = World()
    obs = world.reset(n, seed=seed)
    history, rng = ViewerHistory(world.features), np.random.default_rng(seed)
    c = world.config.n_categories
    truth = {k: np.zeros((n, c)) for k in ("impressions", "entries", "watches")}
    session_skips = np.zeros(n)
    while not world.done.all():
        history.augment(obs)
        np.testing.assert_array_equal(history.session_skips[~world.done],
                                      session_skips[~world.done])  # fmt: skip
        actions = random_valid_slot(obs, rng)
        history.shown(obs, actions)
        active = np.flatnonzero(~world.done)
        _, parts = world.step(actions)
        obs = world.observe()
        cat = parts["category"][active]
        np.add.at(truth["impressions"], (active, cat), 1.0)
        np.add.at(truth["entries"], (active, cat), parts["click"][active])
        np.add.at(truth["watches"], (active, cat), parts["watch_minutes"][active] >= 1.0)
        session_skips[active] += ~parts["click"][active]
        session_skips[world.viewers.session_steps == 0] = 0.0  # a new session (or skipped day)
    history.augment(obs)
    return history, truth


def test_the_memory_counts_what_the_world_did_from_observations_alone() -> None:
    history, truth = _run_week(200, seed=3)
    np.testing.assert_array_equal(history.impressions, truth["impressions"])
    assert truth["entries"].sum() > 100  # a real test: many entries to infer
    # rare misses: an entry into a stream that ends that minute (0 minutes), a session longer
    # than the features' 600-minute clip
    for key in ("entries", "watches"):
        assert np.abs(getattr(history, key) - truth[key]).sum() <= 0.01 * truth[key].sum()


def test_augment_appends_the_columns_of_each_candidates_category() -> None:
    world = World()
    obs = world.reset(5, seed=0)
    history = ViewerHistory(world.features)
    x = history.augment(obs)
    assert x["user"].shape == (5, obs["user"].shape[1] + len(USER_COLUMNS))
    assert x["candidates"].shape == (5, 10, obs["candidates"].shape[2] + len(CANDIDATE_COLUMNS))
    np.testing.assert_array_equal(x["candidates"][..., : obs["candidates"].shape[2]],
                                  obs["candidates"])  # fmt: skip
    assert np.all(x["candidates"][..., -3:] == 0.0)  # nothing shown yet
    # three impressions of category 2 for viewer 0, one entry
    history.impressions[0, 2], history.entries[0, 2] = 3.0, 1.0
    x = history.augment(obs)
    cats = obs["candidates"][0, :, :8].argmax(axis=1)
    for k in range(10):
        want = [np.log1p(3.0) / 3, np.log1p(1.0) / 3, 0.0] if obs["mask"][0, k] and cats[k] == 2 \
            else [0.0, 0.0, 0.0]  # fmt: skip
        np.testing.assert_allclose(x["candidates"][0, k, -3:], want, rtol=1e-6)
    assert np.all(x["candidates"][~obs["mask"]][:, -3:] == 0.0)


def test_a_new_population_of_viewers_starts_with_an_empty_memory() -> None:
    history, _ = _run_week(50, seed=1)  # its last observation: every viewer done
    assert history.impressions.sum() > 0
    world = World()
    history.augment(world.reset(50, seed=2))  # the same size: done rows that come back to life
    assert history.impressions.sum() == 0
    history.augment(world.reset(7, seed=5))  # another size: a reset
    assert history.impressions.shape == (7, 8) and history.impressions.sum() == 0
