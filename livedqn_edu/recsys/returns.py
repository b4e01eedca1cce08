"""n-step returns for the live-room recommender, discounted per unit of the viewer's clock.

The trainer (:mod:`livedqn_edu.recsys.train`) hands :class:`NStepReturns` each world step of
each viewer; it stores in the replay buffer one transition per step once that step's return is
complete: after ``n`` steps, or (``n = SESSION``) when the session ends, or when the week ends.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from livedqn_edu.replay import ReplayBuffer

__all__ = ["SESSION", "NStepReturns"]

SESSION = "session"
"""``n_step`` value for returns that run to the end of the session and bootstrap from the
viewer's next visit (at least a night later, so each bootstrap is discounted by about a day)."""

_KEYS = ("user", "candidates", "mask")


class NStepReturns:
    """Turns each viewer's steps into n-step transitions for the replay buffer.

    A transition stored for step ``t`` carries ``R = sum_j gamma**E_j r_{t+j}`` over the next
    ``n`` steps (``E_j``: the time elapsed from ``t`` to ``t + j``, in discount periods), the
    observation ``n`` steps later and ``elapsed = E_n``, so that the agent's target
    ``R + gamma**elapsed max Q(s_{t+n})`` is the n-step target. ``n = 1`` is ordinary DQN. A week
    that ends (churn or horizon) flushes the pending steps with shorter, terminal returns.
    """

    def __init__(self, buffer: ReplayBuffer, n: int | str, gamma: float) -> None:
        self.buffer, self.n, self.gamma = buffer, n, gamma
        self.pending: dict[int, list[tuple[dict, int, float, float]]] = defaultdict(list)

    def add(self, obs: dict, actions: np.ndarray, rewards: np.ndarray, next_obs: dict,
            done: np.ndarray, rows: np.ndarray, elapsed: np.ndarray,
            session_end: np.ndarray | None = None) -> None:  # fmt: skip
        """Store the step of viewers ``rows``; emit the transitions that are complete.

        With ``n == SESSION`` a step's transition is complete when its session ends
        (``session_end``): it carries the rest of the session's rewards and bootstraps from the
        first state of the next visit, at least a night later.
        """
        session = self.n == SESSION
        for i in rows:
            steps = self.pending[i]
            steps.append(({k: obs[k][i] for k in _KEYS}, int(actions[i]), float(rewards[i]),
                          float(elapsed[i])))  # fmt: skip
            flush = bool(done[i]) or (session and session_end is not None and session_end[i])
            if flush or (not session and len(steps) == self.n):
                nxt = {k: next_obs[k][i] for k in _KEYS}
                while steps:
                    self._emit(steps, nxt, bool(done[i]))
                    steps.pop(0)
                    if not flush:
                        break

    def _emit(self, steps: list[tuple[dict, int, float, float]], nxt: dict, done: bool) -> None:
        ret, time_ = 0.0, 0.0
        for _, _, reward, elapsed in steps:
            ret += self.gamma**time_ * reward  # 0.0 ** 0.0 == 1.0: the first reward counts
            time_ += elapsed
        first_obs, action = steps[0][0], steps[0][1]
        self.buffer.add(first_obs, action, ret, nxt, done, False, time_)

    def clear(self) -> None:
        """Forget the pending steps (a new population of viewers starts)."""
        self.pending.clear()
