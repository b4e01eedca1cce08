"""Learning a recommender from the logs alone: fitted Q iteration on the live-room weeks.

Fitted Q iteration (Ernst, Geurts & Wehenkel 2005) learns ``Q(s, a) = theta . phi(s, a)`` from the
logged weeks (:func:`~livedqn_edu.recsys.sequential_ope.episodes`, features
:func:`~livedqn_edu.recsys.sequential_ope.slate_features`) by repeated ridge regressions onto
``r + gamma (1 - terminal) max_a' Q(s', a')``; no new interaction with viewers. Its conservative
variant takes that max (and acts) only over the slots the logging policy favours (a discrete
batch-constrained rule, Fujimoto et al. 2019): slots the logs rarely tried get no credit from
extrapolation. :class:`LinearQPolicy` deploys the result like any recommender.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from livedqn_edu.recsys.fitted_q import LinearQ, behaviour_support, ridge_iterate
from livedqn_edu.recsys.policies import Policy
from livedqn_edu.recsys.sequential_ope import Episodes, chosen_features, slate_features

__all__ = ["fqi", "LinearQPolicy"]


def fqi(
    ep: Episodes,
    features: np.ndarray,
    gamma: float = 0.9,
    lam: float = 1.0,
    threshold: float = 0.0,
    n_iterations: int = 300,
    tol: float = 1e-6,
) -> LinearQ:
    """Fitted Q iteration on the logged weeks (its conservative variant with ``threshold > 0``).

    The target ``r + gamma (1 - terminal) max_a' Q(s', a')`` takes the max over the next
    state's valid slots, or, with ``threshold > 0``, over the slots the logging policy shows
    with at least ``threshold`` x the probability of its favourite
    (:func:`~livedqn_edu.recsys.fitted_q.behaviour_support`): no credit for slots the logs
    rarely tried. Deploy the result with :class:`LinearQPolicy` and the same support.
    """
    logs = ep.logs
    mask = logs.obs["mask"]
    allowed = behaviour_support(logs.propensities, mask, threshold) if threshold > 0 else mask
    allowed_next = allowed[ep.next_row]

    def best(theta: np.ndarray) -> np.ndarray:
        q = np.where(allowed_next, (features @ theta)[ep.next_row], -np.inf).max(axis=1)
        return np.where(np.isfinite(q), q, 0.0)

    x = chosen_features(features, logs.actions)
    return ridge_iterate(x, logs.rewards, gamma * ~ep.last, best, lam, n_iterations, tol)


class LinearQPolicy(Policy):
    """Greedy over a linear Q-function of :func:`slate_features` (within a support if given).

    Args:
        q: the fitted Q-function (:func:`fqi`).
        support: ``obs -> (N, K)`` bool slots allowed (e.g.
            :class:`~livedqn_edu.recsys.targets.LoggerSupport`), or None.
        summaries: the features were built with slate summaries.
        name: name in tables.
    """

    def __init__(self, q: LinearQ, support: Callable[[dict], np.ndarray] | None = None,
                 summaries: bool = True, name: str = "fqi") -> None:  # fmt: skip
        self.q, self.support, self.summaries, self.name = q, support, summaries, name

    def scores(self, obs: dict[str, np.ndarray]) -> np.ndarray:  # noqa: D102
        mask = np.asarray(obs["mask"], bool)
        if self.support is not None:
            mask = mask & self.support(obs)
        return self.q.q_values(slate_features(obs, self.spec, self.summaries), mask)
