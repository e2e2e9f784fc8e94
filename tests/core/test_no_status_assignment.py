"""Nothing but ``core/state.py`` changes a status: the source of every app is read to make sure.

A status is changed by assigning the attribute (``obj.status = ...``), ``setattr``,
``queryset.update(status=...)``, ``update_or_create(defaults={"status": ...})`` or
``bulk_update(..., ["status"])``. Creating a row in its first status (the constructor,
``create``, ``get_or_create``) is not a change and is allowed.
"""

import ast
from pathlib import Path

import pytest

from core.state import MACHINES

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "catalogue", "standards", "procurement", "core", "config"]
SKIPPED_DIRECTORIES = {"migrations", "tests", "bench", "__pycache__"}
THE_MECHANISM = ROOT / "core" / "state.py"


def managed_fields() -> set[str]:
    return {"status"} | {machine.field_name for machine in MACHINES.values()}


def modules() -> list[Path]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if SKIPPED_DIRECTORIES & set(path.relative_to(ROOT).parts):
                continue
            if path != THE_MECHANISM:
                found.append(path)
    return found


def _names(node: ast.AST | None, fields: set[str]) -> list[str]:
    """The managed field names a literal list, tuple, set or string holds."""
    if isinstance(node, ast.Constant) and node.value in fields:
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in fields]
    return []


def _dict_keys(node: ast.AST | None, fields: set[str]) -> list[str]:
    if isinstance(node, ast.Dict):
        return [k.value for k in node.keys if isinstance(k, ast.Constant) and k.value in fields]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        return [k.arg for k in node.keywords if k.arg in fields]
    return []


def _assigned_attributes(target: ast.AST) -> list[ast.Attribute]:
    if isinstance(target, ast.Attribute):
        return [target]
    if isinstance(target, ast.Tuple | ast.List):
        return [a for element in target.elts for a in _assigned_attributes(element)]
    if isinstance(target, ast.Starred):
        return _assigned_attributes(target.value)
    return []


def status_changes(source: str, fields: set[str]) -> list[tuple[int, str]]:
    """Each (line, what) of ``source`` that changes a managed field other than by creating."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for attribute in _assigned_attributes(target):
                if attribute.attr in fields:
                    found.append((node.lineno, f"assigns .{attribute.attr}"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        keywords = {k.arg: k.value for k in node.keywords}
        if name == "setattr" and len(node.args) >= 2:
            for field in _names(node.args[1], fields):
                found.append((node.lineno, f'setattr(..., "{field}", ...)'))
        elif name == "update":
            for keyword in node.keywords:
                if keyword.arg in fields:
                    found.append((node.lineno, f".update({keyword.arg}=...)"))
                if keyword.arg is None:
                    for field in _dict_keys(keyword.value, fields):
                        found.append((node.lineno, f'.update(**{{"{field}": ...}})'))
        elif name in ("update_or_create", "aupdate_or_create"):
            # ``defaults`` change a row that exists (``create_defaults`` only create one).
            for field in _dict_keys(keywords.get("defaults"), fields):
                found.append((node.lineno, f'update_or_create(defaults={{"{field}"...}})'))
        elif name in ("bulk_update", "abulk_update"):
            given = keywords.get("fields", node.args[1] if len(node.args) >= 2 else None)
            for field in _names(given, fields):
                found.append((node.lineno, f'bulk_update(..., ["{field}", ...])'))
    return sorted(found)


def test_no_module_changes_a_status_outside_the_state_machines():
    fields = managed_fields()
    problems = []
    for path in modules():
        for line, what in status_changes(path.read_text(), fields):
            problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not problems, (
        "A status changes only through its model's StateMachine (core/state.py: apply, "
        "apply_many, change). Found:\n" + "\n".join(problems)
    )


def test_the_scan_reads_every_app_and_skips_migrations_tests_and_the_mechanism():
    paths = {str(p.relative_to(ROOT)) for p in modules()}
    assert "catalogue/services/listings.py" in paths and "config/settings.py" in paths
    assert "standards/services/voting.py" in paths  # a package's modules are read too
    assert {"procurement/services/closing.py", "procurement/services/documents.py"} <= paths
    assert "core/state.py" not in paths
    assert not [p for p in paths if "/migrations/" in p]


def test_the_machines_of_every_app_are_known():
    models = {model._meta.label for model in MACHINES}
    assert {
        "catalogue.Product",
        "catalogue.ProductRevision",
        "catalogue.Conformance",
        "standards.Proposal",
        "standards.StandardVersion",
        "procurement.JointRequisition",
        "procurement.Participation",
        "procurement.Order",
        "procurement.Document",
    } <= models


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("product.status = 'published'", "assigns .status"),
        ("a.x, b.status = 1, 2", "assigns .status"),
        ("order.status += 'x'", "assigns .status"),
        ("order.status: str = 'x'", "assigns .status"),
        ("setattr(product, 'status', 'published')", 'setattr(..., "status", ...)'),
        ("Document.objects.filter(pk=1).update(status='queued')", ".update(status=...)"),
        ("qs.update(**{'status': 'queued', 'error': ''})", '.update(**{"status": ...})'),
        ("qs.update(**dict(status='queued'))", '.update(**{"status": ...})'),
        (
            "Product.objects.update_or_create(sku='x', defaults={'status': 'draft'})",
            'update_or_create(defaults={"status"...})',
        ),
        ("Version.objects.bulk_update(rows, ['status'])", 'bulk_update(..., ["status", ...])'),
        (
            "M.objects.bulk_update(rows, fields=('error', 'status'))",
            'bulk_update(..., ["status", ...])',
        ),
    ],
)
def test_each_way_of_changing_a_status_is_found_with_its_line(source, what):
    assert status_changes(f"import x\n{source}\n", {"status"}) == [(2, what)]


@pytest.mark.parametrize(
    "source",
    [
        "Product(status='draft', sku='x')",
        "Product.objects.create(status='published')",
        "Product.objects.get_or_create(sku='x', defaults={'status': 'published'})",
        "Product.objects.filter(status='published').update(is_compliant=True)",
        "if product.status == 'published': pass",
        "M.objects.bulk_update(rows, ['lapses_at'])",
        "status = 200",
        "return_value = response.status_code",
    ],
)
def test_creating_reading_and_other_fields_are_not_status_changes(source):
    assert status_changes(source, {"status"}) == []
