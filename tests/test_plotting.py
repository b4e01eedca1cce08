"""Tests for livedqn_edu.plotting: every figure draws headless, titled and labelled."""

from __future__ import annotations

import gymnasium as gym
import matplotlib.pyplot as plt  # headless: tests/conftest.py sets MPLBACKEND=Agg
import numpy as np
import pytest

from livedqn_edu.plotting import animate_episode, plot_learning_curve, plot_q_table


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _history(seed: int, n: int = 50) -> dict:
    rng = np.random.default_rng(seed)
    return {"charts/episodic_return": rng.random(n), "charts/episode_length": np.arange(n)}


def test_learning_curve_one_history_rolling_mean() -> None:
    h = {"charts/episodic_return": np.array([0.0, 1.0, 0.0, 1.0])}
    ax = plot_learning_curve(h, window=2)
    raw, smooth = ax.get_lines()
    # rolling mean over 2 with min_periods=1: [0, (0+1)/2, (1+0)/2, (0+1)/2] = [0, .5, .5, .5]
    np.testing.assert_allclose(smooth.get_ydata(), [0.0, 0.5, 0.5, 0.5])
    np.testing.assert_allclose(raw.get_ydata(), [0.0, 1.0, 0.0, 1.0])
    assert ax.get_xlabel() == "episode" and ax.get_ylabel() == "return per episode"
    assert "rolling mean over 2 episodes" in ax.get_title()


def test_learning_curve_several_seeds_mean_and_band() -> None:
    a = {"charts/episodic_return": np.array([0.0, 0.0, 0.0])}
    b = {"charts/episodic_return": np.array([2.0, 2.0, 2.0, 9.0])}  # longer: cut to 3
    ax = plot_learning_curve([a, b], window=1, label="Q-learning")
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), [1.0, 1.0, 1.0])  # mean of 0 and 2
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == 0.0 and band[:, 1].max() == 2.0  # min to max over seeds
    assert "2 seeds" in ax.get_title()
    assert ax.get_legend() is not None


def test_learning_curve_other_key_and_existing_axes() -> None:
    _, ax = plt.subplots()
    out = plot_learning_curve([_history(0), _history(1)], key="charts/episode_length", ax=ax)
    assert out is ax and ax.get_ylabel() == "episode length (steps)"


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (({"charts/episodic_return": np.ones(3)}, "charts/nope"), "not in this history"),
        (([],), "empty list"),
        (({"charts/episodic_return": np.ones(3)}, "charts/episodic_return", 0), "window"),
    ],
)
def test_learning_curve_bad_input(args, pattern) -> None:
    with pytest.raises(ValueError, match=pattern):
        plot_learning_curve(*args)


def _arrow_directions(ax) -> list[tuple[float, float]]:
    return [
        tuple(np.sign(np.subtract(t.xy, t.xyann)))
        for t in ax.texts
        if hasattr(t, "xyann") and t.arrow_patch is not None
    ]


def test_q_table_frozen_lake_marks_and_arrows() -> None:
    env = gym.make("FrozenLake-v1")
    q = np.zeros((16, 4))
    q[0, 2] = 1.0  # state 0 (start): right
    q[4, 1] = 0.5  # state 4: down
    ax = plot_q_table(q, env, title="test")
    letters = sorted(t.get_text() for t in ax.texts if t.get_text())
    assert letters == ["G", "H", "H", "H", "H", "S"]  # 4 holes in the 4x4 map
    # right = +x; down = +y (rows grow downwards in the image)
    assert sorted(_arrow_directions(ax)) == [(0.0, 1.0), (1.0, 0.0)]
    assert ax.get_title() == "test" and ax.get_xlabel() == "column"
    # heatmap shows max_a Q: 1.0 at (0, 0), 0.5 at (1, 0)
    data = ax.images[0].get_array()
    assert data[0, 0] == 1.0 and data[1, 0] == 0.5


def test_q_table_cliff_walking_action_order_and_path() -> None:
    env = gym.make("CliffWalking-v1")
    q = np.zeros((48, 4))
    q[36, 0] = 1.0  # CliffWalking action 0 is UP: -y
    ax = plot_q_table(q, env, path=[36, 24, 25])
    assert _arrow_directions(ax) == [(0.0, -1.0)]
    assert sum(t.get_text() == "C" for t in ax.texts) == 10  # the cliff: row 3, columns 1..10
    assert ax.images[0].get_array().mask[3, 5]  # cliff cells masked (grey)
    path = [line for line in ax.get_lines() if line.get_label() == "path"][0]
    assert list(path.get_xdata()) == [0, 0, 1] and list(path.get_ydata()) == [3, 2, 2]


def test_q_table_plain_shape_and_errors() -> None:
    ax = plot_q_table(np.arange(6.0).reshape(6, 1), (2, 3))
    assert ax.images[0].get_array().shape == (2, 3)
    with pytest.raises(ValueError, match=r"shape \(16, n_actions\)"):
        plot_q_table(np.zeros((10, 4)), gym.make("FrozenLake-v1"))
    with pytest.raises(ValueError, match="grid worlds"):
        plot_q_table(np.zeros((500, 6)), gym.make("Taxi-v4"))


def test_animate_episode_returns_small_html() -> None:
    env = gym.make("FrozenLake-v1", render_mode="rgb_array", is_slippery=False)
    actions = np.array([1, 0, 0, 0, 1, 0, 0, 0, 2, 1, 0, 0, 0, 2, 2, 0])  # reaches the goal
    html = animate_episode(env, actions, seed=0, max_frames=5, dpi=40)
    assert "<script" in html.data and html.data.count("data:image/png") <= 5
    assert len(html.data) < 2_000_000


def test_animate_episode_random_policy_and_callable() -> None:
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    assert "<script" in animate_episode(env, None, max_steps=5, dpi=30).data
    assert "<script" in animate_episode(env, lambda obs: 0, max_steps=3, dpi=30).data


def test_animate_episode_needs_rgb_array() -> None:
    with pytest.raises(ValueError, match="render_mode='rgb_array'"):
        animate_episode(gym.make("FrozenLake-v1"), np.zeros(16, dtype=int))
