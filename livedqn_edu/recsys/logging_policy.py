"""The stochastic logging policy behind the shipped logs, with exact propensities.

With probability ``epsilon`` the policy shows a live candidate uniformly at random; otherwise it
follows one of two greedy rules, "most viewers" with probability ``mix`` and "followed first" with
probability ``1 - mix``:

- most viewers (MV): the candidate with the largest current audience;
- followed first (FF): among the candidates the viewer follows, the one with the largest audience;
  with no followed candidate live, the same room as MV.

So the probability of showing slot ``a`` out of ``n`` valid candidates is::

    pi(a) = epsilon / n + (1 - epsilon) * (mix * [a == MV] + (1 - mix) * [a == FF])

which is never 0 for a valid slot (every room has at least ``epsilon / n``), as inverse propensity
scoring needs. Ties break towards the lower slot index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LoggingPolicyConfig", "greedy_slots", "logging_propensities", "sample_slots"]


@dataclass(frozen=True)
class LoggingPolicyConfig:
    """Parameters of the epsilon-mix logging policy."""

    epsilon: float = 0.3
    """probability of a uniformly random live candidate (exploration), in (0, 1]."""
    mix: float = 0.5
    """probability of the most-viewers rule when not exploring (else followed-first), in [0, 1]."""

    def __post_init__(self) -> None:
        if not 0.0 < self.epsilon <= 1.0:
            raise ValueError(
                f"epsilon must be in (0, 1] so every live room has a positive propensity, "
                f"got {self.epsilon!r}"
            )
        if not 0.0 <= self.mix <= 1.0:
            raise ValueError(f"mix must be a probability in [0, 1], got {self.mix!r}")


def _check(audience: np.ndarray, followed: np.ndarray, mask: np.ndarray) -> None:
    if not (audience.shape == followed.shape == mask.shape) or audience.ndim != 2:
        raise ValueError(
            "audience, followed and mask must all have shape (n, K), got "
            f"{audience.shape}, {followed.shape}, {mask.shape}"
        )
    empty = ~mask.any(axis=1)
    if empty.any():
        raise ValueError(
            f"row {int(np.flatnonzero(empty)[0])} has no valid candidate (mask all False): "
            "the logging policy needs at least one live room"
        )


def greedy_slots(
    audience: np.ndarray, followed: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The most-viewers and followed-first choices of every row.

    Args:
        audience: ``(n, K)`` current audience of each candidate (any real dtype).
        followed: ``(n, K)`` bool, True where the viewer follows the candidate.
        mask: ``(n, K)`` bool, True for a valid (filled) slot.

    Returns:
        ``(mv, ff)``, two ``(n,)`` int64 arrays of slot indices.
    """
    audience = np.asarray(audience, dtype=np.float64)
    followed, mask = np.asarray(followed, dtype=bool), np.asarray(mask, dtype=bool)
    _check(audience, followed, mask)
    mv = np.argmax(np.where(mask, audience, -np.inf), axis=1)
    fol = mask & followed
    ff = np.argmax(np.where(fol, audience, -np.inf), axis=1)
    ff = np.where(fol.any(axis=1), ff, mv)
    return mv.astype(np.int64), ff.astype(np.int64)


def logging_propensities(
    audience: np.ndarray,
    followed: np.ndarray,
    mask: np.ndarray,
    config: LoggingPolicyConfig = LoggingPolicyConfig(),
) -> np.ndarray:
    """Exact probability of each slot under the logging policy.

    Args:
        audience: ``(n, K)`` current audience of each candidate.
        followed: ``(n, K)`` bool, True where the viewer follows the candidate.
        mask: ``(n, K)`` bool, True for a valid slot.
        config: epsilon and mix of the policy.

    Returns:
        ``(n, K)`` float64; rows sum to 1, empty slots get 0, valid slots at least ``epsilon / n``.
    """
    mask = np.asarray(mask, dtype=bool)
    mv, ff = greedy_slots(audience, followed, mask)
    n_valid = mask.sum(axis=1, keepdims=True)
    probs = np.where(mask, config.epsilon / np.maximum(n_valid, 1), 0.0)
    rows = np.arange(mask.shape[0])
    greedy = 1.0 - config.epsilon
    probs[rows, mv] += greedy * config.mix
    probs[rows, ff] += greedy * (1.0 - config.mix)
    return probs


def sample_slots(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one slot per row from ``(n, K)`` probabilities (inverse-CDF, one uniform per row).

    Returns:
        ``(n,)`` int64 slot indices; a slot of probability 0 is never drawn.
    """
    probs = np.asarray(probs, dtype=np.float64)
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cdf[:, -1]
    slots = (cdf <= u[:, None]).sum(axis=1)
    # guard against u landing exactly on a zero-width step at the end
    last_valid = probs.shape[1] - 1 - np.argmax(probs[:, ::-1] > 0, axis=1)
    return np.minimum(slots, last_valid).astype(np.int64)
