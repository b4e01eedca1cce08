"""Linear Q-functions and semi-gradient Q-learning, for lesson 02 (from tables to networks).

A table stores one number per (state, action). A linear Q-function stores one weight vector
per action and computes ``Q(s, a) = w[a] . x(s)`` from a feature vector ``x(s)``, so that what is
learned in one state carries over to similar states. Semi-gradient Q-learning moves ``w[a]``
along the gradient of ``Q(s, a)`` only, treating the target as a constant:

    ``w[a] <- w[a] + alpha * (r + gamma * max_b w[b] . x(s') - w[a] . x(s)) * x(s)``

(with no bootstrap term when ``s'`` is terminal). It is "semi" because the target also depends
on ``w`` and that dependence is ignored: the source of the deadly triad's instability.

Features: :func:`fourier_features`, the Fourier basis ``cos(pi * c . s)`` over the observation
scaled to ``[0, 1]^d`` (Konidaris, Osentoski and Thomas, 2011), and :func:`raw_features`
(``[1, s]``, a bias plus the scaled observation).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from tqdm.auto import tqdm

from livedqn_edu.tabular import EpsilonSchedule, epsilon_greedy

__all__ = [
    "fourier_coefficients",
    "fourier_features",
    "raw_features",
    "scale_to_unit",
    "semi_gradient_update",
    "train_linear_q",
]

Featurizer = Callable[[np.ndarray], np.ndarray]

DEFAULT_EPSILON = EpsilonSchedule(start=1.0, end=0.0, decay_episodes=150)
"""Exploration of :func:`train_linear_q` by default: linear from 1 to 0 over 150 episodes."""


def scale_to_unit(obs: np.ndarray, bounds: Sequence[tuple[float, float]]) -> np.ndarray:
    """Scale ``(d,)`` ``obs`` to ``[0, 1]^d`` with per-component ``(low, high)``, clipped."""
    low = np.array([b[0] for b in bounds], dtype=np.float64)
    high = np.array([b[1] for b in bounds], dtype=np.float64)
    return np.clip((np.asarray(obs, dtype=np.float64) - low) / (high - low), 0.0, 1.0)


def fourier_coefficients(n_dims: int, order: int) -> np.ndarray:
    """All integer vectors of ``{0..order}^n_dims``: ``((order + 1)**n_dims, n_dims)`` float64."""
    if order < 0 or n_dims < 1:
        raise ValueError(f"need order >= 0 and n_dims >= 1, got order={order}, n_dims={n_dims}")
    return np.array(list(itertools.product(range(order + 1), repeat=n_dims)), dtype=np.float64)


def fourier_features(unit_obs: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """Fourier basis ``cos(pi * C @ s)`` of an observation ``s`` in ``[0, 1]^d``.

    Args:
        unit_obs: ``(d,)`` float observation scaled to ``[0, 1]`` (see :func:`scale_to_unit`).
        coefficients: ``(k, d)`` from :func:`fourier_coefficients`; row 0 (all zeros) gives the
            constant feature 1.

    Returns:
        ``(k,)`` float64 features in ``[-1, 1]``.
    """
    return np.cos(np.pi * (coefficients @ unit_obs))


def raw_features(unit_obs: np.ndarray) -> np.ndarray:
    """``[1, s_1, ..., s_d]``: a bias and the scaled observation, ``(d + 1,)`` float64."""
    return np.concatenate(([1.0], np.asarray(unit_obs, dtype=np.float64)))


def semi_gradient_update(
    w: np.ndarray,
    x: np.ndarray,
    a: int,
    r: float,
    x_next: np.ndarray,
    terminated: bool,
    alpha: float,
    gamma: float,
) -> np.ndarray:
    """One semi-gradient Q-learning step for a linear Q-function; returns the NEW weights.

    ``td = r + gamma * max_b w[b] . x_next - w[a] . x`` (no ``gamma`` term if ``terminated``),
    then ``w[a] += alpha * td * x``. Only row ``a`` changes; ``w`` itself is left untouched.

    Args:
        w: ``(n_actions, k)`` float weights.
        x: ``(k,)`` features of the state.
        a: the action taken.
        r: the reward.
        x_next: ``(k,)`` features of the next state.
        terminated: True if the next state is terminal (a time-limit cut is NOT terminal).
        alpha: step size.
        gamma: discount in [0, 1].

    Returns:
        ``(n_actions, k)`` float64 updated copy of ``w``.
    """
    w = np.array(w, dtype=np.float64, copy=True)
    future = 0.0 if terminated else gamma * float(np.max(w @ x_next))
    td = r + future - float(w[a] @ x)
    w[a] += alpha * td * np.asarray(x, dtype=np.float64)
    return w


def train_linear_q(
    env: gym.Env,
    featurize: Featurizer,
    episodes: int = 300,
    alpha: float = 0.002,
    gamma: float = 0.99,
    epsilon: float | Callable[[int], float] = DEFAULT_EPSILON,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """Semi-gradient Q-learning with a linear Q-function ``Q(s, a) = w[a] . featurize(s)``.

    Args:
        env: a gymnasium env with a Box observation and a Discrete action space.
        featurize: maps a raw observation to a ``(k,)`` feature vector.
        episodes: number of episodes.
        alpha: step size; 0.002 suits the 81 order-2 Fourier features on CartPole.
        gamma: discount in [0, 1].
        epsilon: exploration rate, or a function ``episode -> epsilon`` (default
            :data:`DEFAULT_EPSILON`).
        seed: seeds the first reset and the action sampling.
        progress: show a tqdm bar.

    Returns:
        A history dict: ``w`` the ``(n_actions, k)`` weights, ``charts/episodic_return``
        ``(episodes,)``, ``charts/epsilon``, ``charts/max_abs_q`` (largest ``|Q|`` seen in the
        episode: it explodes when learning diverges) and ``time/seconds``.
    """
    if not isinstance(env.action_space, gym.spaces.Discrete):
        raise TypeError(f"train_linear_q needs a Discrete action space, got {env.action_space}")
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    if not 0.0 < alpha:
        raise ValueError(f"alpha must be > 0, got {alpha} (try 0.001 to 0.05)")
    rng = np.random.default_rng(seed)
    n_actions = int(env.action_space.n)
    obs, _ = env.reset(seed=seed)
    x = featurize(obs)
    w = np.zeros((n_actions, x.shape[0]))
    returns, epsilons, max_q = np.zeros(episodes), np.zeros(episodes), np.zeros(episodes)
    start = time.perf_counter()
    for ep in tqdm(range(episodes), disable=not progress, desc="linear Q", mininterval=0.5):
        eps = float(epsilon(ep)) if callable(epsilon) else float(epsilon)
        if ep > 0:
            obs, _ = env.reset()
            x = featurize(obs)
        done, total, peak = False, 0.0, 0.0
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            while not done and np.isfinite(peak):
                q = w @ x
                peak = max(peak, float(np.max(np.abs(q))))
                a = epsilon_greedy(q, eps, rng) if np.isfinite(peak) else 0
                obs, r, terminated, truncated, _ = env.step(a)
                x_next = featurize(obs)
                w = semi_gradient_update(w, x, a, float(r), x_next, terminated, alpha, gamma)
                x, total, done = x_next, total + float(r), terminated or truncated
        if not (np.isfinite(peak) and np.all(np.isfinite(w))):
            raise FloatingPointError(
                f"the weights became infinite or NaN at episode {ep}: learning diverged; "
                f"lower alpha (now {alpha}) or scale the features down"
            )
        returns[ep], epsilons[ep], max_q[ep] = total, eps, peak
    return {
        "w": w,
        "charts/episodic_return": returns,
        "charts/epsilon": epsilons,
        "charts/max_abs_q": max_q,
        "time/seconds": time.perf_counter() - start,
    }
