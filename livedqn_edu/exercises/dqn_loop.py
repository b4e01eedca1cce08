"""Checkers for lesson 04 (DQN): the loop around the loss.

The learner's functions must have the signatures the notebook asks for:

- ``sample_batch(observations, actions, rewards, size, batch_size, rng)``: a uniform random
  minibatch ``(observations[idx], actions[idx], rewards[idx])`` of the ``size`` transitions
  stored so far in a preallocated ring buffer (``idx`` drawn with ``rng``);
- ``soft_update(target_weights, online_weights, tau) -> list``: Polyak averaging of each array;
- ``linear_epsilon(step, start, end, duration) -> float``: the exploration schedule.

The package's versions are :meth:`livedqn_edu.replay.ReplayBuffer.sample`, the agent's target
sync (``DQNConfig.tau``) and :func:`livedqn_edu.dqn.linear_epsilon`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from livedqn_edu.exercises._core import Case, CheckResult, WrongAnswer, plain_answer, run_checks

__all__ = ["check_linear_epsilon", "check_sample_batch", "check_soft_update"]


# ------------------------------------------------------------------------- replay sampling
_CAPACITY = 10


def _ring(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A ring buffer of 10 slots holding ``size`` transitions; empty slots are zeros.

    Transition ``i`` has observation ``[i + 1, 10 * (i + 1)]``, action ``i % 2`` and reward
    ``i + 1``, so a row's three parts can be matched and an empty slot (reward 0) recognised.
    """
    obs, actions, rewards = np.zeros((_CAPACITY, 2)), np.zeros(_CAPACITY, int), np.zeros(_CAPACITY)
    i = np.arange(size)
    obs[:size] = np.stack([i + 1.0, 10.0 * (i + 1)], axis=1)
    actions[:size], rewards[:size] = i % 2, i + 1.0
    return obs, actions, rewards


def _batch(fn: Callable[..., Any], size: int, batch_size: int, seed: int) -> tuple:
    """One call of the learner's function, checked for the shape of its answer."""
    obs, actions, rewards = _ring(size)
    got = plain_answer(fn(obs, actions, rewards, size, batch_size, np.random.default_rng(seed)))
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise WrongAnswer("return a tuple (observations, actions, rewards) of the sampled rows")
    o, a, r = (np.asarray(x, dtype=np.float64) for x in got)
    if o.shape != (batch_size, 2) or a.shape != (batch_size,) or r.shape != (batch_size,):
        raise WrongAnswer(
            f"expected shapes ({batch_size}, 2), ({batch_size},), ({batch_size},); got "
            f"{o.shape}, {a.shape}, {r.shape}"
        )
    return o, a, r


def _sampling(fn: Callable[..., Any]) -> Callable[[str], Any]:
    """Turn the learner's sampler into ``measure(name) -> number`` for the cases below."""

    def measure(name: str) -> Any:
        if name == "aligned":  # every sampled row is one stored transition, whole
            o, a, r = _batch(fn, 6, 64, 0)
            return bool(np.all((o[:, 0] == r) & (o[:, 1] == 10 * r) & (a == (r - 1) % 2)))
        if name == "stored only":  # share of samples from empty slots
            rewards = np.concatenate([_batch(fn, 6, 64, seed)[2] for seed in range(20)])
            return float(np.mean(rewards == 0))
        if name == "uniform":  # frequency of each of the 6 stored transitions
            rewards = np.concatenate([_batch(fn, 6, 64, seed)[2] for seed in range(50)])
            return np.bincount(rewards.astype(int), minlength=7)[1:] / rewards.size
        if name == "full":  # a full ring: the last slot is drawn too
            rewards = np.concatenate([_batch(fn, 10, 64, seed)[2] for seed in range(20)])
            return float(np.mean(rewards == 10))
        # "seeded": the same rng seed gives the same batch, another seed another one
        first, again, other = (_batch(fn, 6, 8, seed)[2] for seed in (3, 3, 4))
        return bool(np.array_equal(first, again) and not np.array_equal(first, other))

    return measure


