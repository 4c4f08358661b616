"""The package layout stays readable: small modules, no import cycles, no names that shadow others' modules."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

IMPORTER = Path(__file__).resolve().parent.parent / "importer"
MAX_LINES = 600
DEPENDENCIES = {
    "pandas",
    "pyarrow",
    "openpyxl",
    "lxml",
    "python_calamine",
    "phonenumbers",
    "httpx",
    "tqdm",
    "yaml",
    "click",
}


def _modules() -> dict[str, Path]:
    """Dotted module name → file, for every module of the package."""
    found: dict[str, Path] = {}
    for path in sorted(IMPORTER.rglob("*.py")):
        parts = list(path.relative_to(IMPORTER.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules ``name`` imports (``from pkg import mod`` counts as ``pkg.mod``)."""
    edges: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            edges.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if target in modules:
                    edges.add(target)
                elif base in modules:
                    edges.add(base)
    edges.discard(name)
    return edges


def test_no_module_is_over_600_lines() -> None:
    """Every module of importer/ fits in about one screenful of a few hundred lines."""
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_module_shadows_the_standard_library_or_a_dependency() -> None:
    """No module or package is named like a stdlib module or a package the project uses (inspect.py, arrow.py)."""
    clashes = {
        name
        for name in _modules()
        if (stem := name.rpartition(".")[2]) in sys.stdlib_module_names or stem in DEPENDENCIES
    }
    assert clashes == set()


def test_there_are_no_import_cycles() -> None:
    """The modules' imports (type-only ones included) form no cycle."""
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
