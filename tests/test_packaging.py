"""pyproject.toml and environment.yml must install the same packages."""

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~ ;]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject() -> tuple[list[str], list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"], project["optional-dependencies"]["dev"]


def _environment_pip() -> list[str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    reqs = []
    for line in lines[start + 1 :]:
        m = re.match(r"^\s+- (.+)$", line)
        if not m:
            break
        reqs.append(m.group(1).strip())
    return [r for r in reqs if not r.startswith("-e")]


def test_environment_yml_lists_the_same_requirements_as_pyproject():
    runtime, dev = _pyproject()
    assert sorted(_environment_pip()) == sorted(runtime + dev)


def test_environment_yml_installs_the_package_itself():
    assert "- -e .[dev]" in (ROOT / "environment.yml").read_text()


def test_required_runtime_and_dev_packages_are_declared():
    runtime, dev = _pyproject()
    assert {_name(r) for r in runtime} >= {
        "tensorflow",
        "gymnasium",
        "numpy",
        "matplotlib",
        "pandas",
        "tqdm",
        "ipywidgets",
        "jupyterlab",
    }
    assert {_name(r) for r in dev} >= {"pytest", "nbval", "hypothesis", "ruff"}
    tf = next(r for r in runtime if _name(r) == "tensorflow")
    assert ">=2.16" in tf  # Keras 3


def test_ci_runs_make_test():
    run = (ROOT / ".ci" / "run").read_text()
    assert "make test" in run and "set -e" in run
