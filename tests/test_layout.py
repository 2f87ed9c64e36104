"""Where test code lives: fixtures only in tests/conftest.py, named as arguments, never
imported; the app, its jobs, benchmarks and scripts never import the tests."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
NOT_TESTS = ["app", "etl", "exports", "layers", "exitmap", "benchmarks", "scripts"]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree: ast.Module) -> list[tuple[str, list[str]]]:
    """(module, names) of every import statement, at any depth."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append(("." * node.level + (node.module or ""), [a.name for a in node.names]))
    return found


def _is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute | ast.Name) and (
        getattr(target, "attr", None) == "fixture" or getattr(target, "id", None) == "fixture"
    )


def _fixtures(tree: ast.Module) -> set[str]:
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and any(map(_is_fixture, node.decorator_list))
    }


def test_shared_fixtures_are_named_not_imported():
    shared = _fixtures(_tree(TESTS / "conftest.py"))
    assert {"engine", "demo_engine", "decided_demo_engine"} <= shared
    wrong = []
    for path in sorted(TESTS.rglob("*.py")):
        where = path.relative_to(ROOT)
        for module, names in _imports(_tree(path)):
            if module.split(".")[-1] == "conftest":
                wrong.append(f"{where}: imports from {module}")
            wrong += [f"{where}: imports the fixture {n}" for n in names if n in shared]
    assert wrong == []


def test_helpers_hold_no_fixtures():
    helpers = sorted((TESTS / "helpers").glob("*.py"))
    assert helpers
    assert {p.name: _fixtures(_tree(p)) for p in helpers} == {p.name: set() for p in helpers}


def test_nothing_outside_tests_imports_them():
    wrong = [
        f"{path.relative_to(ROOT)}: {module}"
        for folder in NOT_TESTS
        for path in sorted((ROOT / folder).rglob("*.py"))
        for module, _ in _imports(_tree(path))
        if module == "tests" or module.startswith("tests.")
    ]
    assert wrong == []
