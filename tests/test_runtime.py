import importlib
import random

import numpy as np
import pytest

import livedqn_edu
import livedqn_edu.runtime as runtime
from livedqn_edu.runtime import budget, is_fast, seed_everything, tf_threads


def test_budget_follows_livedqn_fast(monkeypatch):
    monkeypatch.setenv("LIVEDQN_FAST", "1")
    assert is_fast()
    assert budget(full=50_000, fast=2_000) == 2_000
    monkeypatch.setenv("LIVEDQN_FAST", "0")
    assert not is_fast()
    assert budget(full=50_000, fast=2_000) == 50_000
    monkeypatch.delenv("LIVEDQN_FAST")
    assert budget(full="full", fast="fast") == "full"


def test_seed_everything_makes_python_and_numpy_repeat():
    rng_a = seed_everything(7)
    first = (random.random(), np.random.rand(), rng_a.random())  # noqa: NPY002
    rng_b = seed_everything(7)
    second = (random.random(), np.random.rand(), rng_b.random())  # noqa: NPY002
    assert first == second
    seed_everything(8)
    assert random.random() != first[0]


def test_seed_everything_seeds_keras_when_tensorflow_is_loaded():
    tf = runtime.import_tensorflow()
    seed_everything(3)
    a = tf.random.uniform((3,)).numpy()
    seed_everything(3)
    b = tf.random.uniform((3,)).numpy()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        seed_everything(bad)


def test_tf_threads_reads_the_environment(monkeypatch):
    monkeypatch.setenv("LIVEDQN_TF_THREADS", "3")
    assert tf_threads() == 3
    monkeypatch.setenv("LIVEDQN_TF_THREADS", "many")
    with pytest.raises(ValueError, match="LIVEDQN_TF_THREADS must be a positive integer"):
        tf_threads()
    monkeypatch.setenv("LIVEDQN_TF_THREADS", "0")
    with pytest.raises(ValueError, match=">= 1"):
        tf_threads()


def test_import_tensorflow_sets_threads_once():
    tf = runtime.import_tensorflow()
    assert runtime.import_tensorflow() is tf
    assert tf.config.threading.get_intra_op_parallelism_threads() >= 1


def test_no_module_hides_a_function_of_the_same_name():
    # `import livedqn_edu.<name>` binds the module as an attribute of the package; a public
    # function of the same name would then be replaced by the module
    import pkgutil

    modules = {m.name for m in pkgutil.iter_modules(livedqn_edu.__path__)}
    assert not modules & set(livedqn_edu.__all__), modules & set(livedqn_edu.__all__)
    assert callable(livedqn_edu.budget) and livedqn_edu.budget is runtime.budget


@pytest.mark.parametrize(
    "name", ["budget", "import_tensorflow", "is_fast", "seed_everything", "FAST", "__version__"]
)
def test_top_level_names_stay_importable(name):
    module = importlib.import_module("livedqn_edu")
    assert hasattr(module, name)