def check_sample_batch(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(observations, actions, rewards, size, batch_size, rng)`` samples a minibatch.

    The arrays are a 10-slot ring buffer whose first ``size`` slots are filled; the function
    returns ``(observations[idx], actions[idx], rewards[idx])`` for ``batch_size`` indices drawn
    uniformly (with replacement) from ``[0, size)`` with ``rng``.
    """
    n = 50 * 64

    def near(got: Any, expected: Any) -> bool:  # within 4.5 binomial standard errors
        got = np.asarray(got, dtype=np.float64)
        return got.shape == (6,) and bool(np.all(np.abs(got - 1 / 6) < 4.5 * np.sqrt(5 / 36 / n)))

    cases = [
        Case(
            "each sampled row is one stored transition (observation, action and reward together)",
            ("aligned",),
            True,
            "draw ONE array of indices and use it for every field: observations[idx], "
            "actions[idx], rewards[idx] (separate draws mix different transitions)",
        ),
        Case(
            "only filled slots are sampled (6 of 10 stored)",
            ("stored only",),
            0.0,
            "draw indices from [0, size), the transitions stored so far, not from the whole "
            "capacity: rng.integers(0, size, size=batch_size)",
        ),
        Case(
            "every stored transition is equally likely",
            ("uniform",),
            np.full(6, 1 / 6),
            "sample uniformly at random over all stored transitions, not the most recent ones "
            "or a fixed slice",
            compare=near,
        ),
        Case(
            "a full buffer: the last slot is sampled too",
            ("full",),
            0.1,
            "with size = capacity every slot holds a transition: rng.integers(0, size) excludes "
            "`size` itself, so do not subtract 1",
            compare=lambda got, want: abs(got - want) < 0.05,
        ),
        Case(
            "the batch comes from rng (same seed, same batch)",
            ("seeded",),
            True,
            "use the generator you are given (rng.integers), not np.random or random: a seeded "
            "run must be reproducible",
        ),
    ]
    return run_checks("sample_batch", _sampling(fn), cases)


# ------------------------------------------------------------------ target network, schedule
def _same_arrays(got: Any, expected: Any) -> bool:
    """A list of arrays of the expected shapes and values."""
    if not isinstance(got, (list, tuple)) or len(got) != len(expected):
        raise WrongAnswer(f"return a list of {len(expected)} arrays, one per weight array")
    for g, e in zip(got, expected, strict=True):
        g = np.asarray(g, dtype=np.float64)
        if g.shape != e.shape:
            raise WrongAnswer(f"an array of shape {e.shape} came back with shape {g.shape}")
        if not np.allclose(g, e, atol=1e-9, rtol=0.0):
            return False
    return True


def check_soft_update(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(target_weights, online_weights, tau)`` returns the Polyak-averaged weights.

    Both arguments are lists of arrays (a kernel and a bias); the answer is the list
    ``[(1 - tau) * t + tau * o for t, o in zip(target_weights, online_weights)]``.
    """
    target = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.0, 10.0])]
    online = [np.array([[5.0, 2.0], [3.0, 0.0]]), np.array([10.0, 0.0])]
    cases = [
        Case(
            "tau 0.1: the target moves a tenth of the way",
            (target, online, 0.1),
            # 0.9 * target + 0.1 * online
            [np.array([[1.4, 2.0], [3.0, 3.6]]), np.array([1.0, 9.0])],
            "new target = (1 - tau) * target + tau * online: tau weighs the ONLINE network "
            "(a small tau keeps the target close to where it was)",
            compare=_same_arrays,
        ),
        Case(
            "tau 1 is a hard copy",
            (target, online, 1.0),
            [a.copy() for a in online],
            "with tau = 1 the target becomes a copy of the online weights",
            compare=_same_arrays,
        ),
        Case(
            "tau 0.5 on every array, not only the first",
            (target, online, 0.5),
            [np.array([[3.0, 2.0], [3.0, 2.0]]), np.array([5.0, 5.0])],
            "update every weight array (loop over zip(target_weights, online_weights)) and "
            "return the new list",
            compare=_same_arrays,
        ),
    ]
    return run_checks("soft_update", fn, cases)


def check_linear_epsilon(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(step, start, end, duration) -> float``: linear decay, then held at ``end``."""
    cases = [
        Case("step 0", (0, 1.0, 0.04, 8_000), 1.0, "at step 0 epsilon is `start`"),
        Case(
            "a quarter of the way",
            (2_000, 1.0, 0.04, 8_000),
            0.76,  # 1 + (2000 / 8000) * (0.04 - 1) = 1 - 0.24 = 0.76
            "interpolate linearly: start + (step / duration) * (end - start), towards `end`, "
            "not towards 0",
        ),
        Case(
            "after the decay it stays at end",
            (20_000, 1.0, 0.04, 8_000),
            0.04,
            "clip the fraction step / duration at 1: after `duration` steps epsilon stays at "
            "`end` (it must never go below it, or negative)",
        ),
        Case(
            "another schedule: from 0.5 to 0.1 over 100 steps, step 50",
            (50, 0.5, 0.1, 100),
            0.3,  # 0.5 + 0.5 * (0.1 - 0.5) = 0.3
            "use the arguments, not the defaults of lesson 04's config",
        ),
    ]
    return run_checks("linear_epsilon", fn, cases)
