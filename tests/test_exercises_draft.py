"""The reference solutions still in docs/exercises-07-09-draft.md pass their checkers (those moved
into notebooks 07-09 are run there by nbval)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import livedqn_edu.exercises as exercises

DRAFT = Path(__file__).resolve().parents[1] / "docs" / "exercises-07-09-draft.md"


def test_every_draft_solution_passes_its_checker(capsys) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DRAFT.read_text(), re.S)
    namespace = {"np": np, **{k: getattr(exercises, k) for k in exercises.__all__}}
    passed = []
    for block in blocks:
        if "### BEGIN SOLUTION" in block:
            assert "### END SOLUTION" in block
        exec(block, namespace)  # noqa: S102  (the project's own draft)
        if "check_" in block and "def " not in block:
            passed.append(bool(namespace["result"]))
    solutions = sum("### BEGIN SOLUTION" in block for block in blocks)
    assert len(passed) == solutions and all(passed), capsys.readouterr().out
