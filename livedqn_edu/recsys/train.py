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
``eval/train_seconds`` (each greedy evaluation on held-out viewers); ``time/train_seconds``
(one number: the wall time of the training, evaluations excluded).
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from livedqn_edu.dqn import DQNAgent, DQNConfig, linear_epsilon
from livedqn_edu.envs.config import WorldConfig
from livedqn_edu.envs.features import FeatureSpec, feature_spec
from livedqn_edu.envs.populations import TRAIN, VALIDATION
from livedqn_edu.envs.vector_eval import run_policy
from livedqn_edu.envs.world import World
from livedqn_edu.networks import candidate_scorer
from livedqn_edu.recsys.checkpoints import (
    CHECKPOINT_NAME,
    TRAIN_SEEDS,
    checkpoint_path,
    copy_checkpoint,
    load_live_room_agent,
    load_live_room_agents,
    save_checkpoint,
)
from livedqn_edu.recsys.history import CANDIDATE_COLUMNS, USER_COLUMNS, ViewerHistory
from livedqn_edu.recsys.returns import SESSION, NStepReturns
from livedqn_edu.replay import ReplayBuffer

__all__ = [
    "LIVE_ROOM_DQN",
    "LIVE_ROOM_HIDDEN",
    "N_VIEWERS",
    "DISCOUNT_MINUTES",
    "N_STEP",
    "LIVE_ROOM_STEPS",
    "SHIPPED_SETUPS",
    "TRAIN_SEED_BASE",
    "EVAL_SEED",
    "SCORE_SEEDS",
    "SCORE_VIEWERS",
    "SESSION",
    "CHECKPOINT_NAME",
    "TRAIN_SEEDS",
    "agent_observation",
    "uses_history",
    "greedy_policy",
    "make_live_room_agent",
    "train_live_room",
    "evaluate_live_room",
    "train_recommender",
    "reproduce_live_room_checkpoint",
    "checkpoint_path",
    "copy_checkpoint",
    "save_checkpoint",
    "load_live_room_agent",
    "load_live_room_agents",
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

LIVE_ROOM_STEPS = 500_000
"""Viewer-steps (transitions) the shipped recommenders are trained for."""

SHIPPED_SETUPS: dict[bool, dict[str, Any]] = {
    False: {"gamma": 0.9, "n_step": 1, "tau": 0.005, "huber_delta": None},
    True: {"gamma": 0.0, "huber_delta": None},
}
"""The set-ups of the shipped recommenders, frozen on validation viewers before any test run
(``benchmarks/results/recommender_dqn_configs.md``): key ``gamma0``. The gamma-0.9 recommender
is configuration E7 (1-step returns, mean squared error, tau 0.005: the best gamma-0.9 score),
its myopic twin E1 (gamma 0, mean squared error: the best gamma-0 score); both 500,000
viewer-steps, everything else as :data:`LIVE_ROOM_DQN` and :func:`train_live_room`'s defaults."""

N_VIEWERS = 256
"""Viewers stepping in parallel during training."""

TRAIN_SEED_BASE = TRAIN.seeds[0]
"""Training populations use seeds ``TRAIN_SEED_BASE * (seed + 1) + i`` (the ``train``
population of :mod:`livedqn_edu.envs.populations`): never a validation or test seed."""

EVAL_SEED = VALIDATION.seeds[0]
"""Seed of the held-out viewers of the evaluations during training (a validation population:
checkpoints are chosen on it, never on test viewers)."""

SCORE_SEEDS: tuple[int, ...] = VALIDATION.seeds[:2]
"""Validation viewer seeds of the score recorded in each checkpoint's JSON."""
SCORE_VIEWERS = 1_000
"""Viewers of each of :data:`SCORE_SEEDS` in that score."""

_KEYS = ("user", "candidates", "mask")
_NStep = NStepReturns  # the name the tests and older notes use


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


def uses_history(agent: DQNAgent, spec: FeatureSpec | None = None) -> bool:
    """Whether ``agent``'s network reads the :class:`~livedqn_edu.recsys.history.ViewerHistory`
    columns (its input is wider than the world's observation by exactly those columns)."""
    spec = spec or feature_spec()
    widths = {k: v[-1] for k, v in agent._input_shapes.items()}
    extra = (widths.get("user", 0) - spec.width("user"),
             widths.get("candidates", 0) - spec.width("candidates"))  # fmt: skip
    return extra == (len(USER_COLUMNS), len(CANDIDATE_COLUMNS))


def greedy_policy(
    agent: DQNAgent, spec: FeatureSpec | None = None
) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    """A batched policy ``obs -> (N,) slots`` picking each viewer's highest-Q valid slot.

    An agent that reads the viewer's history gets a fresh :class:`ViewerHistory` (one per
    policy: call this again for a new evaluation).
    """
    history = ViewerHistory(spec or feature_spec()) if uses_history(agent, spec) else None

    def policy(obs: dict[str, np.ndarray]) -> np.ndarray:
        x = agent_observation(history.augment(obs) if history is not None else obs)
        q = agent.q_values(x)
        actions = np.where(x["mask"], q, -np.inf).argmax(axis=1)
        if history is not None:
            history.shown(obs, actions)
        return actions

    return policy


def make_live_room_agent(
    world_config: WorldConfig | None = None,
    config: DQNConfig | None = None,
    seed: int = 0,
    hidden: tuple[int, ...] = LIVE_ROOM_HIDDEN,
    dueling: bool = False,
    history: bool = False,
) -> tuple[World, DQNAgent]:
    """A world and a fresh agent whose candidate scorer fits the world's observation (and the
    :class:`ViewerHistory` columns if ``history``)."""
    world = World(world_config)
    spec = world.features
    u, f = spec.width("user"), spec.width("candidates")
    if history:
        u, f = u + len(USER_COLUMNS), f + len(CANDIDATE_COLUMNS)
    net = candidate_scorer(u, f, world.config.k, hidden, seed, dueling)
    return world, DQNAgent(net, config or LIVE_ROOM_DQN, seed=seed)


def evaluate_live_room(
    agent: DQNAgent | Callable[[dict[str, np.ndarray]], np.ndarray],
    n_viewers: int = 1_000,
    seed: int = EVAL_SEED,
    world_config: WorldConfig | None = None,
) -> float:
    """Mean return per viewer-week of a greedy agent (or any batched policy) on held-out viewers."""
    config = world_config or WorldConfig()
    spec = feature_spec(config.n_categories, config.max_follows, config.days)
    policy = greedy_policy(agent, spec) if isinstance(agent, DQNAgent) else agent
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
    n_step: int | str = N_STEP,
    keep_best: bool = False,
    reward_scale: float = 1.0,
    dueling: bool = False,
    history: bool = False,
    lr_end: float | None = None,
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
            to it in fewer target updates. :data:`SESSION` sums the rest of the session and
            bootstraps from the viewer's next visit: every bootstrap is then discounted by about
            a day (``gamma`` per day), never by a step's ``gamma ** (0.1 / 1440)``, so the
            targets cannot chain hundreds of nearly undiscounted bootstraps within a session.
        keep_best: with ``eval_every``, evaluate once more at the end and return the network of
            the best evaluation (early stopping on held-out viewers; the history's
            ``eval/kept_step`` says which). The evaluation viewers (seed :data:`EVAL_SEED`) are
            never the benchmark's or the notebooks' evaluation seeds.
        reward_scale: rewards are multiplied by this before they are stored (the Q-values are
            then in scaled units; the greedy choice does not change).
        dueling: a dueling candidate scorer (see :func:`~livedqn_edu.networks.candidate_scorer`).
        history: the network also reads the viewer's week as the recommender saw it
            (:class:`~livedqn_edu.recsys.history.ViewerHistory` columns).
        lr_end: if given, the learning rate falls linearly from ``config.learning_rate`` to this
            value over ``total_steps`` (a quieter network at the end: the last weights are the
            ones kept).
        progress: show a tqdm bar with the last weekly return and epsilon.

    Returns:
        The trained agent and the history dict (keys in the module docstring).
    """
    checked = [("total_steps", total_steps), ("n_viewers", n_viewers)]
    if n_step != SESSION:
        checked.append(("n_step", n_step))
    for name, value in checked:
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            hint = f" (or {SESSION!r})" if name == "n_step" else ""
            raise ValueError(f"{name} must be an int >= 1{hint}, got {value!r}")
    if lr_end is not None and not (isinstance(lr_end, int | float) and lr_end > 0):
        raise ValueError(f"lr_end must be None or a learning rate > 0, got {lr_end!r}")
    if not (isinstance(reward_scale, int | float) and 0 < reward_scale < float("inf")):
        raise ValueError(f"reward_scale must be a number > 0 (e.g. 1.0), got {reward_scale!r}")
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
    world, agent = make_live_room_agent(world_config, cfg, seed, hidden, dueling, history)
    memory = ViewerHistory(world.features) if history else None

    def see(raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return agent_observation(memory.augment(raw) if memory is not None else raw)

    rng = np.random.default_rng(seed)
    hist: History = defaultdict(list)
    example = see(world.reset(1, seed=0))
    buffer = ReplayBuffer(cfg.buffer_size, {k: v[0] for k, v in example.items()})
    nstep = NStepReturns(buffer, n_step, cfg.gamma)
    steps, episode, since_learn, train_s, next_eval = 0, 0, 0, 0.0, eval_every
    best: tuple[float, int, list] = (-np.inf, 0, [])
    bar = tqdm(total=total_steps, desc="training", unit="step", disable=not progress)
    t0 = time.perf_counter()
    while steps < total_steps:
        raw = world.reset(n_viewers, seed=TRAIN_SEED_BASE * (seed + 1) + episode)
        if memory is not None:
            memory.reset(n_viewers)
        obs = see(raw)
        weekly = np.zeros(n_viewers)
        nstep.clear()
        while not world.done.all() and steps < total_steps:
            active = np.flatnonzero(~world.done)
            eps = linear_epsilon(steps, cfg.epsilon_start, cfg.epsilon_end, cfg.exploration_steps)
            q = np.where(obs["mask"], agent.q_values(obs), -np.inf)
            explore = np.where(obs["mask"], rng.random(obs["mask"].shape), -1.0)
            pick = (rng.random(n_viewers) < eps) | (steps < cfg.learning_starts)
            actions = np.where(pick, explore.argmax(axis=1), q.argmax(axis=1))
            if memory is not None:
                memory.shown(raw, actions)
            clock = world.t.copy()
            rewards, parts = world.step(actions)
            raw = world.observe()
            next_obs = see(raw)
            # a step always takes some time (1e-9 periods at least, even with skip_minutes = 0),
            # so that gamma = 0 stays myopic: 0 ** elapsed is 0 only for elapsed > 0
            elapsed = (
                np.ones(n_viewers) if discount_minutes is None
                else np.maximum((world.t - clock) / discount_minutes, 1e-9)
            )  # fmt: skip
            nstep.add(obs, actions, rewards * reward_scale, next_obs, world.done, active, elapsed,
                      parts["session_end"])  # fmt: skip
            weekly += rewards
            obs, steps, since_learn = next_obs, steps + active.size, since_learn + active.size
            bar.update(active.size)
            ready = steps >= cfg.learning_starts and len(buffer) >= cfg.batch_size
            while ready and since_learn >= cfg.train_freq:
                since_learn -= cfg.train_freq
                if lr_end is not None:
                    frac = min(steps / total_steps, 1.0)
                    agent.optimizer.learning_rate.assign(
                        cfg.learning_rate + frac * (lr_end - cfg.learning_rate)
                    )
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
    hist["time/train_seconds"] = [train_s + time.perf_counter() - t0]  # evaluations excluded
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


def train_recommender(
    seed: int,
    gamma0: bool = False,
    total_steps: int = LIVE_ROOM_STEPS,
    progress: bool = True,
    score_viewers: int = SCORE_VIEWERS,
    curve_every: int = 0,
    curve_viewers: int = 500,
) -> tuple[DQNAgent, dict[str, Any], dict[str, list[float]]]:
    """Train one shipped recommender (gamma 0.9, or its gamma-0 twin) with the shipped set-up.

    Args:
        seed: the training seed.
        gamma0: train the myopic twin (gamma 0) instead of the gamma-0.9 recommender.
        total_steps: viewer-steps of training.
        progress: show a progress bar.
        score_viewers: viewers of each of :data:`SCORE_SEEDS` in the recorded score.
        curve_every: viewer-steps between evaluations of the training curve (0: none).
        curve_viewers: viewers (seed :data:`EVAL_SEED`, validation) per curve point.

    Returns:
        The agent, its checkpoint metadata (the set-up, the training seconds and the
        validation score: mean return per viewer-week) and the training curve
        (``{"step": [...], "mean_return": [...]}``; its evaluations' time is not training time).
    """
    setup = dict(SHIPPED_SETUPS[bool(gamma0)])
    n_step = setup.pop("n_step", N_STEP)
    config = dataclasses.replace(LIVE_ROOM_DQN, **setup)
    gamma = config.gamma
    agent, hist = train_live_room(config, seed=seed, total_steps=total_steps, n_step=n_step,
                                  progress=progress, eval_every=curve_every,
                                  eval_viewers=curve_viewers)  # fmt: skip
    seconds = hist["time/train_seconds"][0]  # the curve's evaluations are not training
    curve = {"step": hist.get("eval/step", []), "mean_return": hist.get("eval/mean_return", [])}
    scores = [evaluate_live_room(agent, score_viewers, s) for s in SCORE_SEEDS]
    meta: dict[str, Any] = {
        "gamma": gamma, "score": round(float(np.mean(scores)), 4),
        "scores": [round(x, 4) for x in scores], "total_steps": total_steps,
        "train_seconds": round(seconds, 1), "n_viewers": N_VIEWERS,
        "hidden": list(LIVE_ROOM_HIDDEN), "eval_seeds": list(SCORE_SEEDS),
        "eval_viewers": score_viewers, "discount_minutes": DISCOUNT_MINUTES, "n_step": n_step,
        "world_config": dataclasses.asdict(WorldConfig()),
    }  # fmt: skip
    return agent, meta, curve


def reproduce_live_room_checkpoint(
    seed: int = 0,
    out_dir: str | Path | None = None,
    total_steps: int = LIVE_ROOM_STEPS,
    score_viewers: int = SCORE_VIEWERS,
) -> list[Path]:
    """Train and save one seed's recommender (gamma 0.9) and its myopic twin (gamma 0).

    Writes ``live_room_dqn.keras`` / ``.json`` and ``live_room_dqn_gamma0.keras`` / ``.json``
    in ``out_dir`` (default ``data/checkpoints``), each JSON with the set-up, seed, gamma and the
    validation score (:func:`train_recommender`); files under ``data/`` are recorded in the data
    manifest with their checksums. (The multi-seed checkpoints: ``benchmarks/recommender_dqn.py``.)

    Returns:
        The paths written.
    """
    written: list[Path] = []
    for gamma0 in (False, True):
        agent, meta, _ = train_recommender(seed, gamma0, total_steps,
                                           score_viewers=score_viewers)  # fmt: skip
        path = checkpoint_path(None, gamma0, out_dir)
        written += save_checkpoint(agent, path, f"livedqn-edu train live-room --seed {seed}",
                                   seed=seed, **meta)  # fmt: skip
        print(f"wrote {path} (gamma {meta['gamma']}: {meta['score']:.2f} return per viewer-week "
              f"on validation viewers, {meta['train_seconds']:.0f} s)")  # fmt: skip
    return written
