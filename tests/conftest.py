"""Shared test settings: headless plotting, quiet TensorFlow, one thread each."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("LIVEDQN_TF_THREADS", "2")

# Property tests draw the same examples on every run (CI included): a failure is reproducible and
# a clean clone never turns red on a lucky draw.
from hypothesis import settings  # noqa: E402

settings.register_profile("course", derandomize=True, database=None)
settings.load_profile("course")
