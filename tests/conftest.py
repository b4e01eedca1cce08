"""Shared test settings: headless plotting, quiet TensorFlow, one thread each."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("LIVEDQN_TF_THREADS", "2")
