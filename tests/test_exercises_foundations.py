"""Tests for lesson 01's foundation checkers: Bellman backup, first-visit MC, TD(0)."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.dp import bellman_backup
from livedqn_edu.exercises import (
    check_bellman_backup,
    check_first_visit_mc_update,
    check_td0_update,
)
from livedqn_edu.prediction import first_visit_mc_update, td0_update


def _stub(*args):
    raise NotImplementedError("write it")


# ---------------------------------------------------------------- Bellman backup


def _bb_right(P, R, terminal, v, gamma):
    return R + gamma * P @ np.where(terminal, 0.0, v)


def _bb_ignores_terminal(P, R, terminal, v, gamma):
    return R + gamma * P @ v


def _bb_returns_v(P, R, terminal, v, gamma):
    return (R + gamma * P @ np.where(terminal, 0.0, v)).max(axis=1)


def _bb_discounts_reward(P, R, terminal, v, gamma):
    return gamma * (R + P @ np.where(terminal, 0.0, v))


def _bb_unweighted(P, R, terminal, v, gamma):
    # averages the reachable next states instead of weighting them by probability
    reach = (P > 0).astype(float)
    reach /= reach.sum(axis=2, keepdims=True)
    return R + gamma * reach @ np.where(terminal, 0.0, v)


def _bb_current_state(P, R, terminal, v, gamma):
    # bootstraps from the current state's value
    return R + gamma * np.where(terminal, 0.0, v)[:, None]


@pytest.mark.parametrize(
    "wrong",
    [_stub, _bb_ignores_terminal, _bb_returns_v, _bb_discounts_reward, _bb_unweighted,
     _bb_current_state],
)  # fmt: skip
def test_bellman_backup_rejects(wrong, capsys) -> None:
    assert not check_bellman_backup(wrong)
    assert "[FAIL]" in capsys.readouterr().out


@pytest.mark.parametrize("right", [_bb_right, bellman_backup])
def test_bellman_backup_accepts(right, capsys) -> None:
    assert check_bellman_backup(right)
    assert "[PASS]" in capsys.readouterr().out


def test_bellman_backup_names_the_mistakes(capsys) -> None:
    check_bellman_backup(_bb_ignores_terminal)
    assert "terminal next state is worth 0" in capsys.readouterr().out
    check_bellman_backup(_bb_returns_v)
    assert "it returned shape (3,)" in capsys.readouterr().out


# ---------------------------------------------------------------- first-visit Monte Carlo


def _returns(rewards, gamma):
    g, out = 0.0, []
    for r in reversed(rewards):
        g = r + gamma * g
        out.append(g)
    return out[::-1]


def _mc_right(v, states, rewards, gamma, alpha):
    v, seen = np.array(v, float), set()
    for s, g in zip(states, _returns(rewards, gamma), strict=True):
        if s not in seen:
            seen.add(s)
            v[s] += alpha * (g - v[s])
    return v


def _mc_every_visit(v, states, rewards, gamma, alpha):
    v = np.array(v, float)
    for s, g in zip(states, _returns(rewards, gamma), strict=True):
        v[s] += alpha * (g - v[s])
    return v


def _mc_undiscounted(v, states, rewards, gamma, alpha):
    return _mc_right(v, states, rewards, 1.0, alpha)


def _mc_forward(v, states, rewards, gamma, alpha):
    # "return" = discounted sum of the rewards BEFORE step t
    v, seen = np.array(v, float), set()
    for t, s in enumerate(states):
        g = sum(gamma**k * r for k, r in enumerate(rewards[: t + 1]))
        if s not in seen:
            seen.add(s)
            v[s] += alpha * (g - v[s])
    return v


def _mc_replaces(v, states, rewards, gamma, alpha):
    # ignores alpha: sets v[s] = G (right only when alpha = 1)
    return _mc_right(v, states, rewards, gamma, 1.0)


@pytest.mark.parametrize(
    "wrong", [_stub, _mc_every_visit, _mc_undiscounted, _mc_forward, _mc_replaces]
)
def test_first_visit_mc_rejects(wrong, capsys) -> None:
    assert not check_first_visit_mc_update(wrong)
    assert "[FAIL]" in capsys.readouterr().out


@pytest.mark.parametrize("right", [_mc_right, first_visit_mc_update])
def test_first_visit_mc_accepts(right, capsys) -> None:
    assert check_first_visit_mc_update(right)


def test_first_visit_mc_names_every_visit(capsys) -> None:
    check_first_visit_mc_update(_mc_every_visit)
    assert "FIRST-visit" in capsys.readouterr().out


# ---------------------------------------------------------------- TD(0)


def _td_right(v, s, r, s_next, terminated, alpha, gamma):
    target = r if terminated else r + gamma * v[s_next]
    return v[s] + alpha * (target - v[s])


def _td_ignores_end(v, s, r, s_next, terminated, alpha, gamma):
    return v[s] + alpha * (r + gamma * v[s_next] - v[s])


def _td_own_state(v, s, r, s_next, terminated, alpha, gamma):
    target = r if terminated else r + gamma * v[s]
    return v[s] + alpha * (target - v[s])


def _td_alpha_misplaced(v, s, r, s_next, terminated, alpha, gamma):
    future = 0.0 if terminated else gamma * v[s_next]
    return (1 - alpha) * v[s] + alpha * r + future


def _td_whole_table(v, s, r, s_next, terminated, alpha, gamma):
    v = v.copy()
    v[s] = _td_right(v, s, r, s_next, terminated, alpha, gamma)
    return v


@pytest.mark.parametrize(
    "wrong", [_stub, _td_ignores_end, _td_own_state, _td_alpha_misplaced, _td_whole_table]
)
def test_td0_rejects(wrong, capsys) -> None:
    assert not check_td0_update(wrong)
    assert "[FAIL]" in capsys.readouterr().out


@pytest.mark.parametrize("right", [_td_right, td0_update])
def test_td0_accepts(right) -> None:
    assert check_td0_update(right)
