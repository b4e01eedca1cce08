"""Lecture slides: one reveal.js deck (a single HTML file) per notebook, built with nbconvert.

Slide boundaries are the ones ``livedqn-edu classroom prepare`` derives from the lesson's
section headings (every ``#``/``##`` markdown cell opens a slide); they are applied again here in
memory, so a deck is right even for a notebook edited since the last ``make prepare``. The deck
shows the notebook as saved, outputs and figures included (images are embedded), with the
hidden grading blocks left out.

Building needs no network. Viewing does: the deck loads reveal.js (``unpkg.com``), require.js,
jQuery and MathJax from public CDNs unless ``reveal_prefix`` points to a local copy of reveal.js
(see README: Presenting a lesson).
"""

from __future__ import annotations

from pathlib import Path

from livedqn_edu.classroom import course_notebooks
from livedqn_edu.markers import HIDDEN_BEGIN, HIDDEN_END, spans
from livedqn_edu.notebook_metadata import prepare_notebook

__all__ = ["deck_notebook", "build_decks"]


def deck_notebook(nb, name: str):
    """A copy of the notebook as shown on slides: slide metadata applied, hidden tests removed."""
    nb = prepare_notebook(nb, name)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        for begin, end in reversed(spans(cell.source, HIDDEN_BEGIN, HIDDEN_END, f"{name} {index}")):
            del lines[begin : end + 1]
        cell.source = "\n".join(lines)
    return nb


def build_decks(source: Path, out_dir: Path, reveal_prefix: str | None = None) -> list[Path]:
    """Write ``<out_dir>/<notebook>.slides.html`` for every course notebook of ``source``.

    Args:
        source: the folder of course notebooks.
        out_dir: where the decks go (created; only the decks' own files are replaced).
        reveal_prefix: URL or relative path of reveal.js (default: nbconvert's CDN URL).

    Returns:
        The decks written, sorted.
    """
    import nbformat
    from nbconvert import SlidesExporter

    paths = course_notebooks(source)
    exporter = SlidesExporter()
    if reveal_prefix:
        exporter.reveal_url_prefix = reveal_prefix
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        nb = deck_notebook(nbformat.read(path, as_version=4), path.name)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        target = out_dir / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written
