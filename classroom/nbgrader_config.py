"""nbgrader settings for the livedqn-edu course (run nbgrader from this folder).

`make classroom` (or `livedqn-edu classroom source`) fills source/<assignment>/ from
../notebooks; nbgrader's own commands do the rest (see docs/teaching.md). Two settings are
read from the environment so that the same file serves a laptop and a JupyterHub:

- NBGRADER_EXCHANGE: the exchange folder shared by teacher and students
  (default: nbgrader's /usr/local/share/nbgrader/exchange, what a JupyterHub uses);
- LIVEDQN_FAST: autograde in fast mode (default 1: small budgets, shipped checkpoints; the
  exercises' checks do not depend on the mode). Kernels started by nbgrader inherit it.
"""

import os

c = get_config()  # noqa: F821  (nbgrader provides get_config when it loads this file)

c.CourseDirectory.course_id = "livedqn-edu"
if os.environ.get("NBGRADER_EXCHANGE"):
    c.Exchange.root = os.environ["NBGRADER_EXCHANGE"]

os.environ.setdefault("LIVEDQN_FAST", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# per cell; a full-mode training cell takes minutes, a fast-mode one seconds. A timed-out
# cell scores 0, so be generous.
c.Execute.timeout = 900
# the solution cells of the source notebooks must reach the check cells
c.ClearSolutions.enforce_metadata = True
