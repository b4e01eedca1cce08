"""Checkers for the course's exercises: ``check_*`` functions and ``show_source``.

Each ``check_*`` runs a learner's function on hand-computed cases, prints pass/fail and names the
likely mistake on failure. The checkers live in one module per part of the course; each module
adds one import line here.
"""

from livedqn_edu.exercises._core import Case, CheckResult, run_checks, show_source

__all__ = ["Case", "CheckResult", "run_checks", "show_source"]
# per-lesson checkers are imported below (one line per module, e.g. `from .tabular import *`)
from livedqn_edu.exercises.approx import *  # noqa: F403
from livedqn_edu.exercises.article import *  # noqa: F403
from livedqn_edu.exercises.baselines import *  # noqa: F403
from livedqn_edu.exercises.dqn import *  # noqa: F403
from livedqn_edu.exercises.dqn_loop import *  # noqa: F403
from livedqn_edu.exercises.foundations import *  # noqa: F403
from livedqn_edu.exercises.improvements import *  # noqa: F403
from livedqn_edu.exercises.live_room import *  # noqa: F403
from livedqn_edu.exercises.offline import *  # noqa: F403
from livedqn_edu.exercises.recommender import *  # noqa: F403
from livedqn_edu.exercises.recsys import *  # noqa: F403
from livedqn_edu.exercises.tabular import *  # noqa: F403

# every checker is public: `from livedqn_edu.exercises import *` gives them all
__all__ += sorted(name for name in dir() if name.startswith("check_"))  # noqa: PLE0605
