"""The package's layout (DESIGN section 3): rooms that import only downward, no import cycle
(imports inside functions included), small modules, and a docstring on every room."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"
MAX_LINES = 450

# Each room and the rooms it may import from (besides itself). The leaf modules ``errors``,
# ``version`` and ``memo`` may be imported by anyone; the package root and ``__main__`` sit above
# everything.
BELOW = {
    "errors": set(),
    "version": set(),
    "memo": set(),
    "treaty": {"errors"},
    "geo": {"errors"},
    "engine": {"errors", "treaty", "geo"},
    "scenario": {"errors", "version", "treaty", "geo", "engine"},
    "measures": {"errors", "version", "treaty", "geo", "engine", "scenario"},
    "outputs": {"errors", "version", "treaty", "geo", "engine", "scenario", "measures"},
    "experiments": {"errors", "version", "treaty", "geo", "engine", "scenario", "measures",
                    "outputs"},
    "api": {"errors", "version", "treaty", "geo", "engine", "scenario", "measures", "outputs",
            "experiments"},
    "cli": {"errors", "version", "treaty", "geo", "engine", "scenario", "measures", "outputs",
            "experiments", "api"},
}
for _room, _below in BELOW.items():
    if _room != "memo":
        _below.add("memo")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """Every ``simulator`` module that ``name`` imports, wherever the import statement is (at the
    top, in a function, under ``TYPE_CHECKING``): ``from pkg import mod`` counts as ``pkg.mod``."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in MODULES and t != name}
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def room(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "simulator"


def test_no_import_cycle() -> None:
    """Depth-first search for a back edge; the message shows the whole cycle."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


def test_rooms_import_only_downward() -> None:
    wrong = []
    for name, targets in sorted(GRAPH.items()):
        here = room(name)
        if here in ("simulator", "__main__"):
            continue
        allowed = BELOW[here] | {here}
        wrong += [f"{name} imports {t}" for t in sorted(targets) if room(t) not in allowed]
    assert not wrong, "imports that run upward or sideways:\n" + "\n".join(wrong)


def test_treaty_and_geo_know_nothing_of_each_other() -> None:
    for name, targets in GRAPH.items():
        if room(name) in ("treaty", "geo"):
            other = {"treaty": "geo", "geo": "treaty"}[room(name)]
            assert not {t for t in targets if room(t) == other}, name


def test_every_module_is_small() -> None:
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_every_room_says_what_it_holds_and_may_import() -> None:
    for name, path in MODULES.items():
        if path.name == "__init__.py":
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            assert doc, f"{name} has no docstring"
            if name != "simulator":
                assert "import" in doc.lower(), f"{name}: say what it may import"


def test_every_room_of_the_design_exists() -> None:
    rooms = {room(n) for n in MODULES if n.count(".") >= 1}
    assert {"scenario", "treaty", "geo", "engine", "experiments", "measures", "outputs",
            "cli"} <= rooms
