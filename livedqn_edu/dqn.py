"""Deep Q-learning: the config, the target maths as pure functions, and :class:`DQNAgent`.

The DQN update (Mnih et al., 2015) regresses ``Q(s, a)`` on the target
``y = r + gamma * (1 - terminated) * max_a' Q_target(s', a')``, where ``Q_target`` is a copy of
the network synchronised only now and then, with a Huber loss and clipped gradients. Double DQN
(van Hasselt et al., 2016) picks ``a'`` with the online network and evaluates it with the target
network, which curbs the over-estimation that the ``max`` brings. A batch may say how long each
transition took (``Batch.elapsed``, in discount periods): its target is then discounted by
``gamma ** elapsed`` (a semi-MDP), e.g. per day of a viewer's clock rather than per step.

The agent knows nothing of any environment: it maps observations (arrays, or dicts of arrays
that may carry a boolean ``mask`` of valid actions) to Q-values through any Keras model, and
learns from :class:`~livedqn_edu.replay.Batch` objects. For speed, several gradient steps run
inside one compiled ``tf.function`` call, and acting on one observation uses a numpy copy of a
Dense-only network (see :func:`~livedqn_edu.networks.numpy_forward`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from livedqn_edu import manifest
from livedqn_edu.networks import numpy_forward
from livedqn_edu.replay import Batch, Observation
from livedqn_edu.runtime import import_tensorflow

tf = import_tensorflow()
import keras  # noqa: E402  (after import_tensorflow, which sets threads and log level)

__all__ = [
    "DQNConfig",
    "DQNAgent",
    "td_targets",
    "double_dqn_targets",
    "linear_epsilon",
    "sync_ceiling",
]


@dataclass(frozen=True)
class DQNConfig:
    """Hyperparameters of :class:`DQNAgent` and of the training loop (defaults: CartPole-v1).

    The defaults are RL-Zoo's tuned CartPole DQN settings (learning rate, batch, train_freq 256
    with 128 gradient steps, target synced once per learning call, exploration over 8,000 steps
    to 0.04), checked on seeds 0-19 rather than tuned to a few; the CartPole network is smaller
    than the Zoo's (see ``training.CARTPOLE_HIDDEN``).
    """

    gamma: float = 0.99
    """discount factor per env step (per discount period if batches carry ``elapsed``), in [0, 1]"""
    learning_rate: float = 2.3e-3
    """Adam step size"""
    batch_size: int = 64
    """transitions per gradient step"""
    buffer_size: int = 100_000
    """replay buffer capacity, in transitions"""
    learning_starts: int = 1_000
    """env steps of pure collection before the first gradient step"""
    train_freq: int = 256
    """env steps between two learning calls"""
    gradient_steps: int = 128
    """gradient steps per learning call (fused in one compiled call)"""
    target_update_interval: int = 128
    """target network sync period, in gradient steps"""
    tau: float = 1.0
    """target sync weight: 1.0 copies the weights (hard), < 1 moves them part-way (soft)"""
    epsilon_start: float = 1.0
    """exploration rate at env step 0"""
    epsilon_end: float = 0.04
    """exploration rate after the decay"""
    exploration_steps: int = 8_000
    """env steps over which epsilon decays linearly from start to end"""
    huber_delta: float | None = 1.0
    """TD error beyond which the Huber loss turns linear; None for the squared error (MSE)"""
    max_grad_norm: float | None = 10.0
    """clip the global gradient norm to this value; None for no clipping"""
    double_dqn: bool = False
    """pick the next action with the online network, evaluate it with the target network"""
    use_tf_function: bool = True
    """compile the learning step with tf.function; False runs it eagerly for debugging"""

    def __post_init__(self) -> None:
        def bad(name: str, allowed: str) -> ValueError:
            return ValueError(f"DQNConfig.{name} must be {allowed}, got {getattr(self, name)!r}")

        if not 0.0 <= self.gamma <= 1.0:
            raise bad("gamma", "in [0, 1] (e.g. 0.99)")
        if not self.learning_rate > 0:
            raise bad("learning_rate", "> 0 (e.g. 1e-3)")
        for name in ("batch_size", "buffer_size", "train_freq", "gradient_steps"):
            if isinstance(getattr(self, name), bool) or not getattr(self, name) >= 1:
                raise bad(name, "an int >= 1")
        if self.target_update_interval < 1:
            raise bad("target_update_interval", "an int >= 1 (gradient steps)")
        if not 0.0 < self.tau <= 1.0:
            raise bad("tau", "in (0, 1] (1.0: hard copy)")
        for name in ("epsilon_start", "epsilon_end"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise bad(name, "in [0, 1]")
        if self.learning_starts < 0 or self.exploration_steps < 0:
            raise ValueError("DQNConfig.learning_starts and exploration_steps must be >= 0")
        if self.huber_delta is not None and not self.huber_delta > 0:
            raise bad("huber_delta", "> 0 or None (MSE)")
        if self.max_grad_norm is not None and not self.max_grad_norm > 0:
            raise bad("max_grad_norm", "> 0 or None (no clipping)")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> DQNConfig:
        """Build a config from a dict (e.g. read from JSON); unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown DQNConfig fields {unknown}; known fields: {sorted(known)}")
        return cls(**values)


