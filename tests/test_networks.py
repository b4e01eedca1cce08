"""Tests of livedqn_edu.networks: shapes, seeding, the dueling head, the numpy forward pass."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from livedqn_edu.networks import DuelingCombine, mlp_q_network, numpy_forward


@pytest.mark.parametrize("dueling", [False, True])
def test_output_shape_and_same_seed_same_weights(dueling: bool) -> None:
    net = mlp_q_network(4, 3, hidden=(8, 5), dueling=dueling, seed=1)
    x = np.ones((7, 4), np.float32)
    assert tuple(net(x).shape) == (7, 3)
    again = mlp_q_network(4, 3, hidden=(8, 5), dueling=dueling, seed=1)
    other = mlp_q_network(4, 3, hidden=(8, 5), dueling=dueling, seed=2)
    np.testing.assert_array_equal(net(x), again(x))
    assert not np.allclose(net(x), other(x))


def test_dueling_combine_hand_computed() -> None:
    # V = 1, A = [1, 3]: mean(A) = 2, so Q = 1 + [1, 3] - 2 = [0, 2]
    q = DuelingCombine()([np.array([[1.0]], np.float32), np.array([[1.0, 3.0]], np.float32)])
    np.testing.assert_allclose(np.asarray(q), [[0.0, 2.0]])


def test_dueling_q_values_average_to_the_value_stream() -> None:
    net = mlp_q_network(4, 3, hidden=(6,), dueling=True, seed=0)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    value = keras.Model(net.input, net.get_layer("value").output)(x)
    np.testing.assert_allclose(np.asarray(net(x)).mean(axis=1), np.asarray(value)[:, 0], atol=1e-5)


@pytest.mark.parametrize("dueling", [False, True])
def test_numpy_forward_matches_keras(dueling: bool) -> None:
    net = mlp_q_network(4, 2, hidden=(16, 16), dueling=dueling, seed=3)
    forward = numpy_forward(net)
    assert forward is not None
    x = np.random.default_rng(1).normal(size=(10, 4)).astype(np.float32)
    np.testing.assert_allclose(forward(x), np.asarray(net(x)), atol=1e-5)


def test_numpy_forward_refuses_models_it_does_not_understand() -> None:
    inp = keras.Input((4,))
    out = keras.layers.Dense(2)(keras.layers.LayerNormalization()(inp))
    assert numpy_forward(keras.Model(inp, out)) is None
    dict_in = {"x": keras.Input((4,), name="x")}
    assert numpy_forward(keras.Model(dict_in, keras.layers.Dense(2)(dict_in["x"]))) is None


def test_bad_sizes_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="obs_dim must be a positive int, got 0"):
        mlp_q_network(0, 2)
    with pytest.raises(ValueError, match="n_actions must be a positive int"):
        mlp_q_network(4, 2.5)  # type: ignore[arg-type]
