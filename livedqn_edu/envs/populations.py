"""Named populations of the live-room world: which rooms and which viewers, declared once.

Rooms and viewers come from separate seeds. The rooms (the *catalogue*: categories, audiences,
schedules) come from ``WorldConfig.room_seed``; the viewers from the seed given to
``World.reset``. A :class:`Population` names both, so that every experiment says which viewers it
ran on:

- :data:`TRAIN`: viewers that learners and trainers may use freely (training, logs, tuning of a
  learned model's weights); the shipped logs are :data:`LOGS`, a part of it;
- :data:`VALIDATION`: every choice (a world parameter while designing the world, a
  hyperparameter, a checkpoint) is made on these viewers;
- :data:`TEST`: reported numbers come from these viewers, which no choice ever saw;
- :data:`NEW_CATALOGUE`: test viewers on rooms from a seed never used in development (does a
  recommender generalise to a platform it never saw?).

The seed ranges are disjoint (``tests/test_populations.py`` checks it); ``docs/populations.md``
records which were used for what.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from livedqn_edu.envs.config import WorldConfig

__all__ = [
    "DEVELOPMENT_ROOMS",
    "LOGS",
    "NEW_CATALOGUE",
    "NEW_ROOMS",
    "POPULATIONS",
    "TEST",
    "TRAIN",
    "VALIDATION",
    "Population",
    "population",
]

DEVELOPMENT_ROOMS = 0
"""Room seed of the development catalogue: the platform every lesson, training and design uses."""
NEW_ROOMS = 424_242
"""Room seed of the new catalogue, never used while developing the world or its recommenders."""


@dataclass(frozen=True)
class Population:
    """A named set of viewer populations on one catalogue of rooms."""

    name: str
    """short name used in tables ("train", "validation", "test", "new_catalogue", "logs")."""
    room_seed: int
    """seed of the rooms (``WorldConfig.room_seed``)."""
    seeds: tuple[int, ...]
    """viewer seeds (``World.reset(n, seed=...)``), one population of viewers each."""
    purpose: str
    """what the population is for."""

    def config(self, base: WorldConfig | None = None) -> WorldConfig:
        """``base`` (default ``WorldConfig()``) on this population's rooms."""
        return dataclasses.replace(base or WorldConfig(), room_seed=self.room_seed)

    def seed(self, i: int) -> int:
        """The ``i``-th viewer seed (``TRAIN`` has as many as needed: ``seeds[0] + i``)."""
        if self.name == "train":
            return self.seeds[0] + i
        return self.seeds[i]


TRAIN = Population(
    "train", DEVELOPMENT_ROOMS, (1_000_000,),
    "training: seed 1,000,000 + i for the i-th population a trainer draws (unbounded)",
)  # fmt: skip
LOGS = Population(
    "logs", DEVELOPMENT_ROOMS, (0,),
    "the shipped logs (data/live_room_logs.csv.gz) and models fitted on them",
)  # fmt: skip
VALIDATION = Population(
    "validation", DEVELOPMENT_ROOMS, tuple(range(10_000, 10_005)),
    "every design and tuning choice: world parameters, hyperparameters, checkpoints",
)  # fmt: skip
TEST = Population(
    "test", DEVELOPMENT_ROOMS, tuple(range(20_000, 20_005)),
    "reported numbers only; no choice is ever made on them",
)  # fmt: skip
NEW_CATALOGUE = Population(
    "new_catalogue", NEW_ROOMS, tuple(range(30_000, 30_005)),
    "reported numbers on rooms never seen in development (generalisation to a new platform)",
)  # fmt: skip

POPULATIONS: dict[str, Population] = {
    p.name: p for p in (TRAIN, LOGS, VALIDATION, TEST, NEW_CATALOGUE)
}
"""Every named population, by name."""


def population(name: str) -> Population:
    """The population called ``name`` (one of :data:`POPULATIONS`)."""
    if name not in POPULATIONS:
        raise ValueError(f"unknown population {name!r}; known: {sorted(POPULATIONS)}")
    return POPULATIONS[name]