def _masked(q: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    return q if mask is None else np.where(np.asarray(mask, dtype=bool), q, -np.inf)


def td_targets(
    rewards: np.ndarray,
    next_q: np.ndarray,
    terminated: np.ndarray,
    gamma: float,
    next_mask: np.ndarray | None = None,
) -> np.ndarray:
    """DQN targets ``y = r + gamma * (1 - terminated) * max_a' next_q[a']``.

    Args:
        rewards: ``(B,)`` rewards.
        next_q: ``(B, n_actions)`` Q-values of the next states (from the target network).
        terminated: ``(B,)`` 1/True where the episode really ended (no bootstrap). A truncated
            transition (time limit) is *not* terminated: it still bootstraps.
        gamma: discount factor in [0, 1].
        next_mask: optional ``(B, n_actions)`` bool, the actions valid in the next states; the
            max runs over valid actions only (a row with none bootstraps 0).

    Returns:
        ``(B,)`` float32 targets.
    """
    best = _masked(np.asarray(next_q, dtype=np.float64), next_mask).max(axis=-1)
    best = np.where(np.isfinite(best), best, 0.0)
    done = np.asarray(terminated, dtype=np.float64)
    return (np.asarray(rewards, dtype=np.float64) + gamma * (1.0 - done) * best).astype(np.float32)


def double_dqn_targets(
    rewards: np.ndarray,
    next_q_online: np.ndarray,
    next_q_target: np.ndarray,
    terminated: np.ndarray,
    gamma: float,
    next_mask: np.ndarray | None = None,
) -> np.ndarray:
    """Double DQN targets ``y = r + gamma * (1 - terminated) * next_q_target[a*]``.

    Here ``a* = argmax_a' next_q_online[a']``: the online network selects, the target values.

    Args:
        rewards: ``(B,)`` rewards.
        next_q_online: ``(B, n_actions)`` next-state Q-values of the online network (selects a').
        next_q_target: ``(B, n_actions)`` next-state Q-values of the target network (values a').
        terminated: ``(B,)`` 1/True where the episode really ended.
        gamma: discount factor in [0, 1].
        next_mask: optional ``(B, n_actions)`` bool of valid next actions.

    Returns:
        ``(B,)`` float32 targets.
    """
    online = _masked(np.asarray(next_q_online, dtype=np.float64), next_mask)
    best_action = online.argmax(axis=-1)
    value = np.take_along_axis(np.asarray(next_q_target, dtype=np.float64), best_action[:, None], 1)
    value = np.where(np.isfinite(online.max(axis=-1)), value[:, 0], 0.0)
    done = np.asarray(terminated, dtype=np.float64)
    return (np.asarray(rewards, dtype=np.float64) + gamma * (1.0 - done) * value).astype(np.float32)


def linear_epsilon(step: int, start: float, end: float, duration: int) -> float:
    """Exploration rate decaying linearly from ``start`` (step 0) to ``end`` (step ``duration``).

    Example:
        >>> linear_epsilon(500, start=1.0, end=0.1, duration=1_000)  # 1 - 0.9 * 0.5
        0.55
    """
    if duration <= 0:
        return float(end)
    frac = min(max(step, 0) / duration, 1.0)
    return float(start + frac * (end - start))


def sync_ceiling(syncs: int | np.ndarray, gamma: float, r_max: float = 1.0) -> float | np.ndarray:
    """The approximate ceiling on Q with ``syncs`` target syncs done, starting from Q = 0.

    Between two syncs the target network is frozen, so the regression targets are at most
    ``r_max + gamma * M`` when the target network's values are at most ``M``. If every
    regression phase fitted its targets exactly, the first phase (no sync yet, targets
    ``r + gamma * 0``) would bring Q to ``r_max``, and each sync would add one more discounted
    reward: with ``k`` syncs done, ``Q ~ r_max * (1 + gamma + ... + gamma**k)``, towards
    ``r_max / (1 - gamma)``. It is a ceiling of that idealisation, not a hard bound: a network
    does not fit exactly, fitting some states moves their neighbours (generalisation), and the
    max in the target picks whichever values came out too high, so Q can pass it (a little when
    learning is stable, without limit when it diverges).

    Args:
        syncs: number of syncs done (an int or an array of ints >= 0).
        gamma: discount factor in [0, 1].
        r_max: the largest reward per step.

    Example:
        >>> round(sync_ceiling(5, 0.99), 3)  # 1 + 0.99 + ... + 0.99**5
        5.852
    """
    k = np.asarray(syncs, dtype=np.float64) + 1.0  # terms gamma**0 ... gamma**syncs
    ceiling = r_max * k if gamma == 1.0 else r_max * (1.0 - gamma**k) / (1.0 - gamma)
    return float(ceiling) if np.ndim(ceiling) == 0 else ceiling


def _as_tensor(x: Any) -> Any:
    """A tensor of ``x``: booleans stay boolean, every other number becomes float32."""
    x = np.asarray(x)
    return tf.convert_to_tensor(x if x.dtype == bool else x.astype(np.float32, copy=False))


def _take(structure: Any, i: Any) -> Any:
    """Element ``i`` along the first axis of every array in a nested structure."""
    return tf.nest.map_structure(lambda x: x[i], structure)


class DQNAgent:
    """A DQN agent: epsilon-greedy acting, batched learning with a target network, checkpoints.

    Args:
        network: a Keras model mapping an observation batch (array ``(B, *obs_shape)`` or dict of
            arrays) to Q-values ``(B, n_actions)``. A dict observation may carry a boolean
            ``"mask"`` ``(n_actions,)``: masked actions are never chosen and never bootstrapped.
        config: hyperparameters (:class:`DQNConfig`).
        seed: seed of the agent's own random generator (exploration).

    Example:
        >>> agent = DQNAgent(mlp_q_network(4, 2), DQNConfig(), seed=0)
        >>> agent.act(np.zeros(4, np.float32), epsilon=0.0) in (0, 1)
        True
    """

    def __init__(self, network: keras.Model, config: DQNConfig | None = None, seed: int = 0):
        if not isinstance(network, keras.Model):
            raise TypeError(f"network must be a keras.Model, got {type(network).__name__}")
        self.config = config if config is not None else DQNConfig()
        if not isinstance(self.config, DQNConfig):
            raise TypeError(f"config must be a DQNConfig, got {type(self.config).__name__}")
        self.network = network
        self.seed = int(seed)
        self.rng = np.random.default_rng(seed)
        self.n_actions = int(network.output_shape[-1])
        spec = network.input
        self._input_keys = list(spec) if isinstance(spec, dict) else None
        self._input_shapes = (
            {k: tuple(v.shape[1:]) for k, v in spec.items()}
            if isinstance(spec, dict)
            else {None: tuple(spec.shape[1:])}
        )
        self.target_network = keras.models.clone_model(network)
        self.target_network.set_weights(network.get_weights())
        self.optimizer = keras.optimizers.Adam(learning_rate=self.config.learning_rate)
        self.optimizer.build(network.trainable_variables)
        self._steps_var = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.gradient_steps_done = 0
        """gradient steps taken so far"""
        self._np_forward = numpy_forward(network)
        self._q_fn = tf.function(
            lambda obs: self.network(obs, training=False), reduce_retracing=True
        )
        run = self._learn_steps
        self._learn_fn = (
            tf.function(run, reduce_retracing=True) if self.config.use_tf_function else run
        )

    # ----------------------------------------------------------------- observations
    def _net_input(self, obs: Any) -> Any:
        return {k: obs[k] for k in self._input_keys} if self._input_keys else obs

    def check_observation(self, obs: Observation, lead: int = 1) -> None:
        """Raise a clear ValueError if ``obs`` (with ``lead`` leading batch dims) does not fit."""
        if self._input_keys is None:
            if isinstance(obs, Mapping):
                raise ValueError(
                    f"this network takes an array observation, got a dict {sorted(obs)}"
                )
            items = [(None, obs)]
        else:
            if not isinstance(obs, Mapping) or not set(self._input_keys) <= set(obs):
                got = sorted(obs) if isinstance(obs, Mapping) else type(obs).__name__
                raise ValueError(
                    f"observation must be a dict with keys {self._input_keys}, got {got}"
                )
            items = [(k, obs[k]) for k in self._input_keys]
        for key, value in items:
            want, shape = self._input_shapes[key], np.shape(value)[lead:]
            if len(shape) != len(want) or any(
                w is not None and w != s for w, s in zip(want, shape, strict=True)
            ):
                where = "observation" if key is None else f"observation[{key!r}]"
                raise ValueError(
                    f"{where} has shape {shape} (after the batch dims), but the network expects "
                    f"{want}; build the network for this environment's observation space"
                )

    def q_values(self, obs: Observation) -> np.ndarray:
        """Q-values of a batch of observations, ``(B, *obs_shape) -> (B, n_actions)`` float32."""
        self.check_observation(obs, lead=1)
        return self._forward(obs)

    def _forward(self, obs: Observation) -> np.ndarray:
        """Q-values of a checked batch: numpy for a Dense-only network, else one compiled call."""
        if self._np_forward is not None and self._input_keys is None:
            return self._np_forward(obs)
        batch = tf.nest.map_structure(_as_tensor, self._net_input(obs))
        return np.asarray(self._q_fn(batch))

    # ----------------------------------------------------------------------- acting
    def act(self, obs: Observation, epsilon: float = 0.0) -> int:
        """Epsilon-greedy action for ONE observation (no batch dim), never a masked one.

        Args:
            obs: one observation, shape ``obs_shape`` (or a dict, maybe with a bool ``mask``).
            epsilon: probability of a uniformly random valid action; 0.0 is greedy.

        Returns:
            The action, a Python int in ``[0, n_actions)``.
        """
        mask = (
            np.asarray(obs["mask"], dtype=bool)
            if isinstance(obs, Mapping) and "mask" in obs
            else None
        )
        if mask is not None and not mask.any():
            raise ValueError("the observation's mask allows no action: at least one must be True")
        if isinstance(obs, Mapping):
            batch = {k: np.asarray(v)[None] for k, v in obs.items()}
        else:
            batch = np.asarray(obs, dtype=np.float32)[None]
        self.check_observation(batch, lead=1)
        if epsilon > 0.0 and self.rng.random() < epsilon:
            if mask is None:
                return int(self.rng.integers(self.n_actions))
            return int(self.rng.choice(np.flatnonzero(mask)))
        q = self._forward(batch)[0]
        return int(np.argmax(q if mask is None else _masked(q, mask)))

    # --------------------------------------------------------------------- learning
    def _bootstrap(self, next_obs: Any) -> Any:
        """max_a' Q_target(s', a') over valid actions (Double DQN: evaluated at online argmax)."""
        inputs = self._net_input(next_obs)
        next_q = self.target_network(inputs, training=False)
        mask = next_obs.get("mask") if isinstance(next_obs, dict) else None
        select = self.network(inputs, training=False) if self.config.double_dqn else next_q
        if mask is not None:
            select = tf.where(tf.cast(mask, tf.bool), select, -np.inf)
        if not self.config.double_dqn:
            best = tf.reduce_max(select, axis=-1)
        else:
            best = tf.gather(next_q, tf.argmax(select, axis=-1), batch_dims=1)
            best = tf.where(tf.math.is_finite(tf.reduce_max(select, axis=-1)), best, 0.0)
        return tf.where(tf.math.is_finite(best), best, 0.0)

    def _gradient_step(
        self, obs: Any, actions: Any, rewards: Any, next_obs: Any, done: Any, discount: Any
    ):
        cfg = self.config
        targets = tf.stop_gradient(rewards + discount * (1.0 - done) * self._bootstrap(next_obs))
        variables = self.network.trainable_variables
        with tf.GradientTape() as tape:
            q = self.network(self._net_input(obs), training=True)
            q_taken = tf.gather(q, actions, batch_dims=1)
            err = targets - q_taken
            if cfg.huber_delta is None:
                loss = tf.reduce_mean(0.5 * tf.square(err))
            else:
                abs_err = tf.abs(err)
                quad = tf.minimum(abs_err, cfg.huber_delta)
                loss = tf.reduce_mean(0.5 * tf.square(quad) + cfg.huber_delta * (abs_err - quad))
        grads = tape.gradient(loss, variables)
        if cfg.max_grad_norm is not None:
            grads, norm = tf.clip_by_global_norm(grads, cfg.max_grad_norm)
        else:
            norm = tf.linalg.global_norm(grads)
        self.optimizer.apply_gradients(zip(grads, variables, strict=True))
        self._steps_var.assign_add(1)
        sync = tf.equal(self._steps_var % cfg.target_update_interval, 0)
        for t, o in zip(self.target_network.weights, self.network.weights, strict=True):
            new = o.value if cfg.tau == 1.0 else t.value + cfg.tau * (o.value - t.value)
            t.assign(tf.where(sync, new, t.value))
        return loss, tf.reduce_mean(q_taken), norm, tf.reduce_max(q)

    def _learn_steps(
        self, obs: Any, actions: Any, rewards: Any, next_obs: Any, done: Any, discount: Any
    ):
        n = tf.shape(rewards)[0]
        out = [tf.TensorArray(tf.float32, size=n) for _ in range(4)]
        for i in tf.range(n):
            stats = self._gradient_step(
                _take(obs, i), actions[i], rewards[i], _take(next_obs, i), done[i], discount[i]
            )
            out = [ta.write(i, s) for ta, s in zip(out, stats, strict=True)]
        loss, q_mean, norm, q_max = (ta.stack() for ta in out)
        return (tf.reduce_mean(loss), tf.reduce_mean(q_mean), tf.reduce_mean(norm),
                tf.reduce_max(q_max))  # fmt: skip

    def learn(self, batch: Batch) -> dict[str, float]:
        """Take gradient steps on a batch: ``(B,)`` fields for one step, ``(G, B)`` for G steps.

        All G steps run inside one compiled call (unless ``config.use_tf_function`` is False);
        the target network is synced every ``config.target_update_interval`` gradient steps.

        Returns:
            ``{"td_loss", "q_values", "grad_norm", "q_max"}``: means over the steps of the loss,
            of ``Q(s, a)`` for the sampled actions (watch it for over-estimation) and of the
            gradient norm before clipping; and the largest Q-value of any action on any
            sampled state (compare it with :func:`sync_ceiling`, see lesson 02).

        Raises:
            FloatingPointError: if the loss became NaN or infinite.
        """
        rewards = np.asarray(batch.rewards, dtype=np.float32)
        lead = 2 if rewards.ndim == 2 else 1
        self.check_observation(batch.observations, lead)
        if not np.all(np.isfinite(rewards)):
            raise ValueError(
                "the batch holds NaN or infinite rewards: check the environment's reward"
            )

        def prep(x: Any, dtype: Any = None) -> Any:
            x = np.asarray(x)
            x = x.astype(dtype or (bool if x.dtype == bool else np.float32), copy=False)
            return tf.convert_to_tensor(x if lead == 2 else x[None])

        obs = tf.nest.map_structure(prep, batch.observations)
        next_obs = tf.nest.map_structure(prep, batch.next_observations)
        actions = prep(batch.actions, np.int64)
        if batch.elapsed is None:  # one step per transition: the usual per-step discount
            discount = np.full(rewards.shape, self.config.gamma, dtype=np.float32)
        else:  # a semi-MDP: each transition is discounted by its duration
            elapsed = np.asarray(batch.elapsed, np.float32)
            if elapsed.shape != rewards.shape or not np.all(np.isfinite(elapsed) & (elapsed >= 0)):
                raise ValueError(
                    f"batch.elapsed must hold one finite duration >= 0 per transition (shape "
                    f"{rewards.shape}), got shape {elapsed.shape}; leave it None for one step each"
                )
            discount = np.float32(self.config.gamma) ** elapsed
        loss, q_mean, norm, q_max = self._learn_fn(
            obs,
            actions,
            prep(rewards),
            next_obs,
            prep(batch.terminated, np.float32),
            prep(discount),
        )
        self.gradient_steps_done += int(rewards.shape[0]) if lead == 2 else 1
        stats = {
            "td_loss": float(loss),
            "q_values": float(q_mean),
            "grad_norm": float(norm),
            "q_max": float(q_max),
        }
        if not np.isfinite(stats["td_loss"]) or not np.isfinite(stats["q_values"]):
            raise FloatingPointError(
                f"the TD loss became {stats['td_loss']} (mean Q {stats['q_values']}) after "
                f"{self.gradient_steps_done} gradient steps: training diverged. Likely causes: a "
                f"learning rate too high (now {self.config.learning_rate}), rewards on a large "
                "scale (rescale them to about [-1, 1]), or no gradient clipping (max_grad_norm)."
            )
        self.refresh()
        return stats

    def refresh(self) -> None:
        """Re-read the network's weights into the numpy copy used for acting.

        :meth:`learn` and :meth:`load` do it; call it yourself after changing the network's
        weights any other way (e.g. ``agent.network.set_weights(...)``).
        """
        if self._np_forward is not None:
            self._np_forward = numpy_forward(self.network, check=False)

    def sync_target(self) -> None:
        """Copy the online weights into the target network now (hard sync)."""
        self.target_network.set_weights(self.network.get_weights())

    # -------------------------------------------------------------------- checkpoints
    def save(self, path: str | Path, **metadata: Any) -> Path:
        """Write the network (Keras ``.keras`` file) and a ``.json`` beside it (config, seed...).

        Each file is written to a temporary name and then renamed, so a crash never leaves a
        half-written checkpoint. ``metadata`` (e.g. ``score=500.0``) is stored in the JSON.

        Returns:
            The path of the ``.keras`` file.
        """
        path = Path(path)
        if path.suffix != ".keras":
            raise ValueError(f"checkpoint path must end with .keras, got {str(path)!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.tmp.keras")
        self.network.save(tmp)
        os.replace(tmp, path)
        meta = {
            "config": asdict(self.config),
            "seed": self.seed,
            "gradient_steps": self.gradient_steps_done,
            **metadata,
        }
        json_path = path.with_suffix(".json")
        tmp_json = json_path.with_name(f".{json_path.name}.tmp")
        tmp_json.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp_json, json_path)
        return path

    @classmethod
    def load(cls, path: str | Path, seed: int | None = None, verify: bool = True) -> DQNAgent:
        """Rebuild an agent from :meth:`save`'s files; its ``metadata`` attribute holds the JSON.

        A checkpoint inside the course's ``data/`` folder is a shipped file: both of its files
        must match their SHA-256 in ``data/MANIFEST.json``, or loading stops with a
        :class:`~livedqn_edu.manifest.ChecksumError` (a changed weight inside a valid ``.keras``
        file would otherwise load silently). Files outside ``data/`` are not checked.

        Args:
            path: the ``.keras`` file (its ``.json`` must sit beside it).
            seed: seed of the new agent's random generator (default: the saved one).
            verify: check files inside ``data/`` against the manifest; pass False to load your
                own retrained file saved there.

        Raises:
            FileNotFoundError: if either file is missing.
            ChecksumError: (a ValueError) if a file in ``data/`` does not match the manifest.
            ValueError: if a file is corrupt or not a checkpoint.
        """
        path = Path(path)
        json_path = path.with_suffix(".json")
        for p in (path, json_path):
            if not p.is_file():
                raise FileNotFoundError(
                    f"no checkpoint file at {p}: save one with agent.save({str(path)!r}), or "
                    "rebuild the shipped CartPole one with `livedqn-edu train cartpole --force`"
                )
        if verify:
            for p in (path, json_path):
                manifest.verify_file(p)
        try:
            meta = json.loads(json_path.read_text(encoding="utf-8"))
            config = DQNConfig.from_dict(meta["config"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{json_path} is not a valid checkpoint description ({exc})") from None
        try:
            network = keras.models.load_model(path, compile=False)
        except Exception as exc:  # noqa: BLE001  (Keras raises many types for a bad file)
            raise ValueError(
                f"{path} is not a readable Keras checkpoint ({type(exc).__name__}); it may be "
                "truncated or corrupt: restore it (git checkout) or save it again"
            ) from None
        agent = cls(network, config, seed=meta.get("seed", 0) if seed is None else seed)
        agent.gradient_steps_done = int(meta.get("gradient_steps", 0))
        agent.metadata = meta
        return agent
