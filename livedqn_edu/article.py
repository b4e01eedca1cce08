"""The source article's DQN, re-implemented with its names, order and constants (lesson 03).

The article (in Chinese, on deep Q-learning for live-streaming recommendation) prints 60 lines of
Python in two listings: a class ``DQN`` (``__init__``, ``build_model``, ``act``,
``train(self, batch_size=32)``) and a loop over 2,000 CartPole episodes of at most 500 steps that
stores each transition with ``agent.memory.append(...)`` and calls ``agent.train()`` once the
memory holds more than ``batch_size`` transitions. :class:`DQN` and :func:`article_loop` follow
them line by line, in the same order, with the same names and constants.

``fixes`` chooses what to repair. Empty (the default), the code stops where the printed code stops
today: each place is marked ``# break: <key>`` and described in
:data:`~livedqn_edu.article_breaks.ARTICLE_BREAKS`. With ``fixes=PATCHED`` it is the article's
agent *patched only to run*: the seven fixes, plus ``quiet`` (``verbose=0`` on ``predict``, which
Keras 3 otherwise follows with a progress bar per call). Lines marked ``# ours`` are not in the
article: seeding (the article's global ``np.random`` and Keras initialisers, through
:func:`~livedqn_edu.seed_everything`, and the env's first reset), and a ``yield`` after each env
step so that a caller can stop or time the loop.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Collection, Iterator
from time import perf_counter
from typing import Any, NamedTuple

import numpy as np

from livedqn_edu import import_tensorflow, seed_everything
from livedqn_edu.article_breaks import ARTICLE_BREAKS

import_tensorflow()
from keras.layers import Dense  # noqa: E402  (the article imports these from tensorflow.keras)
from keras.models import Sequential  # noqa: E402
from keras.optimizers import Adam  # noqa: E402

__all__ = [
    "DQN",
    "PATCHED",
    "Progress",
    "article_epsilon",
    "article_epsilon_by_step",
    "article_loop",
    "measure_speed",
    "run_article",
    "training_calls_to_floor",
]

FIXES = frozenset(b.key for b in ARTICLE_BREAKS) | {"quiet"}
"""Every name ``fixes`` may hold."""
PATCHED = FIXES
"""The article's code patched only to run: every fix, and ``quiet``."""


def _check_fixes(fixes: Collection[str]) -> frozenset[str]:
    unknown = sorted(set(fixes) - FIXES)
    if isinstance(fixes, str) or unknown:
        raise ValueError(f"unknown fixes {unknown or fixes!r}; choose among {sorted(FIXES)}")
    return frozenset(fixes)


class DQN:
    """The article's agent: an MLP fitted one transition at a time, a list memory, no target net.

    Args:
        state_size: observation length (4 for CartPole).
        action_size: number of actions (2; ``env.action_space.n``, a numpy int in gymnasium).
        learning_rate: Adam's step size.
        fixes: the repairs to apply (see the module docstring); empty runs the printed code.
    """

    def __init__(self, state_size, action_size, learning_rate=0.001, fixes=()):  # noqa: ANN001
        self.state_size = state_size
        self.action_size = action_size
        self.learning_rate = learning_rate
        self.memory = []
        self.gamma = 0.95
        self.epsilon = 1.0
        self.epsilon_min = 0.01
        self.epsilon_decay = 0.995
        self.batch_size = 32
        self.fixes = _check_fixes(fixes)  # ours
        self.quiet = {"verbose": 0} if "quiet" in self.fixes else {}  # ours

        self.model = self.build_model()

    def build_model(self) -> Sequential:
        """4 -> 24 ReLU -> 24 ReLU -> ``action_size`` linear; MSE loss, Adam."""
        model = Sequential()
        model.add(Dense(24, input_dim=self.state_size, activation="relu"))
        model.add(Dense(24, activation="relu"))
        units = int(self.action_size) if "units" in self.fixes else self.action_size
        model.add(Dense(units, activation="linear"))  # break: units
        if "lr" in self.fixes:
            optimizer = Adam(learning_rate=self.learning_rate)
        else:
            optimizer = Adam(lr=self.learning_rate)  # break: lr
        model.compile(loss="mse", optimizer=optimizer)
        return model

    def act(self, state: np.ndarray) -> int:
        """Epsilon-greedy action for ``state`` of shape ``(1, state_size)``."""
        if np.random.rand() <= self.epsilon:  # noqa: NPY002  (the article's global RNG)
            return np.random.randint(self.action_size)  # noqa: NPY002
        act_values = self.model.predict(state, **self.quiet)
        return np.argmax(act_values[0])

    def train(self, batch_size: int = 32) -> None:
        """Fit ``batch_size`` sampled transitions one at a time, then decay epsilon once."""
        if "choice" in self.fixes:
            picks = np.random.choice(len(self.memory), batch_size)  # noqa: NPY002
            minibatch = [self.memory[i] for i in picks]
        else:
            minibatch = np.random.choice(self.memory, batch_size)  # noqa: NPY002  # break: choice
        for state, action, reward, next_state, done in minibatch:
            target = reward
            if not done:
                target = reward + self.gamma * np.amax(
                    self.model.predict(next_state, **self.quiet)[0]
                )
            target_f = self.model.predict(state, **self.quiet)
            target_f[0][action] = target
            self.model.fit(state, target_f, epochs=1, verbose=0)
        if self.epsilon > self.epsilon_min:
            self.epsilon *= self.epsilon_decay


