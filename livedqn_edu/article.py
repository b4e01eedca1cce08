"""The source article's DQN agent, re-implemented faithfully for lesson 03 and the benchmarks.

This is the agent of the blog post that started the course, written from its published facts and
changed only where today's libraries (gymnasium 1.x, Keras 3) demand it. Every such change is
marked ``# CHANGE:`` with its reason. Its design is kept on purpose, flaws included:

* a Keras MLP with two hidden layers of 24 ReLU units and a linear head, MSE loss, Adam at 1e-3;
* discount ``gamma = 0.95``;
* epsilon starts at 1.0 and is multiplied by 0.995 after **every training call**, floored at 0.01;
* the memory is an unbounded Python list of ``(state, action, reward, next_state, done)`` tuples;
* a training call after every env step once the memory holds more than 32 transitions, on a
  minibatch of 32 drawn with replacement; for each sampled transition one ``predict`` for the
  target, one ``predict`` for the current Q-values and one ``fit`` (64 predicts, 32 fits per step);
* ``done`` merges termination and truncation, and there is no target network.

The package's real agent (:mod:`livedqn_edu.dqn`) fixes all of this; lesson 03 measures the gap.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from livedqn_edu.article_breaks import ARTICLE_BREAKS, Breakage, show_error
from livedqn_edu.runtime import import_tensorflow

__all__ = [
    "ARTICLE_BREAKS",
    "ArticleAgent",
    "Breakage",
    "article_epsilon",
    "measure_speed",
    "run_article_agent",
    "show_error",
    "training_calls_to_floor",
]

# The article's constants.
GAMMA = 0.95
LEARNING_RATE = 1e-3
EPSILON_START = 1.0
EPSILON_DECAY = 0.995
EPSILON_MIN = 0.01
BATCH_SIZE = 32
HIDDEN_UNITS = 24


def article_epsilon(
    training_calls: int,
    start: float = EPSILON_START,
    decay: float = EPSILON_DECAY,
    floor: float = EPSILON_MIN,
) -> float:
    """Epsilon after ``training_calls`` calls of ``replay``: ``max(floor, start * decay**n)``.

    Args:
        training_calls: number of training calls made so far (>= 0).
        start: epsilon before the first call.
        decay: factor applied after each call.
        floor: the minimum epsilon.
    """
    if training_calls < 0:
        raise ValueError(f"training_calls must be >= 0, got {training_calls}")
    return max(floor, start * decay**training_calls)


def training_calls_to_floor(
    start: float = EPSILON_START, decay: float = EPSILON_DECAY, floor: float = EPSILON_MIN
) -> int:
    """Smallest number of training calls after which epsilon equals ``floor``.

    ``ceil(log(floor / start) / log(decay))``: 919 for the article's 1.0, 0.995 and 0.01.
    """
    if not 0.0 < decay < 1.0:
        raise ValueError(f"decay must be in (0, 1), got {decay}")
    if not 0.0 < floor <= start:
        raise ValueError(f"floor must be in (0, start={start}], got {floor}")
    return math.ceil(math.log(floor / start) / math.log(decay) - 1e-12)


class ArticleAgent:
    """The article's agent: per-sample ``predict``/``fit``, no target network, list memory.

    Args:
        state_size: length of an observation (4 for CartPole).
        action_size: number of discrete actions (2 for CartPole).
        seed: seeds the weight initialisers and the agent's own random generator.

    Attributes:
        memory: list of ``(state, action, reward, next_state, done)``; states are ``(1,
            state_size)`` float arrays, as the article stores them. Never truncated.
        epsilon: current exploration rate.
        training_calls: number of ``replay`` calls so far.
        updates: number of per-sample ``fit`` calls so far.
    """

    def __init__(self, state_size: int, action_size: int, seed: int = 0) -> None:
        for name, value in (("state_size", state_size), ("action_size", action_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.state_size = int(state_size)
        # CHANGE: Keras 3 rejects numpy integers as layer sizes (see ARTICLE_BREAKS).
        self.action_size = int(action_size)
        self.memory: list[tuple[np.ndarray, int, float, np.ndarray, bool]] = []
        self.gamma = GAMMA
        self.epsilon = EPSILON_START
        self.epsilon_min = EPSILON_MIN
        self.epsilon_decay = EPSILON_DECAY
        self.learning_rate = LEARNING_RATE
        # CHANGE: a seeded generator instead of the global np.random / random modules.
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.training_calls = 0
        self.updates = 0
        self.model = self._build_model()

    def _build_model(self) -> Any:
        import_tensorflow()
        import keras  # noqa: PLC0415

        def init(offset: int) -> Any:
            # CHANGE: seeded initialisers (same Glorot-uniform default) for reproducibility.
            return keras.initializers.GlorotUniform(seed=self.seed * 10 + offset)

        model = keras.Sequential(
            [
                # CHANGE: an Input layer; Keras 3 warns about `input_dim` on Dense.
                keras.Input(shape=(self.state_size,)),
                keras.layers.Dense(HIDDEN_UNITS, activation="relu", kernel_initializer=init(1)),
                keras.layers.Dense(HIDDEN_UNITS, activation="relu", kernel_initializer=init(2)),
                keras.layers.Dense(
                    self.action_size, activation="linear", kernel_initializer=init(3)
                ),
            ]
        )
        # CHANGE: `lr=` became `learning_rate=` in Keras 3.
        model.compile(loss="mse", optimizer=keras.optimizers.Adam(learning_rate=self.learning_rate))
        return model

    def remember(
        self, state: np.ndarray, action: int, reward: float, next_state: np.ndarray, done: bool
    ) -> None:
        """Append one transition to the (unbounded) memory list."""
        self.memory.append((state, action, reward, next_state, done))

    def act(self, state: np.ndarray) -> int:
        """Epsilon-greedy action for ``state``, shape ``(1, state_size)``: one ``predict`` call."""
        if self.rng.random() <= self.epsilon:
            return int(self.rng.integers(self.action_size))
        # CHANGE: verbose=0, else Keras 3 prints a progress bar for every single prediction.
        q_values = self.model.predict(state, verbose=0)
        return int(np.argmax(q_values[0]))

    def replay(self, batch_size: int) -> None:
        """One training call: ``batch_size`` per-sample updates, then decay epsilon once.

        For each sampled transition: target = reward if done, else
        ``reward + gamma * max_a Q(next_state, a)``; the current Q-values are predicted, the taken
        action's entry replaced by the target, and the network fitted on that one sample.
        """
        if batch_size < 1 or not self.memory:
            raise ValueError(
                f"replay needs batch_size >= 1 and a non-empty memory, got batch_size="
                f"{batch_size} and {len(self.memory)} transitions; call remember() first"
            )
        # CHANGE: np.random.choice cannot sample a list of tuples; draw indices (with
        # replacement, as np.random.choice does by default) and pick the tuples.
        indices = self.rng.integers(len(self.memory), size=batch_size)
        for i in indices:
            state, action, reward, next_state, done = self.memory[int(i)]
            next_q = self.model.predict(next_state, verbose=0)[0]
            target = reward if done else reward + self.gamma * float(np.amax(next_q))
            target_f = self.model.predict(state, verbose=0)
            target_f[0][action] = target
            self.model.fit(state, target_f, epochs=1, verbose=0)
            self.updates += 1
        self.training_calls += 1
        self.epsilon = max(self.epsilon_min, self.epsilon * self.epsilon_decay)


def _article_steps(env: Any, agent: ArticleAgent, seed: int) -> Iterator[float | None]:
    """The article's training loop as a generator: yields after every env step.

    Yields the episode return when an episode just ended, else ``None``. Never ends by itself.
    """
    # CHANGE: reset returns (obs, info) and takes the seed.
    obs, _ = env.reset(seed=seed)
    state = np.reshape(obs, (1, agent.state_size))
    episode_return = 0.0
    while True:
        action = agent.act(state)
        # CHANGE: step returns five values; the article's single `done` merges both endings.
        obs, reward, terminated, truncated, _ = env.step(action)
        done = bool(terminated or truncated)
        next_state = np.reshape(obs, (1, agent.state_size))
        agent.remember(state, action, float(reward), next_state, done)
        state = next_state
        episode_return += float(reward)
        finished = episode_return if done else None
        if done:
            obs, _ = env.reset()
            state = np.reshape(obs, (1, agent.state_size))
            episode_return = 0.0
        if len(agent.memory) > BATCH_SIZE:
            agent.replay(BATCH_SIZE)
        yield finished


def run_article_agent(
    env: Any,
    max_env_steps: int | None = None,
    max_seconds: float | None = None,
    seed: int = 0,
    progress: bool = True,
    agent: ArticleAgent | None = None,
) -> dict[str, Any]:
    """Train the article's agent on ``env`` until a step or wall-time budget runs out.

    The wall-time budget is checked after each env step, and one step costs the agent about two
    seconds once training has started, so a run may overshoot ``max_seconds`` by that much.

    Args:
        env: a gymnasium env with a Box observation and a Discrete action space (CartPole-v1).
        max_env_steps: stop after this many env steps.
        max_seconds: stop once this many wall seconds have passed.
        seed: seeds the agent (if created here) and the first ``env.reset``.
        progress: show a tqdm bar.
        agent: an existing agent to continue training (default: a new one).

    Returns:
        dict with ``agent``, ``env_steps``, ``updates`` (per-sample fit calls), ``training_calls``,
        ``seconds``, ``env_steps_per_s``, ``updates_per_s``, ``episode_returns`` (list of float)
        and ``epsilon`` (final).
    """
    if max_env_steps is None and max_seconds is None:
        raise ValueError(
            "run_article_agent needs a budget: pass max_env_steps=... or max_seconds=... "
            "(the agent manages ~0.5 env steps/s, so keep both small)"
        )
    if max_env_steps is not None and max_env_steps < 1:
        raise ValueError(f"max_env_steps must be >= 1, got {max_env_steps}")
    if max_seconds is not None and max_seconds <= 0:
        raise ValueError(f"max_seconds must be > 0, got {max_seconds}")
    obs_shape = getattr(env.observation_space, "shape", None)
    n_actions = getattr(env.action_space, "n", None)
    if not obs_shape or len(obs_shape) != 1 or n_actions is None:
        raise TypeError(
            "run_article_agent needs a flat Box observation and a Discrete action space, got "
            f"{env.observation_space} and {env.action_space}"
        )
    if agent is None:
        agent = ArticleAgent(int(obs_shape[0]), int(n_actions), seed=seed)
    from tqdm.auto import tqdm  # noqa: PLC0415

    bar = tqdm(total=max_env_steps, disable=not progress, desc="article agent", unit="step")
    updates0, calls0 = agent.updates, agent.training_calls
    returns: list[float] = []
    steps = 0
    start = time.perf_counter()
    for finished in _article_steps(env, agent, seed):
        steps += 1
        bar.update(1)
        if finished is not None:
            returns.append(finished)
            bar.set_postfix(ret=finished, eps=round(agent.epsilon, 3))
        elapsed = time.perf_counter() - start
        if max_env_steps is not None and steps >= max_env_steps:
            break
        if max_seconds is not None and elapsed >= max_seconds:
            break
    bar.close()
    seconds = time.perf_counter() - start
    updates = agent.updates - updates0
    return {
        "agent": agent,
        "env_steps": steps,
        "updates": updates,
        "training_calls": agent.training_calls - calls0,
        "seconds": seconds,
        "env_steps_per_s": steps / seconds,
        "updates_per_s": updates / seconds,
        "episode_returns": returns,
        "epsilon": agent.epsilon,
    }


def measure_speed(seconds: float, seed: int = 0) -> dict[str, float]:
    """The article agent's steady-state speed on CartPole-v1 for about ``seconds`` wall seconds.

    Untimed warm-up first: the memory is filled past 32 transitions and one training call is made
    (which also builds Keras's predict and fit functions); then the agent trains for ``seconds``.

    Returns:
        dict with ``env_steps``, ``updates`` (per-sample fit calls), ``seconds`` (measured),
        ``env_steps_per_s`` and ``updates_per_s``.
    """
    import gymnasium as gym  # noqa: PLC0415

    if seconds <= 0:
        raise ValueError(f"seconds must be > 0, got {seconds}")
    env = gym.make("CartPole-v1")
    try:
        agent = ArticleAgent(4, 2, seed=seed)
        warmup = _article_steps(env, agent, seed)
        while agent.training_calls < 1:
            next(warmup)
        # continue the same episode stream, timed
        updates0 = agent.updates
        steps = 0
        start = time.perf_counter()
        while True:
            next(warmup)
            steps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
    finally:
        env.close()
    updates = agent.updates - updates0
    return {
        "env_steps": float(steps),
        "updates": float(updates),
        "seconds": elapsed,
        "env_steps_per_s": steps / elapsed,
        "updates_per_s": updates / elapsed,
    }
