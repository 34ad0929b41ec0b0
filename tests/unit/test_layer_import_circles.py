"""The layer's modules import one another without a circle: a circle makes the import order matter (a module
half-initialised when the other asks for a name) and ties two reasons to change together."""

from __future__ import annotations

import ast
from pathlib import Path

LAYER = Path(__file__).resolve().parents[2] / "layers" / "common"
PACKAGE = "onecard"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(LAYER).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Every layer module that ``path`` imports, at module level or inside a function alike (a deferred import
    still makes a circle, only a later one); ``from a import b`` names a.b when b is a module."""
    this = _module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in found if name in modules and name != this}


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in (LAYER / PACKAGE).rglob("*.py")}
    modules = set(paths)
    return {name: imports_of(path, modules) for name, path in paths.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_layer_has_no_import_circle():
    assert circles(import_graph()) == []


def test_a_circle_of_three_modules_is_found_and_a_module_outside_it_is_not():
    graph = {"onecard.a": {"onecard.b"}, "onecard.b": {"onecard.c"}, "onecard.c": {"onecard.a"}, "onecard.d": set()}
    assert circles(graph) == [["onecard.a", "onecard.b", "onecard.c"]]


def test_imports_are_read_at_every_depth_and_relative_ones_resolved(tmp_path, monkeypatch):
    package = tmp_path / PACKAGE / "sub"
    package.mkdir(parents=True)
    (tmp_path / PACKAGE / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "one.py").write_text("def later():\n    from onecard.sub import two\n")
    (package / "two.py").write_text("from . import one\n")
    monkeypatch.setattr(f"{__name__}.LAYER", tmp_path)

    graph = import_graph()

    assert graph["onecard.sub.one"] >= {"onecard.sub.two"}
    assert graph["onecard.sub.two"] >= {"onecard.sub.one"}
    assert circles(graph) == [["onecard.sub.one", "onecard.sub.two"]]
