"""livedqn_edu: the tested companion package of the livedqn-edu course.

Notebooks import what they need from here::

    from livedqn_edu import budget, seed_everything, train_tabular, plot_learning_curve

Names are loaded lazily: ``import livedqn_edu`` is instant, and TensorFlow is imported only when
a name that needs it (``DQNAgent``, ``mlp_q_network``...) is first used.
"""

from __future__ import annotations

import importlib
from typing import Any

from livedqn_edu.envs import LIVE_ROOM_ID  # registers the live-room gymnasium ids
from livedqn_edu.runtime import FAST, budget, import_tensorflow, is_fast, seed_everything

# the one place the version is written: pyproject.toml reads it from here at build time
__version__ = "0.1.0"

# public name -> module that defines it (loaded on first access)
_LAZY: dict[str, str] = {
    # tabular Q-learning (lesson 01)
    "epsilon_greedy": "tabular",
    "q_learning_update": "tabular",
    "sarsa_update": "tabular",
    "train_tabular": "tabular",
    "evaluate_tabular": "tabular",
    "greedy_policy": "tabular",
    "greedy_path": "tabular",
    "optimal_return": "dp",
    # dynamic programming and prediction (lesson 01)
    "tabular_model": "dp",
    "bellman_backup": "dp",
    "value_iteration": "dp",
    "policy_evaluation": "dp",
    "prediction_runs": "prediction",
    "EpsilonSchedule": "tabular",
    # plotting
    "plot_learning_curve": "plotting",
    "plot_q_table": "plotting",
    "animate_episode": "plotting",
    # exercises and classroom tooling
    "show_source": "exercises",
    "doctor": "checkup",  # module named apart from the function, so neither hides the other
    "make_student_notebooks": "classroom",
    # DQN (lessons 02-05)
    "ReplayBuffer": "replay",
    "mlp_q_network": "networks",
    "candidate_scorer": "networks",
    "DQNConfig": "dqn",
    "DQNAgent": "dqn",
    "td_targets": "dqn",
    "double_dqn_targets": "dqn",
    "linear_epsilon": "dqn",
    "train": "training",
    "evaluate": "training",
    # the live-room world (lessons 06-09)
    "WorldConfig": "envs.config",
    "World": "envs.world",
    "LiveRoomEnv": "envs.live_room",
    "run_policy": "envs.vector_eval",
}

__all__ = [
    "FAST",
    "LIVE_ROOM_ID",
    "budget",
    "import_tensorflow",
    "is_fast",
    "seed_everything",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'livedqn_edu' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"livedqn_edu.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
