"""What pyproject.toml declares matches what the code imports, the Pythons it claims and conda."""

import ast
import json
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import livedqn_edu

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirements() -> tuple[list[str], list[str]]:
    project = _pyproject()["project"]
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


def _imports(sources: list[str]) -> set[str]:
    """Top-level names of every absolute import in the given Python sources."""
    names = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def _notebook_code() -> list[str]:
    sources = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                lines = "".join(cell["source"]).splitlines()
                sources.append("\n".join(x for x in lines if not x.lstrip().startswith(("%", "!"))))
    return sources


def _undeclared(modules: set[str], declared: set[str]) -> set[str]:
    """Third-party modules whose distribution is not in ``declared``."""
    owners = metadata.packages_distributions()
    missing = set()
    for module in modules - set(sys.stdlib_module_names) - {"livedqn_edu", "__future__"}:
        dists = {d.lower().replace("_", "-") for d in owners.get(module, [module])}
        if not dists & declared:
            missing.add(f"{module} (from {sorted(dists)})")
    return missing


def test_every_library_the_package_and_notebooks_import_is_declared():
    runtime, _ = _requirements()
    code = [p.read_text() for p in (ROOT / "livedqn_edu").rglob("*.py")] + _notebook_code()
    assert not _undeclared(_imports(code), {_name(r) for r in runtime})


def test_every_library_the_tests_import_is_declared():
    runtime, dev = _requirements()
    code = [p.read_text() for p in (ROOT / "tests").rglob("*.py")]
    assert not _undeclared(_imports(code), {_name(r) for r in runtime + dev})


def test_the_code_parses_on_the_oldest_python_it_claims():
    claim = _pyproject()["project"]["requires-python"]
    major, minor = map(int, re.fullmatch(r">=(\d+)\.(\d+)", claim).groups())
    assert sys.version_info[:2] >= (major, minor)
    assert _pyproject()["tool"]["ruff"]["target-version"] == f"py{major}{minor}"
    for path in [*ROOT.glob("livedqn_edu/**/*.py"), *ROOT.glob("tests/*.py")]:
        ast.parse(path.read_text(), feature_version=(major, minor))
    doctor = (ROOT / "livedqn_edu" / "checkup.py").read_text()
    assert f"sys.version_info >= ({major}, {minor})" in doctor


def test_the_version_is_written_once():
    project = _pyproject()["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert _pyproject()["tool"]["setuptools"]["dynamic"]["version"]["attr"] == (
        "livedqn_edu.__version__"
    )
    assert metadata.version("livedqn-edu") == livedqn_edu.__version__


def test_environment_yml_lists_the_same_requirements_as_pyproject():
    runtime, dev = _requirements()
    assert sorted(_environment_pip()) == sorted(runtime + dev)


def test_environment_yml_installs_the_package_itself():
    text = (ROOT / "environment.yml").read_text()
    assert "- -e .[dev]" in text
    claim = _pyproject()["project"]["requires-python"]
    assert f"- python{claim}" in text


def test_required_runtime_and_dev_packages_are_declared():
    runtime, dev = _requirements()
    assert {_name(r) for r in runtime} >= {
        "tensorflow",
        "keras",
        "gymnasium",
        "numpy",
        "matplotlib",
        "pandas",
        "tqdm",
        "ipywidgets",
        "jupyterlab",
        "nbformat",
        "nbclient",
        "ipython",
        "jupyterlab-language-pack-zh-cn",
    }
    assert {_name(r) for r in dev} >= {"pytest", "nbval", "hypothesis", "ruff", "nbgrader"}
    tf = next(r for r in runtime if _name(r) == "tensorflow")
    assert ">=2.16" in tf  # Keras 3


def test_ci_runs_make_test():
    run = (ROOT / ".ci" / "run").read_text()
    assert "make test" in run and "set -e" in run
