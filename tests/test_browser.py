"""The course in a real browser: `make lab`, headless Chromium, run all cells, look at the page.

JupyterLab is started by ``make lab`` itself (so with the course's settings: the news pop-up is
off) on a free port, over a temporary copy of the notebooks (JupyterLab autosaves). Playwright
drives Debian's Chromium (``LIVEDQN_CHROMIUM``, default /usr/bin/chromium; ``make test``
installs it when missing; no browser is downloaded). For notebook 00 and the training notebook
04, in fast mode, the test runs every cell and asserts that the kernel started, that no cell
holds an error output (in the notebook model, then in the saved file), that what a learner
should see is in the page (00: the doctor's verdict; 04: a tqdm progress bar and a figure), and
that the news pop-up never showed. A last test switches the lab to Simplified Chinese the way
the README says (Settings > Language). Screenshots go to ``test-artifacts/browser/``.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("LIVEDQN_CHROMIUM", "/usr/bin/chromium")
NOTEBOOKS = ["00_welcome.ipynb", "04_dqn_cartpole.ipynb"]
NEWS = "official Jupyter news"

RUN_ALL = """async (name) => {
  const app = window.jupyterapp, panel = app.shell.currentWidget;
  await panel.context.ready;
  await panel.sessionContext.ready;
  const ok = await app.commands.execute('notebook:run-all-cells');
  while (panel.sessionContext.session?.kernel?.status !== 'idle')
    await new Promise(r => setTimeout(r, 200));
  await app.commands.execute('docmanager:save');
  const errors = [], cells = panel.content.model.cells;
  let unrun = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    if (c.executionCount === null && c.sharedModel.getSource().trim()) unrun += 1;
    for (const o of c.outputs.toJSON())
      if (o.output_type === 'error') errors.push([i, o.ename, o.evalue]);
  }
  return {ok, errors, unrun, kernel: panel.sessionContext.session?.kernel?.name ?? null};
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``make lab`` on a free port over a copy of two notebooks; yields (url, token, folder)."""
    assert Path(CHROMIUM).is_file(), (
        f"no Chromium at {CHROMIUM}: run `make test` (it installs Debian's chromium as root) "
        "or set LIVEDQN_CHROMIUM"
    )
    tmp = tmp_path_factory.mktemp("lab")
    folder = tmp / "notebooks"
    folder.mkdir()
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / name, folder)
    port, token = free_port(), secrets.token_hex(16)
    args = (
        f"--no-browser --ServerApp.port_retries=0 --IdentityProvider.token={token} "
        "--LabApp.expose_app_in_browser=True"
    )
    env = {
        **os.environ,
        "LIVEDQN_FAST": "1",
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "user-settings"),  # no settings of this machine
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
    }
    log = open(tmp / "lab.log", "w")  # noqa: SIM115  (closed below)
    server = subprocess.Popen(
        ["make", "-s", "lab", f"PORT={port}", f"LAB_DIR={folder}", f"LAB_ARGS={args}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "JupyterLab did not start:\n" + (tmp / "lab.log").read_text()[-3000:]
                    ) from None
                time.sleep(1)
        yield url, token, folder
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
            ],
        )
        yield chromium
        chromium.close()


SCROLL_TO_OUTPUT = """async (mime) => {
  const panel = window.jupyterapp.shell.currentWidget, cells = panel.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type === 'code' && c.outputs.toJSON().some(o => o.data && mime in o.data)) {
      panel.content.activeCellIndex = i;
      await panel.content.scrollToItem(i, 'start');
      return i;
    }
  }
  return -1;
}"""


def shoot(page, name: str, mime: str | None = None) -> Path:
    """Screenshot the page, scrolled to the first cell with an output of type ``mime``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    if mime is not None:
        assert page.evaluate(SCROLL_TO_OUTPUT, mime) >= 0, f"no {mime} output"
        page.wait_for_timeout(1000)
    path = SHOTS / name
    page.screenshot(path=str(path))
    return path


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_clean_in_jupyterlab(lab, browser, name):
    url, token, folder = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(f"{url}/lab/tree/{name}?token={token}")
    page.wait_for_selector("#jupyterlab-splash", state="detached")
    page.wait_for_function(f"window.jupyterapp?.shell.currentWidget?.title.label === '{name}'")
    result = page.evaluate(RUN_ALL, name)
    stem = name.removesuffix(".ipynb")
    shoot(page, f"{stem}-after-run.png")
    assert result["kernel"] == "python3", result
    assert result["errors"] == [], result["errors"]
    assert result["ok"] and result["unrun"] == 0, result
    saved = json.loads((folder / name).read_text())
    saved_errors = [
        (i, o.get("ename"))
        for i, c in enumerate(saved["cells"])
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]
    assert saved_errors == []
    if stem.startswith("00"):  # no figure here: the doctor's verdict is what a learner reads
        verdict = page.locator(".jp-OutputArea-output", has_text="All good: the course is ready")
        assert verdict.count() == 1
        verdict.scroll_into_view_if_needed()
    else:  # the training notebook: a live progress bar (ipywidgets) and figures
        bars = page.locator(".jp-OutputArea-output .widget-hprogress")
        assert bars.count() >= 1, "no tqdm progress bar rendered"
        shoot(page, f"{stem}-progress.png", "application/vnd.jupyter.widget-view+json")
        figures = page.locator(".jp-OutputArea .jp-RenderedImage img")
        assert figures.count() >= 1, "no figure rendered"
        assert figures.first.evaluate("img => img.naturalWidth") > 100  # decoded, not broken
        shoot(page, f"{stem}-figure.png", "image/png")
    assert page.get_by_text(NEWS).count() == 0, "JupyterLab's news pop-up is showing"
    page.close()


def test_the_lab_switches_to_simplified_chinese(lab, browser):
    """The language pack ships with the course: Settings > Language > 中文 works."""
    url, token, _ = lab
    with urllib.request.urlopen(f"{url}/lab/api/translations?token={token}") as response:
        languages = json.load(response)["data"]
    assert "zh_CN" in languages, sorted(languages)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/lab?token={token}")
    page.wait_for_selector("#jupyterlab-splash", state="detached")
    page.get_by_role("menuitem", name="Settings").click()
    page.get_by_text("Language", exact=True).hover()
    page.get_by_text("中文 (简体, 中国)").click()  # JupyterLab asks before reloading
    page.get_by_role("button", name="Change and reload").click()
    page.get_by_role("menuitem", name="文件").wait_for()  # "File", after the reload
    page.wait_for_selector("#jupyterlab-splash", state="detached")
    page.wait_for_timeout(1000)
    shoot(page, "lab-zh_CN.png")
    page.close()
