"""The modules of livedqn_edu.envs and livedqn_edu.recsys import each other without cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "livedqn_edu"


def imports_of(path: Path) -> set[str]:
    """Every livedqn_edu module imported anywhere in ``path`` (top level or inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("livedqn_edu"):
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("livedqn_edu"))
    return found


def graph(subpackage: str) -> dict[str, set[str]]:
    folder = PACKAGE / subpackage
    modules = {f"livedqn_edu.{subpackage}.{p.stem}": p for p in folder.glob("*.py")}
    modules = {name.removesuffix(".__init__"): p for name, p in modules.items()}
    return {name: imports_of(p) & set(modules) - {name} for name, p in modules.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


@pytest.mark.parametrize("subpackage", ["envs", "recsys"])
def test_no_import_cycle(subpackage: str) -> None:
    cycle = find_cycle(graph(subpackage))
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
