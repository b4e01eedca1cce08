"""A diversity re-ranker in the spirit of maximal marginal relevance (MMR).

Carbonell & Goldstein (SIGIR 1998) rank by ``lam * relevance - (1 - lam) * max similarity to
what was already selected``. A live-room recommender shows one room per step, so "already
selected" is the viewer's recent history: the score of slot ``k`` is::

    lam * relevance[k] - (1 - lam) * max_h similarity(candidate k, recent room h)

``lam = 1`` is the relevance ranking itself; lower ``lam`` trades relevance for variety (a cure
for category fatigue). Relevance and similarity should be on comparable scales:
:func:`rescale_rows` maps each row's valid relevance to [0, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from livedqn_edu.recsys.policies import masked_argmax

__all__ = [
    "category_similarity",
    "cosine_similarity",
    "rescale_rows",
    "mmr_scores",
    "mmr_select",
]


def category_similarity(candidate_categories: Any, history_categories: Any) -> np.ndarray:
    """1 where a candidate shares the category of a recent room, else 0, ``(N, K, H)`` float64.

    Args:
        candidate_categories: ``(N, K)`` int category of each candidate.
        history_categories: ``(N, H)`` int category of each recent room (``-1``: no room; such
            entries are 0 here, pass ``history_mask = history >= 0`` to :func:`mmr_scores`).
    """
    c, h = np.asarray(candidate_categories), np.asarray(history_categories)
    if c.ndim != 2 or h.ndim != 2 or c.shape[0] != h.shape[0]:
        raise ValueError(f"categories must be (N, K) and (N, H), got {c.shape} and {h.shape}")
    return ((c[:, :, None] == h[:, None, :]) & (h[:, None, :] >= 0)).astype(np.float64)


def cosine_similarity(candidate_vectors: Any, history_vectors: Any) -> np.ndarray:
    """Cosine similarity of each candidate to each recent room, ``(N, K, H)`` (0 for zeros).

    Args:
        candidate_vectors: ``(N, K, D)`` content (or category one-hot) vectors.
        history_vectors: ``(N, H, D)`` vectors of the recent rooms.
    """
    c = np.asarray(candidate_vectors, np.float64)
    h = np.asarray(history_vectors, np.float64)
    if c.ndim != 3 or h.ndim != 3 or c.shape[0] != h.shape[0] or c.shape[2] != h.shape[2]:
        raise ValueError(f"vectors must be (N, K, D) and (N, H, D), got {c.shape} and {h.shape}")
    cn, hn = np.linalg.norm(c, axis=2, keepdims=True), np.linalg.norm(h, axis=2, keepdims=True)
    c, h = c / np.where(cn > 0, cn, 1.0), h / np.where(hn > 0, hn, 1.0)
    return np.einsum("nkd,nhd->nkh", c, h)


def rescale_rows(scores: Any, mask: Any) -> np.ndarray:
    """Each row's valid scores mapped to [0, 1] (min -> 0, max -> 1; all equal -> 1), -inf else."""
    s, m = np.asarray(scores, np.float64), np.asarray(mask, bool)
    lo = np.where(m, s, np.inf).min(axis=1, keepdims=True)
    hi = np.where(m, s, -np.inf).max(axis=1, keepdims=True)
    span = np.where(np.isfinite(hi - lo) & (hi > lo), hi - lo, 1.0)
    out = np.where(hi > lo, (s - lo) / span, 1.0)
    return np.where(m, out, -np.inf)


def mmr_scores(
    relevance: Any, similarity: Any, mask: Any, lam: float, history_mask: Any = None
) -> np.ndarray:
    """``lam * relevance - (1 - lam) * max_h similarity``, ``(N, K)``, ``-inf`` in masked slots.

    Args:
        relevance: ``(N, K)`` relevance scores (higher is better; anything in masked slots).
        similarity: ``(N, K, H)`` similarity of each candidate to each recent room.
        mask: ``(N, K)`` bool, the live candidates.
        lam: weight of relevance in [0, 1]; 1 ignores diversity.
        history_mask: ``(N, H)`` bool, the recent-history entries that hold a room (default: all).
            A viewer with no history pays no penalty.

    Raises:
        ValueError: shapes that do not match, ``lam`` outside [0, 1], non-finite valid entries.
    """
    rel, sim = np.asarray(relevance, np.float64), np.asarray(similarity, np.float64)
    m = np.asarray(mask, bool)
    if rel.ndim != 2 or m.shape != rel.shape or sim.ndim != 3 or sim.shape[:2] != rel.shape:
        raise ValueError(
            f"relevance and mask must be (N, K) and similarity (N, K, H); got {rel.shape}, "
            f"{m.shape} and {sim.shape}"
        )
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"lam must be in [0, 1] (1 = relevance only), got {lam!r}")
    hm = np.ones((sim.shape[0], sim.shape[2]), bool) if history_mask is None else history_mask
    hm = np.asarray(hm, bool)
    if hm.shape != (sim.shape[0], sim.shape[2]):
        raise ValueError(f"history_mask must be {(sim.shape[0], sim.shape[2])}, got {hm.shape}")
    if not (np.isfinite(rel[m]).all() and np.isfinite(sim[m[:, :, None] & hm[:, None, :]]).all()):
        raise ValueError("relevance and similarity must be finite on live slots and rooms")
    closest = np.where(hm[:, None, :], sim, -np.inf).max(axis=2, initial=-np.inf)
    penalty = np.where(np.isfinite(closest), closest, 0.0)  # no history: no penalty
    return np.where(m, lam * rel - (1.0 - lam) * penalty, -np.inf)


def mmr_select(
    relevance: Any, similarity: Any, mask: Any, lam: float, history_mask: Any = None
) -> np.ndarray:
    """The slot with the best :func:`mmr_scores` per viewer, ``(N,)`` int64 (never masked)."""
    scores = mmr_scores(relevance, similarity, mask, lam, history_mask)
    return masked_argmax(scores, np.asarray(mask, bool))
