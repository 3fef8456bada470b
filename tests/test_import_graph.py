"""No package of detente imports one that imports it back.

The graph is read from the source with :mod:`ast` (nothing is imported), at the
granularity of detente's top-level parts: each subpackage (``detente.io``,
``detente.validation``, ...) and each top-level module (``detente.bargaining``, ...) is one
node; an import of ``detente.X.Y`` from anywhere inside part ``P`` is an edge ``P -> X``.

What counts as an import:

* every ``import`` and ``from ... import`` statement, relative ones resolved, **including
  those inside functions** (the lazy imports that keep start-up light): a lazy import is
  still a dependency, and a cycle through one breaks as soon as both sides load;
* ``from detente import name`` counts as an import of ``detente.name`` when ``name`` is a
  part of detente (``from detente import progress``);
* imports under ``if TYPE_CHECKING:`` do not count: they never run;
* names the package root loads on first use (``detente/__init__.py``'s table of strings
  for ``importlib``) are not imports of the root; the root is no node.

The test fails with the cycles it finds, each as the chain of parts and one import
(file and line) for every edge of the chain.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

import detente

ROOT = Path(detente.__file__).parent


def _parts() -> set[str]:
    """The top-level parts of detente: subpackages and modules."""
    out = set()
    for p in ROOT.iterdir():
        if p.is_dir() and (p / "__init__.py").exists():
            out.add(p.name)
        elif p.suffix == ".py" and p.stem != "__init__":
            out.add(p.stem)
    return out


def _module_name(path: Path) -> tuple[str, bool]:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    is_pkg = parts[-1] == "__init__"
    if is_pkg:
        parts = parts[:-1]
    return ".".join(parts), is_pkg


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_pkg: bool) -> list[tuple[str, int]]:
    """``(imported module, line)`` of every import that runs, function-local ones included."""
    package = module if is_pkg else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:  # the else branch runs
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.append((target, node.lineno))
            # ``from detente import x`` / ``from detente.a import b``: b may be a module
            found.extend((f"{target}.{a.name}", node.lineno) for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, dict[str, tuple[str, int]]]:
    """Part -> imported part -> one place (file, line) of such an import."""
    parts = _parts()
    graph: dict[str, dict[str, tuple[str, int]]] = {p: {} for p in sorted(parts)}
    for path in sorted(ROOT.rglob("*.py")):
        module, is_pkg = _module_name(path)
        names = module.split(".")
        if len(names) < 2:  # the package root: its lazy names are strings, not imports
            continue
        src = names[1]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for target, line in _imports(tree, module, is_pkg):
            t = target.split(".")
            if len(t) < 2 or t[0] != "detente" or t[1] not in parts or t[1] == src:
                continue
            where = (str(path.relative_to(ROOT.parent)), line)
            graph[src].setdefault(t[1], where)
    return graph


def cycles(graph: dict[str, dict[str, tuple[str, int]]]) -> list[list[str]]:
    """Every strongly connected part of more than one node, as one cycle through it
    (Tarjan's algorithm, then a path back to the start inside the component)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    comps: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, {})):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    out = []
    for comp in comps:
        start, members = comp[0], set(comp)
        # breadth-first from start back to start within the component
        prev: dict[str, str] = {}
        frontier, seen = [start], {start}
        end = None
        while frontier and end is None:
            nxt = []
            for v in frontier:
                for w in sorted(graph[v]):
                    if w == start:
                        end = v
                        break
                    if w in members and w not in seen:
                        seen.add(w)
                        prev[w] = v
                        nxt.append(w)
                if end is not None:
                    break
            frontier = nxt
        path = [start]
        v = end
        while v is not None and v != start:
            path.insert(1, v)
            v = prev.get(v)
        out.append([*path, start])
    return out


def test_no_package_imports_one_that_imports_it_back():
    graph = import_graph()
    found = cycles(graph)
    lines = []
    for cyc in found:
        lines.append(" -> ".join(cyc))
        for a, b in itertools.pairwise(cyc):
            f, line = graph[a][b]
            lines.append(f"    {a} -> {b}: {f}:{line}")
    assert not found, "import cycles between parts of detente:\n" + "\n".join(lines)


def test_the_graph_sees_lazy_imports_and_skips_type_checking(tmp_path):
    src = """
from typing import TYPE_CHECKING
from detente.errors import InputError
if TYPE_CHECKING:
    from detente.report import charts
else:
    from detente import utility
def f():
    from detente.validation.runner import validate
    from . import sibling
"""
    got = {t for t, _ in _imports(ast.parse(src), "detente.io.deu", False)}
    assert {"detente.errors", "detente.validation.runner", "detente.utility"} <= got
    assert "detente.io.sibling" in got
    assert not any(t.startswith("detente.report") for t in got)


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b": ("x", 1)}, "b": {}}, []),
        ({"a": {"b": ("x", 1)}, "b": {"a": ("y", 2)}}, [["a", "b", "a"]]),
        (
            {"a": {"b": ("x", 1)}, "b": {"c": ("y", 2)}, "c": {"a": ("z", 3)}},
            [["a", "b", "c", "a"]],
        ),
    ],
)
def test_cycles_are_found(graph, expected):
    assert cycles(graph) == expected
