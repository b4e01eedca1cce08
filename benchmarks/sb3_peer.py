"""Peer reference for the CartPole benchmark: Stable-Baselines3's DQN under the same protocol.

Runs in its own virtualenv (``make bench-peers`` builds ``.venv-peers`` with torch's CPU build and
stable-baselines3); the course's package is not imported here, and this script is not part of
the package. ``benchmarks/cartpole.py --sb3-python .venv-peers/bin/python`` runs it seed by
seed, interleaved with the package agent, and parses its last line::

    RESULT sb3 seed=S solved_steps=N solved_train_s=T      (or solved_steps=NA train_s=T)

Protocol (the same as benchmarks/cartpole.py): CartPole-v1; every 2,000 env steps a greedy
evaluation of 20 episodes, episode i reset with seed 10,000 + i, its wall time not counted;
solved = an evaluation mean >= 475; at most 50,000 env steps.

Hyperparameters: the RL Baselines3 Zoo's tuned DQN settings for CartPole-v1
(``hyperparams/dqn.yml`` of the rl-baselines3-zoo project). benchmarks/cartpole.py runs it with
``OMP_WAIT_POLICY=PASSIVE``: on a shared machine, torch's spinning OpenMP threads otherwise slow
it down thirtyfold.

Usage::

    .venv-peers/bin/python benchmarks/sb3_peer.py SEED [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import DQN
from stable_baselines3.common.callbacks import BaseCallback

EVAL_EVERY, EVAL_EPISODES, EVAL_SEED = 2_000, 20, 10_000
TARGET, MAX_STEPS = 475.0, 50_000
ZOO_CARTPOLE = {
    "learning_rate": 2.3e-3,
    "batch_size": 64,
    "buffer_size": 100_000,
    "learning_starts": 1_000,
    "gamma": 0.99,
    "target_update_interval": 10,
    "train_freq": 256,
    "gradient_steps": 128,
    "exploration_fraction": 0.16,
    "exploration_final_eps": 0.04,
    "policy_kwargs": {"net_arch": [256, 256]},
}


def greedy_mean_return(model: DQN) -> float:
    """Mean return of the greedy policy over the protocol's evaluation episodes."""
    env = gym.make("CartPole-v1")
    returns = []
    for episode in range(EVAL_EPISODES):
        obs, _ = env.reset(seed=EVAL_SEED + episode)
        total, over = 0.0, False
        while not over:
            action, _ = model.predict(obs, deterministic=True)
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            over = terminated or truncated
        returns.append(total)
    env.close()
    return float(np.mean(returns))


class SolveClock(BaseCallback):
    """Stops training at the first evaluation that reaches the target; times training only."""

    def __init__(self) -> None:
        super().__init__()
        self.training_seconds = 0.0
        self.solved_at: int | None = None
        self._since = 0.0

    def _on_training_start(self) -> None:
        self._since = time.perf_counter()

    def _on_step(self) -> bool:
        if self.num_timesteps % EVAL_EVERY:
            return True
        self.training_seconds += time.perf_counter() - self._since
        score = greedy_mean_return(self.model)
        print(f"steps {self.num_timesteps} training_s {self.training_seconds:.1f} eval {score:.1f}")
        self._since = time.perf_counter()
        if score >= TARGET:
            self.solved_at = self.num_timesteps
            return False
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", type=int)
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = DQN("MlpPolicy", gym.make("CartPole-v1"), seed=args.seed, verbose=0, **ZOO_CARTPOLE)
    clock = SolveClock()
    model.learn(total_timesteps=MAX_STEPS, callback=clock)
    if clock.solved_at is not None:
        print(
            f"RESULT sb3 seed={args.seed} solved_steps={clock.solved_at} "
            f"solved_train_s={clock.training_seconds:.1f}"
        )
    else:
        print(f"RESULT sb3 seed={args.seed} solved_steps=NA train_s={clock.training_seconds:.1f}")


if __name__ == "__main__":
    main()
