"""The package's layers: imports run only downward (docs/architecture.md), counting imports
inside functions; no import cycle between its parts; no module over 800 lines.

Run by `make lint` and with the rest of the suite.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "tougen_pub"
PACKAGE = "tougen_pub"
MAX_LINES = 800

# Each top-level part of the package and its layer: a part may import its own modules and
# parts of lower layers only (never a sibling of the same layer, never upward).
LAYERS: dict[str, int] = {
    # leaves: import nothing of ours but lower leaves
    "__init__": 0,
    "diagnostics": 0,
    "options": 0,
    "paths": 0,
    "progress": 0,
    "ja": 0,
    "urls": 0,
    "parallel": 0,
    "output": 1,
    "records": 2,
    # core
    "config": 3,
    "importers": 3,  # blog export → manuscript files: the lowest layers only
    "model": 4,
    "assets": 5,
    "ingest": 6,
    "transforms": 6,
    "check": 6,
    "render": 7,
    "epub": 8,
    "pdf": 8,
    "pipeline": 9,
    "doctor": 10,
    "cli": 11,
    "__main__": 12,
    "devtools": 12,
}


def part_of(module: str) -> str:
    """``tougen_pub.pdf.parts.plan`` → ``pdf``; ``tougen_pub`` → ``__init__``."""
    names = module.split(".")
    return names[1] if len(names) > 1 else "__init__"


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        names = list(rel.parts)
        if names[-1] == "__init__":
            names = names[:-1]
        yield ".".join(names), path


def imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every module of ours that ``module`` imports, anywhere in the file, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield target, node.lineno


def edges() -> list[tuple[str, str, str]]:
    """(importing part, imported part, where) for imports between different parts."""
    found = []
    for module, path in modules():
        for target, line in imports(module, path):
            if target != PACKAGE and not target.startswith(PACKAGE + "."):
                continue
            a, b = part_of(module), part_of(target)
            if a != b:
                found.append((a, b, f"{path.relative_to(SRC.parent)}:{line}"))
    return found


def test_every_part_has_a_layer() -> None:
    parts = {part_of(m) for m, _ in modules()}
    assert parts - LAYERS.keys() == set(), "add the new part to LAYERS and docs/architecture.md"


def test_imports_run_only_downward() -> None:
    upward = [
        f"{where}: {a} (layer {LAYERS[a]}) imports {b} (layer {LAYERS[b]})"
        for a, b, where in edges()
        if a in LAYERS and b in LAYERS and LAYERS[b] >= LAYERS[a]
    ]
    assert upward == []


def test_no_cycle_between_parts() -> None:
    graph: dict[str, set[str]] = {}
    for a, b, _ in edges():
        graph.setdefault(a, set()).add(b)
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, node])):
                return cycle
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            assert visit(start, []) is None


@pytest.mark.parametrize("path", [p for _, p in modules()], ids=lambda p: p.name)
def test_no_module_over_800_lines(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{path.relative_to(SRC.parent)}: {lines} lines; split it"


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from tougen_pub.pipeline import build_book\n")
    assert list(imports("tougen_pub.model", source)) == [("tougen_pub.pipeline", 2)]
