"""Views and API modules read through selectors only: no ``.objects.`` in them.

A selector takes the user where the data is tenant-owned, so a read that forgot its scope
cannot hide in a view (the unscoped product lookup that revealed which ids exist did)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "catalogue", "standards", "procurement", "core")


def view_and_api_modules() -> list[Path]:
    modules: set[Path] = set()
    for app in APPS:
        modules.update((ROOT / app).glob("*views*.py"))
        modules.update((ROOT / app / "views").glob("*.py"))
        modules.update((ROOT / app / "api").glob("*.py"))
    return sorted(modules)


def objects_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "objects"
    ]


def test_the_scan_covers_every_view_and_api_module():
    names = {str(p.relative_to(ROOT)) for p in view_and_api_modules()}

    assert {
        "catalogue/views.py",
        "catalogue/api/views.py",
        "catalogue/api/serializers.py",
        "procurement/views/documents.py",
        "procurement/views/requisitions.py",
        "procurement/api/documents.py",
        "standards/api/serializers.py",
        "accounts/views.py",
    } <= names


def test_views_and_api_modules_read_models_only_through_selectors():
    reads = [read for path in view_and_api_modules() for read in objects_reads(path)]

    assert reads == [], "Read through the app's selectors.py instead:\n" + "\n".join(reads)
