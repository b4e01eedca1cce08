"""`make slides`: a reveal.js deck per notebook, one slide per section heading, built offline."""

from html.parser import HTMLParser
from pathlib import Path

import nbformat

from livedqn_edu.cli import main
from livedqn_edu.slides import build_decks

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


class Slides(HTMLParser):
    """Counts top-level ``<section>`` elements (slides) and nested ones (sub-slides)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.slides = 0, 0

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.depth += 1
            self.slides += self.depth == 1

    def handle_endtag(self, tag):
        if tag == "section":
            self.depth -= 1


def headings(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    firsts = [c.source.strip().splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    return [x.lstrip("#").strip() for x in firsts if x.startswith(("# ", "## "))]


def test_every_notebook_gets_a_deck_with_a_slide_per_section(tmp_path):
    decks = build_decks(NOTEBOOKS, tmp_path)
    assert [d.name for d in decks] == [
        f"{p.stem}.slides.html" for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    ]
    for deck in decks:
        html = deck.read_text()
        parser = Slides()
        parser.feed(html)
        expected = headings(NOTEBOOKS / deck.name.replace(".slides.html", ".ipynb"))
        assert parser.slides == len(expected) > 1, deck.name
        assert parser.depth == 0
        assert "HIDDEN TESTS" not in html and "must_pass" not in html
        assert "https://unpkg.com/reveal.js" in html  # viewing loads reveal.js from a CDN


def test_a_local_reveal_copy_can_replace_the_cdn(tmp_path, capsys):
    out = tmp_path / "slides"
    assert main(["slides", str(out), "--reveal-prefix", "reveal.js"]) == 0
    html = (out / "04_dqn_cartpole.slides.html").read_text()
    assert 'href="reveal.js/dist/reveal.css"' in html and "unpkg.com/reveal.js" not in html
    assert main(["slides", str(tmp_path / "x"), "--source", str(tmp_path / "noteboks")]) == 2
    assert "noteboks does not exist" in capsys.readouterr().err
