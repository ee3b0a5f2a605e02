"""harness/ reads as the data flows (docs/architecture.md): each folder is a
stage, and no import, at a module's top or inside a function, runs back up
from a stage to a later one. The stages, earliest first, are STAGES: the
viewers (load) come before the scenario checked against what they declare,
and the generator that plays a scenario with them after both."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import harness

PACKAGE = Path(harness.__file__).parent
STAGES = ("spec", "measure", "platforms", "faults", "load", "scenario", "generator", "runfolder",
          "judge", "report", "outputs", "run", "orchestrate", "calibrate", "starter", "cli")
ROOT_FILES = {"__init__.py": "spec", "__main__.py": "cli"}  # the version; `python -m harness`


def stage_of(root: Path, path: Path) -> str:
    """The stage of the module at `path` under the package folder `root`."""
    parts = path.relative_to(root).parts
    if len(parts) == 1:
        return ROOT_FILES[parts[0]]
    return parts[0]


def module_path(root: Path, name: str) -> Path | None:
    """The file of the module `name` (harness.x.y) under `root`, if it is one."""
    relative = Path(*name.split(".")[1:])
    if not relative.parts:
        return root / "__init__.py"
    for candidate in (root / relative.with_suffix(".py"), root / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported(root: Path, path: Path) -> list[tuple[int, Path]]:
    """(line, file) of every harness module `path` imports, wherever in it."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == root.name:
            for alias in node.names:
                target = module_path(root, f"{node.module}.{alias.name}") or \
                    module_path(root, node.module)
                found += [(node.lineno, target)] if target else []
        elif isinstance(node, ast.Import):
            for alias in node.names:
                target = module_path(root, alias.name) if alias.name.startswith(
                    f"{root.name}.") else None
                found += [(node.lineno, target)] if target else []
    return found


def upward(root: Path) -> list[str]:
    """Every import from a stage to a later one, as FILE:LINE: from -> to."""
    rank = {name: index for index, name in enumerate(STAGES)}
    problems = []
    for path in sorted(root.rglob("*.py")):
        here = stage_of(root, path)
        for line, target in imported(root, path):
            there = stage_of(root, target)
            if rank[there] > rank[here]:
                problems.append(f"{path.relative_to(root)}:{line}: {here} -> {there} "
                                f"({target.relative_to(root)})")
    return problems


def test_every_folder_is_a_stage_and_nothing_lies_loose():
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert folders == set(STAGES)
    assert {p.name for p in PACKAGE.glob("*.py")} == set(ROOT_FILES)


def test_no_import_runs_back_up_a_stage():
    assert upward(PACKAGE) == []


@pytest.mark.parametrize("where, planted, caught", [
    ("measure/window.py", "from harness.judge.verdict import judge\n", True),  # measure -> judge
    ("measure/window.py", "def late():\n    from harness.judge import verdict\n", True),
    ("measure/window.py", "import harness.run.session\n", True),
    ("measure/window.py", "from harness.spec.errors import InvalidInput\n", False),  # down: fine
    ("load/viewer.py", "from harness.scenario.model import Leaving\n", True),  # load -> scenario
    ("load/viewer.py", "from harness.generator.schedule import Schedule\n", True),
    ("scenario/model.py", "def late():\n    from harness.generator import schedule\n", True),
    ("scenario/model.py", "from harness.load.viewer import Viewer\n", False),  # scenario -> load
    ("generator/schedule.py", "from harness.scenario.model import Leaving\n", False),
])
def test_a_planted_upward_import_is_caught(tmp_path, where, planted, caught):
    root = tmp_path / "harness"
    for folder in ("spec", "measure", "load", "scenario", "generator", "judge", "run"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "spec" / "errors.py").write_text("class InvalidInput(Exception): ...\n")
    (root / "load" / "viewer.py").write_text("class Viewer: ...\n")
    (root / "scenario" / "model.py").write_text("class Leaving: ...\n")
    (root / "generator" / "schedule.py").write_text("class Schedule: ...\n")
    (root / "judge" / "verdict.py").write_text("def judge(): ...\n")
    (root / "run" / "session.py").write_text("")
    (root / where).write_text('"""A module."""\n' + planted)
    problems = upward(root)
    assert bool(problems) == caught and all(p.startswith(f"{where}:") for p in problems)


def module_circles(root: Path) -> list[list[str]]:
    """The import circles among the modules under `root`, by the imports at a
    module's top (inside `if TYPE_CHECKING:` too): each a list of module files.
    A module importing a sibling also imports its own package first, so
    `root`'s packages count as modules, their own submodules aside."""
    graph: dict[Path, set[Path]] = {}
    for path in sorted(root.rglob("*.py")):
        body = ast.parse(path.read_text()).body
        body += [n for node in body if isinstance(node, ast.If) for n in node.body]
        found: set[Path] = set()
        for node in body:
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                for end in range(2, len(parts) + 1):  # the packages on the way in, too
                    target = module_path(root, ".".join(parts[:end]))
                    if target is not None and target != path and not (
                            target.name == "__init__.py" and path.is_relative_to(target.parent)):
                        found.add(target)
        graph[path] = found
    return [[str(p.relative_to(root)) for p in sorted(c)] for c in _strong(graph) if len(c) > 1]


def _strong(graph: dict[Path, set[Path]]) -> list[list[Path]]:
    """Tarjan's strongly connected components."""
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    components: list[list[Path]] = []

    def visit(node: Path) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            components.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return components


def test_no_module_imports_one_that_imports_it_back():
    assert module_circles(PACKAGE) == []


def test_a_planted_circle_is_found(tmp_path):
    root = tmp_path / "harness"
    (root / "measure").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "measure" / "__init__.py").write_text("")
    (root / "measure" / "a.py").write_text("from harness.measure.b import B\nA = 1\n")
    (root / "measure" / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                           "    from harness.measure.a import A\nB = 2\n")
    assert module_circles(root) == [["measure/a.py", "measure/b.py"]]
    (root / "measure" / "b.py").write_text("B = 2\n")
    assert module_circles(root) == []
