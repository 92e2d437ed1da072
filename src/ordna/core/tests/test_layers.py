"""The house's shape (docs/architecture.md): every app imports only the floors below it, and no module
imports itself back through others.

Read from the source with `ast`, so an import hidden inside a function counts as much as one at the top.
Tests are left out: a test may exercise the whole composition.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]  # src/ordna

# The floors, lowest first. An app may import its own modules and those of any lower floor; apps on the same
# floor do not import each other. Modules directly in `ordna/` (settings, urls, api, wsgi) compose the whole
# product and sit on the top floor, except `environment`, the settings parser, which is ground.
FLOORS: list[set[str]] = [
    {"core", "environment"},
    {"people"},
    {"notifications"},
    {"applications"},
    {"accounts", "devices", "suppliers"},
    {"lifecycle"},
    {"connectors"},
    {"feeds"},
    {"support"},
    {"releases"},
    {"reviews"},
    {"reports"},
    {"home", "demo", "cli", "settings", "urls", "api", "wsgi", "conftest"},
]
FLOOR_OF = {app: number for number, apps in enumerate(FLOORS) for app in apps}
TOP = len(FLOORS) - 1  # the composition: its modules may import each other


def _sources() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        module = ".".join(("ordna", *parts))
        yield module.removesuffix(".__init__"), path


def _imports(module: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every `ordna` module that `path` imports, the names of `from x import y` resolved
    to the submodule `x.y` where one exists."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                submodule = PACKAGE.joinpath(*candidate.split(".")[1:])
                yield node.lineno, candidate if (submodule.with_suffix(".py").exists() or submodule.is_dir()) else base


def _app(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else ""


def test_every_app_is_on_a_floor() -> None:
    apps = {_app(module) for module, _path in _sources()} - {""}
    assert apps - FLOOR_OF.keys() == set(), "put the new app on a floor in FLOORS and in docs/architecture.md"


def test_no_import_climbs_a_floor() -> None:
    climbs = []
    for module, path in _sources():
        mine = FLOOR_OF.get(_app(module))
        for line, imported in _imports(module, path):
            if not imported.startswith("ordna."):
                continue
            theirs, other = FLOOR_OF.get(_app(imported)), _app(imported)
            if mine is None or theirs is None or other == _app(module):
                continue
            if theirs > mine or (theirs == mine and mine < TOP):
                climbs.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {imported}")
    assert climbs == []


def test_no_import_circle() -> None:
    graph: dict[str, set[str]] = {}
    known = {module for module, _path in _sources()}
    for module, path in _sources():
        graph[module] = {imported for _line, imported in _imports(module, path) if imported in known}
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                circles.append([*trail[trail.index(imported) :], imported])
            elif imported not in state:
                visit(imported, [*trail, imported])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert [" -> ".join(circle) for circle in circles] == []


# A module a newcomer can read in one sitting: migrations (generated) are left out; tests count too.
MAX_LINES = 620


def test_no_module_is_over_about_600_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, "split these by subject, as docs/architecture.md describes"
