"""Training the DQN live-room recommender on the vectorised world, and its shipped checkpoints.

One :class:`~livedqn_edu.dqn.DQNAgent` with a :func:`~livedqn_edu.networks.candidate_scorer`
network learns from many viewers at once: ``n_viewers`` viewers step in parallel in one
:class:`~livedqn_edu.envs.world.World`, so each world step adds ``n_viewers`` transitions to the
replay buffer for the price of one batched forward pass (far faster than one gymnasium env).
When every viewer's week is over, a new population of viewers is drawn (training seeds are kept
apart from evaluation seeds, see :data:`TRAIN_SEED_BASE`).

What a recommendation does may show up late: a room ignored tonight still tires the viewer
tomorrow, a follow earned tonight brings them back to that room, a satisfying session brings
them back sooner. A discount per recommendation (0.9 per step sees about 10 steps, less than a
session) cannot see that far, so the recommender discounts per *day of the viewer's clock*: a
transition that took ``dt`` minutes is discounted by ``gamma ** (dt / DISCOUNT_MINUTES)`` (a
semi-MDP), and it stores ``N_STEP``-step returns, which carry later effects back in fewer
target updates. With ``gamma = 0`` both reduce to the immediate reward: the myopic twin.

A viewer's week ends in one of two ways, both real ends of the return we measure: the viewer
churns, or the clock passes the horizon. The time elapsed is part of the observation
(``horizon_elapsed``), so both are stored as ``terminated`` (no bootstrap past the week).

History keys (each group has its own ``<group>/step`` series of viewer-steps):
``charts/weekly_return`` and ``charts/epsilon`` (at each population's end), ``losses/td_loss``,
``losses/q_values``, ``losses/grad_norm`` (each learning call), ``eval/mean_return`` and
``eval/train_seconds`` (each greedy evaluation on held-out viewers).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from livedqn_edu.dqn import DQNAgent, DQNConfig, linear_epsilon
from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.populations import TRAIN, VALIDATION
from livedqn_edu.envs.vector_eval import run_policy
from livedqn_edu.envs.world import World
from livedqn_edu.manifest import data_dir, record
from livedqn_edu.networks import candidate_scorer
from livedqn_edu.replay import ReplayBuffer

__all__ = [
    "LIVE_ROOM_DQN",
    "LIVE_ROOM_HIDDEN",
    "N_VIEWERS",
    "DISCOUNT_MINUTES",
    "N_STEP",
    "LIVE_ROOM_STEPS",
    "TRAIN_SEED_BASE",
    "EVAL_SEED",
    "CHECKPOINT_NAME",
    "agent_observation",
    "greedy_policy",
    "make_live_room_agent",
    "train_live_room",
    "evaluate_live_room",
    "reproduce_live_room_checkpoint",
    "load_live_room_agent",
]

History = dict[str, list[float]]

LIVE_ROOM_DQN = DQNConfig(
    gamma=0.9,
    learning_rate=2.5e-4,
    batch_size=256,
    buffer_size=200_000,
    learning_starts=5_000,
    train_freq=1_024,
    gradient_steps=32,
    target_update_interval=1,
    tau=0.02,
    epsilon_start=1.0,
    epsilon_end=0.05,
    exploration_steps=100_000,
    double_dqn=True,
)
"""Hyperparameters of the recommender (env steps here are viewer-steps, i.e. transitions).

``gamma`` is per day of the viewer's clock (:data:`DISCOUNT_MINUTES`), and the target network
follows the online one softly (``tau`` 0.02 after every gradient step)."""

LIVE_ROOM_HIDDEN: tuple[int, ...] = (64, 64)
"""Hidden layers of the per-candidate MLP of the candidate scorer."""

DISCOUNT_MINUTES = 1440.0
"""Discount period of the shipped recommender: gamma per day of the viewer's clock."""

N_STEP = 5
"""Steps summed into each stored transition of the shipped recommender (n-step returns)."""

LIVE_ROOM_STEPS = 1_000_000
"""Viewer-steps (transitions) the shipped recommenders are trained for."""

N_VIEWERS = 256
"""Viewers stepping in parallel during training."""

TRAIN_SEED_BASE = TRAIN.seeds[0]
"""Training populations use seeds ``TRAIN_SEED_BASE * (seed + 1) + i`` (the ``train``
population of :mod:`livedqn_edu.envs.populations`): never a validation or test seed."""

EVAL_SEED = VALIDATION.seeds[0]
"""Seed of the held-out viewers of the evaluations during training (a validation population:
checkpoints are chosen on it, never on test viewers)."""

