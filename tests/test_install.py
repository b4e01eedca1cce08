"""`pip install .` (not editable) works away from the repository: doctor, data, notebook 00.

A fresh virtualenv gets the package built from this checkout as a wheel. To stay cheap it
borrows the already installed dependencies: a ``.pth`` line adds the test environment's
site-packages to the fresh one's path (appended after its own site-packages, and without
running that environment's ``.pth`` files, so the editable install there stays invisible). Then,
from an unrelated folder, ``livedqn-edu doctor`` must find the shipped data inside the installed
package and notebook 00 must run top to bottom with that package.
"""

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(args: list, cwd: Path, env: dict, timeout: int = 600) -> str:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("install")
    venv, elsewhere = tmp / "venv", tmp / "elsewhere"
    elsewhere.mkdir()
    base = getattr(sys, "_base_executable", sys.executable)
    env = {k: v for k, v in os.environ.items() if k not in {"LIVEDQN_DATA", "PYTHONPATH"}}
    env["LIVEDQN_FAST"] = "1"
    run([base, "-m", "venv", venv], tmp, env)
    python = venv / "bin" / "python"
    own = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp, env)
    Path(own.strip(), "borrowed-dependencies.pth").write_text(site.getsitepackages()[0] + "\n")
    # a copy of the checkout without its build leftovers; pip builds the wheel in isolation
    source = tmp / "checkout"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".venv*", ".git", "build", "*.egg-info", "test-artifacts"),
    )
    run([python, "-m", "pip", "install", "--quiet", str(source)], elsewhere, env)
    shutil.rmtree(source)
    return python, elsewhere, env


def test_the_installed_package_and_its_data_are_used(installed):
    python, elsewhere, env = installed
    out = run(
        [
            python,
            "-c",
            "import livedqn_edu, livedqn_edu.manifest as m; "
            "print(livedqn_edu.__file__); print(m.data_dir()); print(livedqn_edu.__version__)",
        ],
        elsewhere,
        env,
    )
    module, data, version = out.split()
    venv = python.parent.parent
    assert Path(module).is_relative_to(venv) and Path(data).is_relative_to(venv), out
    assert Path(data).name == "_data" and (Path(data) / "MANIFEST.json").is_file()
    import livedqn_edu

    assert version == livedqn_edu.__version__


def test_doctor_passes_from_another_folder(installed):
    python, elsewhere, env = installed
    doctor = python.parent / "livedqn-edu"
    out = run([doctor, "doctor", "--no-render"], elsewhere, env)
    assert "All good" in out and "shipped files match their checksums" in out


def test_notebook_00_runs_with_the_installed_package(installed):
    python, elsewhere, env = installed
    nb = nbformat.read(ROOT / "notebooks" / "00_welcome.ipynb", as_version=4)
    where = "import sys, livedqn_edu\nprint('kernel:', sys.executable, livedqn_edu.__file__)"
    nb.cells.append(nbformat.v4.new_code_cell(where))
    nbformat.write(nb, elsewhere / "00_welcome.ipynb")
    script = (
        "import nbformat; from nbclient import NotebookClient; "
        "nb = nbformat.read('00_welcome.ipynb', as_version=4); "
        "NotebookClient(nb, timeout=600, kernel_name='python3').execute(); "
        "nbformat.write(nb, 'ran.ipynb')"
    )
    run([python, "-c", script], elsewhere, env)
    nb = nbformat.read(elsewhere / "ran.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "All good" in text
    kernel = next(x for x in text.splitlines() if x.startswith("kernel:")).split()[1:]
    venv = python.parent.parent
    assert all(Path(x).is_relative_to(venv) for x in kernel), kernel