class Progress(NamedTuple):
    """What :func:`article_loop` yields after each env step."""

    episode: int
    """The article's ``e``: episode index from 0."""
    time: int
    """The article's ``time``: step index within the episode, from 0."""
    done: bool
    """The article's ``done`` for this step."""
    transitions: int
    """``len(agent.memory)`` after this step's transition was stored."""
    agent: DQN
    """The agent itself (it goes on changing after the yield)."""

    @property
    def trains_next(self) -> bool:
        """True if the loop calls ``agent.train()`` before its next yield (not done, >32 stored)."""
        return not self.done and self.transitions > self.agent.batch_size


def article_loop(
    fixes: Collection[str] = (),
    seed: int = 0,
    episodes: int = 2000,
    log: Callable[[str], Any] = print,
) -> Iterator[Progress]:
    """The article's training loop as a generator: yields after storing each transition.

    The article's line that trains (``agent.train()``) runs when the caller asks for the next
    step, so a caller that stops after step ``n`` has made the training calls of steps 1 to n-1.

    Args:
        fixes: the repairs to apply (empty: as printed).
        seed: seeds ``np.random``, Keras and the env's first reset.
        episodes: the article's 2,000.
        log: receives the article's per-episode line (``print`` in the article).
    """
    fixes = _check_fixes(fixes)
    seed_everything(seed)  # ours
    gym = importlib.import_module("gymnasium" if "gym" in fixes else "gym")  # break: gym

    env = gym.make("CartPole-v1")
    env.reset(seed=seed)  # ours: seeds the random starts of every episode
    state_size = env.observation_space.shape[0]
    action_size = env.action_space.n
    agent = DQN(state_size, action_size, fixes=fixes)

    for e in range(episodes):
        state = env.reset()[0] if "reset" in fixes else env.reset()
        state = np.reshape(state, [1, state_size])  # break: reset
        for time in range(500):
            action = agent.act(state)
            if "step" in fixes:
                next_state, reward, terminated, truncated, _ = env.step(action)  # break: step
                done = terminated or truncated
            else:
                next_state, reward, done, _ = env.step(action)  # break: step
            next_state = np.reshape(next_state, [1, state_size])
            agent.memory.append((state, action, reward, next_state, done))
            state = next_state
            yield Progress(e, time, done, len(agent.memory), agent)  # ours
            if done:
                log(f"episode: {e}/{episodes}, score: {time}, e: {agent.epsilon}")
                break
            limit = agent.batch_size if "batch_size" in fixes else batch_size  # noqa: F821  # break: batch_size
            if len(agent.memory) > limit:
                agent.train()


def article_epsilon(
    training_calls: int, start: float = 1.0, decay: float = 0.995, floor: float = 0.01
) -> float:
    """Epsilon after ``training_calls`` calls of ``train()``, as the article decays it.

    The article multiplies by ``decay`` while epsilon is still above ``floor``, so it ends one
    step *below* the floor: 0.995**919 = 0.009986 with its values, and stays there.
    """
    if training_calls < 0:
        raise ValueError(f"training_calls must be >= 0, got {training_calls}")
    return start * decay ** min(training_calls, training_calls_to_floor(start, decay, floor))


