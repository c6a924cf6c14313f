"""The code's shape: modules small enough to read in one sitting, no import circles, a pure scoring engine."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "tracker", "scoring")
MAX_LINES = 420   # "about 400": a module past this is split by concern


def modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports_at_load(path: Path, name: str, known: dict[str, Path]) -> set[str]:
    """Our modules that `name` imports as it loads: top-level statements only, not under TYPE_CHECKING and
    not inside functions (those run later, when every module is loaded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, ast.If | ast.Try):
                visit(node.body)
                visit(getattr(node, "orelse", []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, *([base] if base else [])])
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)

    visit(tree.body)
    ours = set()
    for target in found:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            ours.add(target)
    return ours


def test_no_module_is_past_about_four_hundred_lines() -> None:
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_no_import_circles() -> None:
    known = modules()
    graph = {name: imports_at_load(path, name, known) for name, path in known.items()}
    circles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    assert circles == []


def test_the_scoring_engine_imports_nothing_of_ours() -> None:
    known = modules()
    outside = {name: sorted(t for t in imports_at_load(path, name, known) if not t.startswith("scoring"))
               for name, path in known.items() if name.startswith("scoring")}
    assert {k: v for k, v in outside.items() if v} == {}


def test_the_tracker_is_grouped_by_concern() -> None:
    flat = sorted(p.stem for p in (ROOT / "tracker").glob("*.py") if p.stem != "__init__")
    assert len(flat) <= 8, flat
