"""Tests of the feature spec (livedqn_edu/envs/features.py): one layout, all built from it."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.features import Feature, FeatureSpec, feature_spec
from livedqn_edu.envs.live_room import LiveRoomEnv
from livedqn_edu.envs.world import World
from livedqn_edu.recsys.policies import feature


def test_env_space_world_names_and_docs_come_from_one_spec() -> None:
    cfg = WorldConfig(n_categories=5, k=4, n_rooms=80)
    spec = feature_spec(cfg.n_categories, cfg.max_follows, cfg.days)
    world = World(cfg)
    env = LiveRoomEnv(config=cfg)
    assert world.features is spec and env.features is spec
    obs = world.reset(3, seed=0)
    # the world's observation has the spec's widths, and every value lies in the spec's bounds
    for part in ("user", "candidates"):
        low, high = spec.bounds(part)
        assert obs[part].shape[-1] == spec.width(part) == len(spec.names(part))
        assert (obs[part] >= low).all() and (obs[part] <= high).all()
    # the env's spaces are the spec's bounds
    space = env.observation_space
    np.testing.assert_array_equal(space["user"].low, spec.bounds("user")[0])
    np.testing.assert_array_equal(space["candidates"].high[0], spec.bounds("candidates")[1])
    assert space["candidates"].shape == (cfg.k, spec.width("candidates"))
    # the docs table lists every column in order, with its scale and bounds
    table = spec.markdown("candidates").splitlines()
    assert len(table) == 2 + spec.width("candidates")
    for i, name in enumerate(spec.names("candidates")):
        assert table[2 + i].startswith(f"| {i} | `{name}` |")
    # the env's docstring carries the default spec's tables
    default = feature_spec()
    assert default.markdown("user").splitlines()[3].strip() in LiveRoomEnv.__doc__


def test_columns_are_found_by_name_not_position() -> None:
    world = World(WorldConfig(n_rooms=120, days=2))
    obs = world.reset(4, seed=1)
    spec = world.features
    followed = spec.column(obs, "followed")
    assert followed.shape == (4, world.config.k)
    ids = obs["room_ids"]
    truth = np.where(ids >= 0, world.viewers.followed[np.arange(4)[:, None], ids], 0)
    np.testing.assert_array_equal(followed, truth)
    np.testing.assert_array_equal(feature(obs, "followed", spec), followed)
    assert spec.column(obs, "follows").shape == (4,)  # a user feature
    with pytest.raises(KeyError, match="not a candidates feature"):
        spec.index("candidates", "nonsense")


def test_a_spec_of_another_world_is_refused() -> None:
    obs = World(WorldConfig(n_categories=5, n_rooms=80, days=2)).reset(2, seed=0)
    with pytest.raises(ValueError, match="columns but this feature spec has"):
        feature_spec(8).column(obs, "followed")


def test_assemble_places_scales_and_clips() -> None:
    spec = FeatureSpec(
        user=(
            Feature("a", "raw a", scale=2.0, low=-1.0, high=1.0),
            Feature("b0", "block b, first", block="b"),
            Feature("b1", "block b, second", block="b", high=3.0),
        ),
        candidates=(Feature("c", "raw c", scale=10.0),),
    )
    out = spec.assemble("user", {"a": np.array([1.0, 8.0]), "b": np.array([[1, 2], [5, 7]])}, (2,))
    # a: 1 / 2 = 0.5 and 8 / 2 = 4 clipped to 1; b1: 7 clipped to 3
    np.testing.assert_allclose(out, [[0.5, 1.0, 2.0], [1.0, 5.0, 3.0]])
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match="unique"):
        FeatureSpec(user=(Feature("x", ""), Feature("x", "")), candidates=())
    with pytest.raises(ValueError, match="contiguous"):
        FeatureSpec(
            user=(Feature("x", "", block="b"), Feature("y", ""), Feature("z", "", block="b")),
            candidates=(),
        )
