"""No import hides inside a function without saying why.

A function-local import can hide a cycle against the layers that import-linter would
otherwise report; where one is needed (a heavy library loaded only by the worker, an app
registry that is not ready at import time), a comment on the line or the line above it
says so."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "catalogue", "standards", "procurement", "core", "config")


def app_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def modules_of_tests_and_bench() -> list[Path]:
    return sorted(path for folder in ("tests", "bench") for path in (ROOT / folder).rglob("*.py"))


def comment_above_block(
    lines: list[str], index: int, import_lines: frozenset[int] = frozenset()
) -> bool:
    """Whether a comment heads the run of import lines that ``lines[index]`` belongs to.

    ``import_lines`` (numbered from 1) holds every line of the module's import statements,
    so an import wrapped over several lines in parentheses stays part of the run."""
    while index > 0:
        index -= 1
        above = lines[index].strip()
        if above.startswith("#"):
            return True
        if not above.startswith(("from ", "import ")) and index + 1 not in import_lines:
            return False
    return False


def unexplained_local_imports(path: Path, root: Path = ROOT) -> list[str]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    import_lines = frozenset(
        number
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for number in range(node.lineno, node.end_lineno + 1)
    )
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if not isinstance(inner, ast.Import | ast.ImportFrom):
                continue
            here = lines[inner.lineno - 1]
            if "#" not in here and not comment_above_block(lines, inner.lineno - 1, import_lines):
                found.append(f"{path.relative_to(root)}:{inner.lineno}: {here.strip()}")
    return found


def test_the_scan_finds_a_local_import_without_a_comment(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "def explained():\n    # Loaded only by the worker.\n    import json\n    import io\n\n"
        "def hidden():\n    x = 1\n    import csv\n\n"
        "def wrapped():\n    # Loaded only by the worker.\n    from os import (\n        path,\n"
        "        sep,\n    )\n    import re\n"
    )

    found = unexplained_local_imports(module, root=tmp_path)

    assert [line.rsplit(": ", 1)[1] for line in found] == ["import csv"]


@pytest.mark.parametrize(
    "modules", [app_modules, modules_of_tests_and_bench], ids=["apps", "tests-and-bench"]
)
def test_every_function_local_import_says_why(modules):
    found = [line for path in modules() for line in unexplained_local_imports(path)]

    assert found == [], "Import at the top of the module, or comment why not:\n" + "\n".join(found)