def article_epsilon_by_step(step: int, batch_size: int = 32) -> float:
    """Epsilon used at env step ``step`` (counted from 1), if every step since the first
    training call trained.

    The article's first training call comes after step ``batch_size + 1`` (33: the memory then
    holds more than 32 transitions), and each later step trains once, except a step that ends
    an episode. Counting one decay per step from there, the action of step ``s`` uses
    ``article_epsilon(s - 33)``; the article's own agent decays a little later (one step per
    episode ended meanwhile trains nothing).

    Example:
        >>> article_epsilon_by_step(33), article_epsilon_by_step(35)  # 0.995**2 = 0.990025
        (1.0, 0.990025)
    """
    if step < 1:
        raise ValueError(f"env steps count from 1, got {step}")
    return article_epsilon(max(0, step - (batch_size + 1)))


def training_calls_to_floor(start: float = 1.0, decay: float = 0.995, floor: float = 0.01) -> int:
    """Training calls after which the article's epsilon stops decaying (919 with its values).

    The first ``n`` with ``start * decay**n <= floor``: ``ceil(log(floor / start) / log(decay))``.
    """
    if not 0.0 < decay < 1.0:
        raise ValueError(f"decay must be in (0, 1), got {decay}")
    if not 0.0 < floor <= start:
        raise ValueError(f"floor must be in (0, start={start}], got {floor}")
    return math.ceil(math.log(floor / start) / math.log(decay) - 1e-12)


def run_article(
    env_steps: int | None = None,
    seconds: float | None = None,
    fixes: Collection[str] = PATCHED,
    seed: int = 0,
    warm_up: bool = False,
) -> dict[str, Any]:
    """Run :func:`article_loop` for a budget of env steps or seconds, timing every step.

    Args:
        env_steps: stop after this many (timed) env steps.
        seconds: stop once the timed steps add up to this many seconds.
        fixes: the repairs (default: patched only to run).
        seed: as in :func:`article_loop`.
        warm_up: first run, untimed, until the first training call has finished (that also
            builds Keras's predict and fit functions), then time the budget.

    Returns:
        dict with ``agent``; ``env_steps``, ``training_calls`` and ``updates`` (one ``fit`` per
        sampled transition) made in the timed part; ``seconds``; ``step_seconds`` (``(env_steps,)``
        wall time from one yield to the next: the previous step's training call, then this
        step's action and env step); ``episode_lengths`` (episodes ended in the timed part) and
        ``log`` (every line the article's loop printed).
    """
    if env_steps is None and seconds is None:
        raise ValueError("run_article needs a budget: env_steps=... or seconds=...")
    if (env_steps is not None and env_steps < 1) or (seconds is not None and seconds <= 0):
        raise ValueError(f"budgets must be positive, got env_steps={env_steps}, seconds={seconds}")
    log: list[str] = []
    loop = article_loop(fixes, seed, log=log.append)
    last = next(loop)
    while warm_up and not last.trains_next:  # until a step that is followed by training
        last = next(loop)
    if warm_up:
        last = next(loop)  # the first training call runs inside this next()
    times: list[float] = []
    calls, lengths = 0, []
    tick = perf_counter()
    for p in loop:
        now = perf_counter()
        times.append(now - tick)
        tick = now
        calls += last.trains_next
        if p.done:
            lengths.append(p.time + 1)
        last = p
        if (env_steps is not None and len(times) >= env_steps) or (
            seconds is not None and sum(times) >= seconds
        ):
            break
    loop.close()
    return {
        "agent": last.agent,
        "env_steps": len(times),
        "training_calls": calls,
        "updates": calls * last.agent.batch_size,
        "seconds": float(sum(times)),
        "step_seconds": np.asarray(times),
        "episode_lengths": lengths,
        "log": log,
    }


def measure_speed(
    seconds: float | None = None, seed: int = 0, env_steps: int | None = None
) -> dict[str, float]:
    """The patched article agent's speed on CartPole-v1, after an untimed warm-up.

    Times ``env_steps`` env steps, or as many as fit in ``seconds``, once the first training call
    has finished (see :func:`run_article`).

    Returns:
        dict with ``env_steps``, ``training_calls``, ``updates`` (per-sample ``fit`` calls),
        ``seconds``, ``env_steps_per_s``, ``updates_per_s`` and ``median_step_seconds``.
    """
    run = run_article(env_steps, seconds, PATCHED, seed, warm_up=True)
    secs = run["seconds"]
    return {
        "env_steps": float(run["env_steps"]),
        "training_calls": float(run["training_calls"]),
        "updates": float(run["updates"]),
        "seconds": secs,
        "env_steps_per_s": run["env_steps"] / secs,
        "updates_per_s": run["updates"] / secs,
        "median_step_seconds": float(np.median(run["step_seconds"])),
    }
