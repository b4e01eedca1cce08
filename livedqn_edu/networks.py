"""Keras Q-networks, and a numpy forward pass for acting fast.

A Q-network maps an observation to one Q-value per action: ``(batch, *obs_shape) -> (batch,
n_actions)``. :func:`mlp_q_network` builds the flat MLP used on CartPole, optionally with a
dueling head (Wang et al., 2016): ``Q(s, a) = V(s) + A(s, a) - mean_a A(s, a)``.

Acting on one observation at a time through TensorFlow costs ~0.6 ms per call (graph dispatch),
while the same small MLP in numpy costs ~20 us. :func:`numpy_forward` turns a Dense-only network
into a numpy function over its current weights; the agent refreshes it after each learning call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from livedqn_edu.runtime import import_tensorflow

import_tensorflow()
import keras  # noqa: E402  (after import_tensorflow, which sets threads and log level)

__all__ = [
    "mlp_q_network",
    "DuelingCombine",
    "numpy_forward",
    "candidate_scorer",
    "MaskedScores",
    "MaskedDuelingCombine",
]


@keras.saving.register_keras_serializable(package="livedqn_edu")
class DuelingCombine(keras.layers.Layer):
    """Combine a value ``(batch, 1)`` and advantages ``(batch, n)`` into ``V + A - mean(A)``."""

    def call(self, inputs: list) -> object:  # noqa: D102
        value, advantage = inputs
        return value + advantage - keras.ops.mean(advantage, axis=-1, keepdims=True)


def _check_positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def mlp_q_network(
    obs_dim: int,
    n_actions: int,
    hidden: Sequence[int] = (64, 64),
    dueling: bool = False,
    seed: int = 0,
) -> keras.Model:
    """A fully connected Q-network: ReLU hidden layers, then a linear (or dueling) head.

    Args:
        obs_dim: length of the flat observation (CartPole: 4).
        n_actions: number of discrete actions (CartPole: 2).
        hidden: units of each hidden layer, e.g. ``(64, 64)``.
        dueling: if True, split the head into a value stream ``V(s)`` and an advantage stream
            ``A(s, a)`` combined as ``V + A - mean(A)``.
        seed: seed of the weight initialisers (same seed, same initial weights).

    Returns:
        A functional ``keras.Model`` mapping ``(batch, obs_dim)`` float32 to ``(batch,
        n_actions)`` float32 Q-values. Layers are named ``hidden_0, hidden_1, ...`` and
        ``q_values`` (or ``value``/``advantage`` for the dueling head).
    """
    obs_dim = _check_positive_int("obs_dim", obs_dim)
    n_actions = _check_positive_int("n_actions", n_actions)
    hidden = tuple(_check_positive_int("hidden units", h) for h in hidden)

    def init(i: int) -> keras.initializers.Initializer:
        return keras.initializers.GlorotUniform(seed=seed * 1_000 + i)

    inputs = keras.Input(shape=(obs_dim,), name="observation")
    x = inputs
    for i, units in enumerate(hidden):
        x = keras.layers.Dense(units, "relu", kernel_initializer=init(i), name=f"hidden_{i}")(x)
    if dueling:
        k = len(hidden)
        value = keras.layers.Dense(1, kernel_initializer=init(k), name="value")(x)
        adv = keras.layers.Dense(n_actions, kernel_initializer=init(k + 1), name="advantage")(x)
        q = DuelingCombine(name="q_values")([value, adv])
    else:
        q = keras.layers.Dense(n_actions, kernel_initializer=init(len(hidden)), name="q_values")(x)
    name = "dueling_mlp_q_network" if dueling else "mlp_q_network"
    return keras.Model(inputs, q, name=name)


_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
    "tanh": np.tanh,
}


def _dense_params(layer: keras.layers.Layer) -> tuple[np.ndarray, np.ndarray, Callable] | None:
    if not isinstance(layer, keras.layers.Dense) or not layer.use_bias:
        return None
    act = _ACTIVATIONS.get(getattr(layer.activation, "__name__", ""))
    if act is None:
        return None
    return np.asarray(layer.kernel.numpy()), np.asarray(layer.bias.numpy()), act


def _build(model: keras.Model) -> Callable[[np.ndarray], np.ndarray] | None:
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    names = {layer.name for layer in layers}
    if isinstance(model.input, dict) or isinstance(model.input, (list, tuple)):
        return None
    if {"value", "advantage"} <= names:  # the dueling head of mlp_q_network
        body = [_dense_params(layer) for layer in layers if layer.name.startswith("hidden_")]
        value = _dense_params(model.get_layer("value"))
        adv = _dense_params(model.get_layer("advantage"))
        if any(p is None for p in body) or value is None or adv is None:
            return None
        # V + A - mean(A) is linear in the last hidden features: fold it into one Dense layer.
        (wv, bv, _), (wa, ba, _) = value, adv
        w_head = wv + wa - wa.mean(axis=1, keepdims=True)
        b_head = bv + ba - ba.mean()
        params = [*body, (w_head, b_head, _ACTIVATIONS["linear"])]
    else:
        params = [_dense_params(layer) for layer in layers]
        if not params or any(p is None for p in params):
            return None

    def forward(x: np.ndarray) -> np.ndarray:
        h = np.asarray(x, dtype=np.float32)
        for w, b, act in params:
            h = act(h @ w + b)
        return h

    return forward


def numpy_forward(
    model: keras.Model, check: bool = True
) -> Callable[[np.ndarray], np.ndarray] | None:
    """A numpy function computing ``model``'s output from its current weights, if it can.

    Works for chains of Dense layers (ReLU, tanh or linear) such as :func:`mlp_q_network`, with
    or without the dueling head. The weights are copied now: call again after training.
    The result is checked against the model itself on random inputs, so a model it does not
    understand (other layers, branches, dict inputs) gives ``None`` rather than wrong numbers.

    Args:
        model: a Keras model.
        check: compare with the model on random inputs (skip only for a model already checked).

    Returns:
        ``f(x)`` mapping ``(batch, obs_dim)`` float32 to ``(batch, n_actions)`` float32, or
        ``None`` if the model is not a plain Dense chain.
    """
    try:
        forward = _build(model)
    except (AttributeError, ValueError, TypeError):
        return None
    if forward is None or not check:
        return forward
    shape = model.input.shape
    if len(shape) != 2 or shape[1] is None:
        return None
    probe = np.random.default_rng(0).normal(size=(3, shape[1])).astype(np.float32)
    try:
        expected = np.asarray(model(probe, training=False))
        ok = np.allclose(forward(probe), expected, atol=1e-4, rtol=1e-4)
    except (ValueError, TypeError):
        return None
    return forward if ok else None


# --- candidate-scoring network (the live-room recommender; appended by the recommender work) ---
@keras.saving.register_keras_serializable(package="livedqn_edu")
class MaskedScores(keras.layers.Layer):
    """Set the scores of masked (empty) slots to ``-inf``: ``(B, K)`` scores, ``(B, K)`` bool."""

    def call(self, inputs: list) -> object:  # noqa: D102
        scores, mask = inputs
        return keras.ops.where(keras.ops.cast(mask, "bool"), scores, float("-inf"))


@keras.saving.register_keras_serializable(package="livedqn_edu")
class MaskedDuelingCombine(keras.layers.Layer):
    """``V + A - mean(A over valid slots)``: ``(B, 1)`` value, ``(B, K)`` advantages, ``(B, K)``
    bool mask -> ``(B, K)`` Q-values (a row with no valid slot gets ``V + A``)."""

    def call(self, inputs: list) -> object:  # noqa: D102
        value, advantage, mask = inputs
        m = keras.ops.cast(mask, advantage.dtype)
        count = keras.ops.maximum(keras.ops.sum(m, axis=-1, keepdims=True), 1.0)
        mean = keras.ops.sum(advantage * m, axis=-1, keepdims=True) / count
        return value + advantage - mean


def candidate_scorer(
    user_dim: int,
    cand_dim: int,
    n_candidates: int,
    hidden: Sequence[int] = (64, 64),
    seed: int = 0,
    dueling: bool = False,
) -> keras.Model:
    """A Q-network that scores each of K candidate rooms with the same small MLP.

    ``Q(s, a) = f([user, candidates[a]])`` for every slot ``a``: the viewer's context is tiled
    over the K slots and concatenated with each candidate's features, and the same Dense layers
    score every slot. So the network has as many weights for K = 10 as for K = 100, learns from
    every slot what it learns from one, and is permutation-equivariant (shuffle the candidates,
    and the Q-values shuffle the same way). Empty slots (``mask`` False) score ``-inf``, so an
    ``argmax`` never picks them; :class:`~livedqn_edu.dqn.DQNAgent` also masks them out of the
    ``max`` of its targets, and a row with no valid slot bootstraps 0.

    Args:
        user_dim: U, length of the viewer context vector.
        cand_dim: F, features per candidate.
        n_candidates: K, number of slots (the action space size).
        hidden: units of each hidden layer of the per-candidate MLP, e.g. ``(64, 64)``.
        seed: seed of the weight initialisers (same seed, same initial weights).
        dueling: split the score into a value of the viewer's state ``V(user)`` (its own MLP of
            the user features) and per-candidate advantages, ``Q = V + A - mean_valid(A)``
            (Wang et al., 2016): the state's value, which may be far larger than the
            differences between candidates, is then learned once rather than in every slot.
            Still permutation-equivariant.

    Returns:
        A functional ``keras.Model`` taking a dict ``{"user": (B, U) float32, "candidates":
        (B, K, F) float32, "mask": (B, K) bool}`` and returning ``(B, K)`` float32 Q-values,
        ``-inf`` in masked slots.
    """
    user_dim = _check_positive_int("user_dim", user_dim)
    cand_dim = _check_positive_int("cand_dim", cand_dim)
    k = _check_positive_int("n_candidates", n_candidates)
    hidden = tuple(_check_positive_int("hidden units", h) for h in hidden)

    def init(i: int) -> keras.initializers.Initializer:
        return keras.initializers.GlorotUniform(seed=seed * 1_000 + i)

    user = keras.Input(shape=(user_dim,), name="user")
    cands = keras.Input(shape=(k, cand_dim), name="candidates")
    mask = keras.Input(shape=(k,), dtype="bool", name="mask")
    x = keras.layers.Concatenate(axis=-1, name="pair")(
        [keras.layers.RepeatVector(k, name="tile_user")(user), cands]
    )  # (B, K, U + F): one row per (viewer, candidate) pair
    for i, units in enumerate(hidden):
        x = keras.layers.Dense(units, "relu", kernel_initializer=init(i), name=f"hidden_{i}")(x)
    x = keras.layers.Dense(1, kernel_initializer=init(len(hidden)), name="score")(x)
    scores = keras.layers.Reshape((k,), name="scores")(x)
    if dueling:
        v = user
        for i, units in enumerate(hidden):
            v = keras.layers.Dense(units, "relu", kernel_initializer=init(100 + i),
                                   name=f"value_hidden_{i}")(v)  # fmt: skip
        v = keras.layers.Dense(1, kernel_initializer=init(100 + len(hidden)), name="value")(v)
        scores = MaskedDuelingCombine(name="dueling")([v, scores, mask])
    q = MaskedScores(name="q_values")([scores, mask])
    inputs = {"user": user, "candidates": cands, "mask": mask}
    return keras.Model(inputs, q, name="candidate_scorer")