CHECKPOINT_NAME = "live_room_dqn"
"""Stem of the shipped checkpoint files in ``data/checkpoints`` (``_gamma0`` for the twin)."""

_KEYS = ("user", "candidates", "mask")


def agent_observation(obs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The part of a world observation the network reads: ``user``, ``candidates``, ``mask``.

    Non-finite values are replaced by 0, so that no garbage reaches the network.

    Args:
        obs: a (batched or single) world observation dict.

    Returns:
        A new dict with float32 ``user`` and ``candidates`` and bool ``mask``.
    """
    user = np.nan_to_num(np.asarray(obs["user"], dtype=np.float32), posinf=0.0, neginf=0.0)
    cands = np.nan_to_num(np.asarray(obs["candidates"], dtype=np.float32), posinf=0.0, neginf=0.0)
    return {"user": user, "candidates": cands, "mask": np.asarray(obs["mask"], dtype=bool)}


def greedy_policy(agent: DQNAgent) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    """A batched policy ``obs -> (N,) slots`` picking each viewer's highest-Q valid slot."""

    def policy(obs: dict[str, np.ndarray]) -> np.ndarray:
        x = agent_observation(obs)
        q = agent.q_values(x)
        return np.where(x["mask"], q, -np.inf).argmax(axis=1)

    return policy


def make_live_room_agent(
    world_config: WorldConfig | None = None,
    config: DQNConfig | None = None,
    seed: int = 0,
    hidden: tuple[int, ...] = LIVE_ROOM_HIDDEN,
) -> tuple[World, DQNAgent]:
    """A world and a fresh agent whose candidate scorer fits the world's observation."""
    world = World(world_config)
    spec = world.features
    net = candidate_scorer(
        spec.width("user"), spec.width("candidates"), world.config.k, hidden, seed
    )
    return world, DQNAgent(net, config or LIVE_ROOM_DQN, seed=seed)


class _NStep:
    """Turns each viewer's steps into n-step transitions for the replay buffer.

    A transition stored for step ``t`` carries ``R = sum_j gamma**E_j r_{t+j}`` over the next
    ``n`` steps (``E_j``: the time elapsed from ``t`` to ``t + j``, in discount periods), the
    observation ``n`` steps later and ``elapsed = E_n``, so that the agent's target
    ``R + gamma**elapsed max Q(s_{t+n})`` is the n-step target. ``n = 1`` is ordinary DQN. A week
    that ends (churn or horizon) flushes the pending steps with shorter, terminal returns.
    """

    def __init__(self, buffer: ReplayBuffer, n: int, gamma: float) -> None:
        self.buffer, self.n, self.gamma = buffer, n, gamma
        self.pending: dict[int, list[tuple[dict, int, float, float]]] = defaultdict(list)

    def add(self, obs: dict, actions: np.ndarray, rewards: np.ndarray, next_obs: dict,
            done: np.ndarray, rows: np.ndarray, elapsed: np.ndarray) -> None:  # fmt: skip
        for i in rows:
            steps = self.pending[i]
            steps.append(({k: obs[k][i] for k in _KEYS}, int(actions[i]), float(rewards[i]),
                          float(elapsed[i])))  # fmt: skip
            if done[i] or len(steps) == self.n:
                nxt = {k: next_obs[k][i] for k in _KEYS}
                while steps:
                    self._emit(steps, nxt, bool(done[i]))
                    steps.pop(0)
                    if not done[i]:
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


def evaluate_live_room(
    agent: DQNAgent | Callable[[dict[str, np.ndarray]], np.ndarray],
    n_viewers: int = 1_000,
    seed: int = EVAL_SEED,
    world_config: WorldConfig | None = None,
) -> float:
    """Mean return per viewer-week of a greedy agent (or any batched policy) on held-out viewers."""
    policy = greedy_policy(agent) if isinstance(agent, DQNAgent) else agent
    config = world_config or WorldConfig()
    df = run_policy(policy, n_viewers, config.days, seed=seed, config=config)
    return float(df["return"].mean())


def train_live_room(
    config: DQNConfig | None = None,
    seed: int = 0,
    gamma: float | None = None,
    total_steps: int = LIVE_ROOM_STEPS,
    *,
    n_viewers: int = N_VIEWERS,
    world_config: WorldConfig | None = None,
    hidden: tuple[int, ...] = LIVE_ROOM_HIDDEN,
    eval_every: int = 0,
    eval_viewers: int = 500,
    discount_minutes: float | None = DISCOUNT_MINUTES,
    n_step: int = N_STEP,
    keep_best: bool = False,
    progress: bool = True,
) -> tuple[DQNAgent, History]:
    """Train a DQN recommender on ``n_viewers`` viewers stepping in parallel.

    Args:
        config: the agent's hyperparameters (default :data:`LIVE_ROOM_DQN`).
        seed: seeds the network's initial weights, exploration, sampling and training viewers.
        gamma: discount per recommendation (or per ``discount_minutes``); overrides
            ``config.gamma`` if given (0: myopic).
        total_steps: viewer-steps (transitions) to collect.
        n_viewers: viewers stepping in parallel (transitions per world step).
        world_config: the world (default ``WorldConfig()``).
        hidden: hidden layers of the candidate scorer.
        eval_every: viewer-steps between greedy evaluations on held-out viewers; 0 for none.
        eval_viewers: viewers per evaluation (seed :data:`EVAL_SEED`).
        discount_minutes: ``None`` discounts per recommendation; a number of minutes discounts
            by ``gamma`` per that much time on the viewer's clock (a semi-MDP: a recommendation
            whose effect shows tomorrow is discounted by a day, not by a session's ~17
            recommendations).
            :data:`DISCOUNT_MINUTES` (a day) is the shipped recommender's choice.
        n_step: steps summed into each stored transition (n-step returns; 1 = plain DQN).
            Longer returns carry a recommendation's later effects (fatigue, return visits) back
            to it in fewer target updates.
        keep_best: with ``eval_every``, evaluate once more at the end and return the network of
            the best evaluation (early stopping on held-out viewers; the history's
            ``eval/kept_step`` says which). The evaluation viewers (seed :data:`EVAL_SEED`) are
            never the benchmark's or the notebooks' evaluation seeds.
        progress: show a tqdm bar with the last weekly return and epsilon.

    Returns:
        The trained agent and the history dict (keys in the module docstring).
    """
    for name, value in (("total_steps", total_steps), ("n_viewers", n_viewers), ("n_step", n_step)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    if discount_minutes is not None and not (
        isinstance(discount_minutes, int | float) and 0 < discount_minutes < float("inf")
    ):
        raise ValueError(
            f"discount_minutes must be None (discount per recommendation) or minutes > 0 "
            f"(e.g. {DISCOUNT_MINUTES:g} for a day), got {discount_minutes!r}"
        )
    cfg = config or LIVE_ROOM_DQN
    if gamma is not None:
        cfg = dataclasses.replace(cfg, gamma=float(gamma))
    world, agent = make_live_room_agent(world_config, cfg, seed, hidden)
    rng = np.random.default_rng(seed)
    hist: History = defaultdict(list)
    example = agent_observation(world.reset(1, seed=0))
    buffer = ReplayBuffer(cfg.buffer_size, {k: v[0] for k, v in example.items()})
    nstep = _NStep(buffer, n_step, cfg.gamma)
    steps, episode, since_learn, train_s, next_eval = 0, 0, 0, 0.0, eval_every
    best: tuple[float, int, list] = (-np.inf, 0, [])
    bar = tqdm(total=total_steps, desc="training", unit="step", disable=not progress)
    t0 = time.perf_counter()
    while steps < total_steps:
        obs = agent_observation(world.reset(n_viewers, seed=TRAIN_SEED_BASE * (seed + 1) + episode))
        weekly = np.zeros(n_viewers)
        nstep.clear()
        while not world.done.all() and steps < total_steps:
            active = np.flatnonzero(~world.done)
            eps = linear_epsilon(steps, cfg.epsilon_start, cfg.epsilon_end, cfg.exploration_steps)
            q = np.where(obs["mask"], agent.q_values(obs), -np.inf)
            explore = np.where(obs["mask"], rng.random(obs["mask"].shape), -1.0)
            pick = (rng.random(n_viewers) < eps) | (steps < cfg.learning_starts)
            actions = np.where(pick, explore.argmax(axis=1), q.argmax(axis=1))
            clock = world.t.copy()
            rewards, _ = world.step(actions)
            next_obs = agent_observation(world.observe())
            # a step always takes some time (1e-9 periods at least, even with skip_minutes = 0),
            # so that gamma = 0 stays myopic: 0 ** elapsed is 0 only for elapsed > 0
            elapsed = (
                np.ones(n_viewers) if discount_minutes is None
                else np.maximum((world.t - clock) / discount_minutes, 1e-9)
            )  # fmt: skip
            nstep.add(obs, actions, rewards, next_obs, world.done, active, elapsed)
            weekly += rewards
            obs, steps, since_learn = next_obs, steps + active.size, since_learn + active.size
            bar.update(active.size)
            while steps >= cfg.learning_starts and since_learn >= cfg.train_freq:
                since_learn -= cfg.train_freq
                batch = buffer.sample(cfg.batch_size, rng, n_batches=cfg.gradient_steps)
                _log(hist, "losses", steps, **agent.learn(batch))
            if eval_every and steps >= next_eval:
                next_eval += eval_every
                train_s += time.perf_counter() - t0
                score = evaluate_live_room(agent, eval_viewers, EVAL_SEED, world.config)
                _log(hist, "eval", steps, mean_return=score, train_seconds=train_s)
                if keep_best and score > best[0]:
                    best = (score, steps, agent.network.get_weights())
                t0 = time.perf_counter()
        episode += 1
        _log(hist, "charts", steps, weekly_return=float(weekly.mean()), epsilon=eps)
        bar.set_postfix(
            week_return=round(float(weekly.mean()), 2), eps=round(eps, 3), refresh=False
        )
    bar.close()
    if keep_best and eval_every:
        score = evaluate_live_room(agent, eval_viewers, EVAL_SEED, world.config)
        _log(hist, "eval", steps, mean_return=score, train_seconds=train_s)
        if score < best[0]:  # an earlier evaluated network did better: keep that one
            agent.network.set_weights(best[2])
            agent.target_network.set_weights(best[2])
            agent.refresh()
        hist["eval/kept_step"] = [float(best[1] if score < best[0] else steps)]
    return agent, dict(hist)


def _log(hist: History, group: str, step: int, **values: float) -> None:
    hist[f"{group}/step"].append(step)
    for key, value in values.items():
        hist[f"{group}/{key}"].append(float(value))


def reproduce_live_room_checkpoint(
    seed: int = 0,
    out_dir: str | Path | None = None,
    total_steps: int = LIVE_ROOM_STEPS,
    eval_viewers: int = 1_000,
) -> list[Path]:
    """Train and save the shipped recommender (gamma 0.9) and its myopic twin (gamma 0).

    Writes ``live_room_dqn.keras`` / ``.json`` and ``live_room_dqn_gamma0.keras`` / ``.json``
    in ``out_dir`` (default ``data/checkpoints``), each JSON with the config, seed, gamma and the
    held-out score (mean return per viewer-week over ``eval_viewers`` viewers, seed
    :data:`EVAL_SEED`);
    files under ``data/`` are recorded in the data manifest with their checksums.

    Returns:
        The paths written.
    """
    out = Path(out_dir) if out_dir is not None else data_dir() / "checkpoints"
    written: list[Path] = []
    for gamma, suffix in ((LIVE_ROOM_DQN.gamma, ""), (0.0, "_gamma0")):
        t0 = time.perf_counter()
        agent, _ = train_live_room(seed=seed, gamma=gamma, total_steps=total_steps)
        seconds = time.perf_counter() - t0
        score = evaluate_live_room(agent, eval_viewers, EVAL_SEED)
        meta: dict[str, Any] = {
            "gamma": gamma, "score": round(score, 4), "total_steps": total_steps,
            "train_seconds": round(seconds, 1), "n_viewers": N_VIEWERS,
            "hidden": list(LIVE_ROOM_HIDDEN), "eval_seed": EVAL_SEED, "eval_viewers": eval_viewers,
            "discount_minutes": DISCOUNT_MINUTES, "n_step": N_STEP,
            "world_config": dataclasses.asdict(WorldConfig()),
        }  # fmt: skip
        path = agent.save(out / f"{CHECKPOINT_NAME}{suffix}.keras", **meta)
        print(f"wrote {path} (gamma {gamma}: {score:.2f} return per viewer-week, {seconds:.0f} s)")
        for p in (path, path.with_suffix(".json")):
            written.append(p)
            if p.resolve().is_relative_to(data_dir().resolve()):
                record(p, seed=seed, gamma=gamma, score=round(score, 4),
                       command=f"livedqn-edu train live-room --seed {seed}")  # fmt: skip
    return written


def load_live_room_agent(path: str | Path | None = None, gamma0: bool = False) -> DQNAgent:
    """Load a recommender checkpoint (default: the shipped one, or its gamma-0 twin).

    Raises:
        FileNotFoundError: if the checkpoint is missing (with the command that rebuilds it).
    """
    if path is None:
        path = data_dir() / "checkpoints" / f"{CHECKPOINT_NAME}{'_gamma0' if gamma0 else ''}.keras"
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no recommender checkpoint at {path}: rebuild it with `livedqn-edu train live-room`"
        )
    agent = DQNAgent.load(path)
    agent.metadata = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return agent
