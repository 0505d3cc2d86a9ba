"""No import cycle inside the posecheck package (issue 18).

The graph is built from the source with `ast`: every `import posecheck...` and `from posecheck... import`
statement anywhere in a module counts — at module level, inside functions and under TYPE_CHECKING —
so a cycle cannot hide in a deferred import. `from posecheck.x import y` is an edge to `posecheck.x`,
and to `posecheck.x.y` when that is a module. Relative imports are not used in posecheck.
"""

from __future__ import annotations

import ast
from pathlib import Path

import posecheck

PACKAGE_DIR = Path(posecheck.__file__).parent


def module_name(path: Path) -> str:
    """The dotted module name of a source file in the package."""
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(tree: ast.AST) -> set[str]:
    """Every module name an import statement in `tree` names (absolute imports only)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import: extend this test"
            names.add(node.module or "")
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """posecheck module -> the posecheck modules it imports (itself excluded)."""
    sources = {module_name(path): path for path in PACKAGE_DIR.rglob("*.py")}
    return {
        name: {target for target in imported_names(ast.parse(path.read_text(encoding="utf-8"))) if target in sources}
        - {name}
        for name, path in sources.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules, the first repeated at the end), or None (depth-first search)."""
    state: dict[str, str] = {}  # "open" while on the path, "done" when every path from it was followed
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 30 and "posecheck.batch" in graph["posecheck.cli"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_search_finds_a_cycle() -> None:
    """The search itself: a deferred import back from b to a is a cycle."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    tree = ast.parse("import os\ndef f():\n    from posecheck.cli import main\n")
    assert "posecheck.cli" in imported_names(tree)
