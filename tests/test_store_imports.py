"""The import graphs of ``cqpkit.store`` and ``cqpkit.plugins`` have no cycle (issue 14: « no import loop »).

Walked with :mod:`ast`, not by importing: every ``import`` statement counts, at module level, inside a
function or under ``if TYPE_CHECKING`` (an import deferred into a function is still a loop between
the two modules, only hidden). Only the edges between modules of the walked packages are kept.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cqpkit
import pytest

PACKAGE_ROOT = Path(cqpkit.__file__).resolve().parent.parent  # the directory holding ``cqpkit/``
WALKED = ("cqpkit.store", "cqpkit.plugins")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(package: str) -> dict[str, Path]:
    base = PACKAGE_ROOT.joinpath(*package.split("."))
    return {_module_name(p): p for p in sorted(base.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """The modules of ``known`` that ``name`` imports, each with the line of the statement."""
    is_package = path.name == "__init__.py"
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the package of this module
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                base = node.module or ""
            # ``from pkg import sub`` imports the submodule ``pkg.sub``; ``from pkg import Name``, the package.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for target in targets:
            while target and target not in known:  # ``import a.b.c`` where only ``a.b`` is walked
                target = target.rpartition(".")[0]
            if target and target != name:
                out.append((target, node.lineno))
    return list(dict.fromkeys(out))  # ``from m import a, b``: one edge


def _graph() -> tuple[dict[str, list[tuple[str, int]]], dict[str, Path]]:
    paths: dict[str, Path] = {}
    for package in WALKED:
        paths.update(_modules(package))
    known = set(paths)
    return {name: _imports(name, path, known) for name, path in paths.items()}, paths


def _cycles(graph: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w, _ in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _describe(component: list[str], graph: dict[str, list[tuple[str, int]]], paths: dict[str, Path]) -> str:
    inside = set(component)
    edges = [
        f"    {a} → {b} ({paths[a].relative_to(PACKAGE_ROOT)}:{line})" for a in component for b, line in graph[a] if b in inside
    ]
    return f"  cycle {' ↔ '.join(component)}:\n" + "\n".join(edges)


def test_the_walk_sees_the_store_modules():
    """The walk finds the store's modules and their imports (an empty graph would pass the cycle test)."""
    graph, _ = _graph()
    assert {"cqpkit.store.store", "cqpkit.store.importing", "cqpkit.store.jury", "cqpkit.plugins.registry"} <= set(graph)
    assert {"cqpkit.store.importing", "cqpkit.store.jury", "cqpkit.store.base"} <= {b for b, _ in graph["cqpkit.store.store"]}
    # a function-level import counts: migration 2 rebuilds the deadlines
    assert "cqpkit.store.deadlines" in {b for b, _ in graph["cqpkit.store.migrations"]}


def test_the_cycle_finder_finds_a_cycle():
    """Two modules importing each other (one inside a function) are one cycle, named with its lines."""
    graph = {"a": [("b", 3)], "b": [("c", 5)], "c": [("a", 40)], "d": [("a", 1)]}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", WALKED)
def test_no_import_cycle(package):
    """No loop among the modules of ``cqpkit.store`` (nor of ``cqpkit.plugins``), function-level imports included."""
    graph, paths = _graph()
    cycles = [c for c in _cycles(graph) if any(m == package or m.startswith(package + ".") for m in c)]
    assert not cycles, "cycle(s) d'imports :\n" + "\n".join(_describe(c, graph, paths) for c in cycles)


def test_no_test_pause_in_the_store():
    """The pause the fault tests need is a fixture on a hook point, not a sleep switched by the environment."""
    for name, path in _modules("cqpkit.store").items():
        text = path.read_text(encoding="utf-8")
        assert "sleep" not in text, f"{name} : time.sleep dans le code du store"
        assert "CQPKIT_TEST_" not in text, f"{name} : variable d'environnement de test dans le code du store"
