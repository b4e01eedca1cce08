"""Tests for livedqn_edu.approx: features, the semi-gradient update, linear Q-learning."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from livedqn_edu.approx import (
    fourier_coefficients,
    fourier_features,
    raw_features,
    scale_to_unit,
    semi_gradient_update,
    train_linear_q,
)
from livedqn_edu.discretize import CARTPOLE_BOUNDS


def test_scale_to_unit_by_hand() -> None:
    out = scale_to_unit(np.array([0.0, 3.0, -9.0]), [(-1.0, 1.0), (0.0, 6.0), (0.0, 1.0)])
    np.testing.assert_allclose(out, [0.5, 0.5, 0.0])  # (0+1)/2, 3/6, clipped


def test_fourier_basis_by_hand() -> None:
    c = fourier_coefficients(2, 1)
    np.testing.assert_array_equal(c, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert fourier_coefficients(4, 2).shape == (81, 4)  # 3**4
    x = fourier_features(np.array([0.5, 1.0]), c)
    # cos(0) = 1, cos(pi * 1) = -1, cos(pi * 0.5) = 0, cos(pi * 1.5) = 0
    np.testing.assert_allclose(x, [1.0, -1.0, 0.0, 0.0], atol=1e-12)
    with pytest.raises(ValueError, match="order"):
        fourier_coefficients(2, -1)


def test_raw_features() -> None:
    np.testing.assert_array_equal(raw_features(np.array([0.2, 0.4])), [1.0, 0.2, 0.4])


def test_semi_gradient_update_by_hand() -> None:
    w = np.array([[1.0, 0.0], [0.0, 2.0]])
    x, x_next = np.array([1.0, 1.0]), np.array([0.0, 1.0])
    new = semi_gradient_update(w, x, 0, 1.0, x_next, False, 0.1, 0.5)
    # td = 1 + 0.5 * max(0, 2) - (1*1 + 0*1) = 1;  w[0] += 0.1 * 1 * [1, 1]
    np.testing.assert_allclose(new, [[1.1, 0.1], [0.0, 2.0]])
    np.testing.assert_array_equal(w, [[1.0, 0.0], [0.0, 2.0]])  # input untouched
    term = semi_gradient_update(w, x, 1, -1.0, x_next, True, 0.1, 0.5)
    # td = -1 - 2 = -3;  w[1] += 0.1 * -3 * [1, 1] = [-0.3, 1.7]
    np.testing.assert_allclose(term, [[1.0, 0.0], [-0.3, 1.7]])


@given(st.floats(-5, 5), st.floats(0.01, 1.0), st.integers(0, 2))
def test_update_moves_q_toward_target(r: float, alpha: float, a: int) -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 4))
    x = rng.normal(size=4)
    x /= np.linalg.norm(x)  # |x| = 1, so alpha <= 1 never overshoots
    new = semi_gradient_update(w, x, a, r, x, True, alpha, 0.9)
    # terminal: target = r; Q moves by alpha * |x|^2 * td = alpha * td toward r
    assert abs(new[a] @ x - r) <= abs(w[a] @ x - r) + 1e-9
    np.testing.assert_allclose(new[a] @ x - w[a] @ x, alpha * (r - w[a] @ x), atol=1e-9)
    others = [b for b in range(3) if b != a]
    np.testing.assert_array_equal(new[others], w[others])


def test_train_linear_q_is_reproducible_and_shaped() -> None:
    c = fourier_coefficients(4, 1)

    def featurize(o: np.ndarray) -> np.ndarray:
        return fourier_features(scale_to_unit(o, CARTPOLE_BOUNDS), c)

    h1 = train_linear_q(gym.make("CartPole-v1"), featurize, episodes=5, seed=1, progress=False)
    h2 = train_linear_q(gym.make("CartPole-v1"), featurize, episodes=5, seed=1, progress=False)
    assert h1["w"].shape == (2, 16)
    np.testing.assert_array_equal(h1["w"], h2["w"])
    assert h1["charts/episodic_return"].shape == (5,)
    assert np.all(h1["charts/episodic_return"] >= 1)


def test_train_linear_q_reports_divergence() -> None:
    def huge(o: np.ndarray) -> np.ndarray:
        return np.concatenate(([1.0], o)) * 1e6

    with pytest.raises(FloatingPointError, match="alpha"):
        train_linear_q(gym.make("CartPole-v1"), huge, episodes=50, alpha=1.0, progress=False)


def test_train_linear_q_bad_input() -> None:
    with pytest.raises(ValueError, match="alpha"):
        train_linear_q(gym.make("CartPole-v1"), raw_features, alpha=0.0, progress=False)
    with pytest.raises(TypeError, match="Discrete"):
        train_linear_q(gym.make("Pendulum-v1"), raw_features, progress=False)


@pytest.mark.slow
def test_fourier_linear_q_balances_cartpole() -> None:
    c = fourier_coefficients(4, 2)

    def featurize(o: np.ndarray) -> np.ndarray:
        return fourier_features(scale_to_unit(o, CARTPOLE_BOUNDS), c)

    h = train_linear_q(gym.make("CartPole-v1"), featurize, episodes=300, seed=0, progress=False)
    assert h["charts/episodic_return"][-20:].mean() >= 400  # measured: 500 on seeds 0-2
