"""The layers import one way: foundation (kentrag.core) → ingest, index → answering (kentrag.answer) → app, CLI,
eval, bench. Read from the source with `ast`, so the test loads none of the modules it checks."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

PROJECT = Path(__file__).resolve().parent.parent
# Each package of the production code: its folder, and its layer (a package may import its own layer or lower).
PACKAGES = {
    "kentrag.core": (PROJECT / "kentrag" / "core", 0),
    "kentrag.ingest": (PROJECT / "ingest", 1),
    "kentrag.index": (PROJECT / "index", 1),
    "kentrag.answer": (PROJECT / "kentrag" / "answer", 2),
    "kentrag.app": (PROJECT / "app", 3),
    "kentrag.eval": (PROJECT / "eval", 3),
    "kentrag.bench": (PROJECT / "bench", 3),
    "kentrag.cli": (PROJECT / "kentrag" / "cli.py", 3),
    "kentrag.train": (PROJECT / "kentrag" / "train", 3),
}
OLD_TOP_LEVEL = {"index", "ingest", "app", "eval", "bench"}


def package_of(module: str) -> str | None:
    """The production package a dotted module name belongs to (None: outside kentrag, or the kentrag root)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "kentrag" and len(parts) > 1 else None


def imported_modules(path: Path, package: str) -> list[str]:
    """The absolute names of every module a file imports (relative imports resolved against its package)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.append(".".join([*base, node.module or ""]).rstrip("."))
            else:
                names.append(node.module or "")
    return names


def source_files(root: Path) -> list[Path]:
    """A package's Python files (none for a folder not made yet)."""
    return [root] if root.is_file() else sorted(root.rglob("*.py"))


def import_graph() -> dict[str, set[str]]:
    """Package → the other production packages it imports."""
    graph: dict[str, set[str]] = defaultdict(set)
    for package, (root, _) in PACKAGES.items():
        for path in source_files(root):
            for module in imported_modules(path, package):
                assert module.split(".")[0] not in OLD_TOP_LEVEL, f"{path}: imports {module}, not kentrag.{module}"
                target = package_of(module)
                if target is not None and target != package:
                    assert target in PACKAGES, f"{path}: imports {module}, which belongs to no known layer"
                    graph[package].add(target)
    return graph


def layering_violations(graph: dict[str, set[str]], layers: dict[str, int]) -> list[str]:
    """Each import of a higher layer, and each pair of packages importing each other."""
    problems = []
    for package, targets in graph.items():
        for target in sorted(targets):
            if layers[target] > layers[package]:
                problems.append(f"{package} (layer {layers[package]}) imports {target} (layer {layers[target]})")
            if package in graph.get(target, ()) and package < target:
                problems.append(f"{package} and {target} import each other")
    return problems


def test_production_code_imports_only_its_own_layer_or_lower_and_no_two_packages_import_each_other() -> None:
    graph = import_graph()
    assert graph["kentrag.answer"] >= {"kentrag.core", "kentrag.index"}, "the graph was not read"
    assert layering_violations(graph, {p: layer for p, (_, layer) in PACKAGES.items()}) == []


def test_the_check_finds_an_upward_import_and_a_cycle() -> None:
    layers = {"kentrag.core": 0, "kentrag.index": 1, "kentrag.ingest": 1, "kentrag.answer": 2}
    upward = {"kentrag.index": {"kentrag.answer"}}
    cycle = {"kentrag.index": {"kentrag.ingest"}, "kentrag.ingest": {"kentrag.index"}}
    assert layering_violations(upward, layers) == ["kentrag.index (layer 1) imports kentrag.answer (layer 2)"]
    assert layering_violations(cycle, layers) == ["kentrag.index and kentrag.ingest import each other"]


def test_every_production_file_belongs_to_a_layer() -> None:
    listed = {path for root, _ in PACKAGES.values() for path in source_files(root)}
    roots = {PROJECT / "kentrag" / "__init__.py"}  # the package root only sets the offline environment
    assert set((PROJECT / "kentrag").rglob("*.py")) - listed - roots == set()
