"""Whether a product is compliant with the network code, kept on ``Product.is_compliant``.

A product is compliant when every standard still in force that it must meet has a
verified, unlapsed conformance to that standard's adopted version (or to a superseded
version still inside its transition period), and it has at least one such conformance.
The standards it must meet are those its category (or any ancestor category) requires,
and those it has had verified before: a product does not stay compliant by letting a
verified claim lapse. Claims awaiting verification, and rejected ones, count neither way.

This module computes it from the rows (the orderable rule asks it);
:mod:`catalogue.services.compliance` keeps the stored flag current.
"""

from collections import defaultdict
from collections.abc import Iterable

from catalogue.models import Category, Conformance, ConformanceStatus, Product
from standards.models import VersionStatus, standard_in_force


def _required_by_category() -> dict[int, set[int]]:
    """Standards in force required by each category, including those of its ancestors."""
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    direct: dict[int, set[int]] = defaultdict(set)
    for category_id, standard_id in Category.required_standards.through.objects.filter(
        standard_in_force("standard__")
    ).values_list("category_id", "standard_id"):
        direct[category_id].add(standard_id)
    required: dict[int, set[int]] = {}
    for category_id in parents:
        standards: set[int] = set()
        node: int | None = category_id
        seen: set[int] = set()
        while node is not None and node not in seen:
            seen.add(node)
            standards |= direct.get(node, set())
            node = parents.get(node)
        required[category_id] = standards
    return required


def compute(product_ids: Iterable[int]) -> dict[int, bool]:
    """Compliance of each product, from its rows (not from ``is_compliant``)."""
    ids = list(product_ids)
    required = _required_by_category()
    categories = dict(Product.objects.filter(pk__in=ids).values_list("pk", "category_id"))
    claimed: dict[int, set[int]] = defaultdict(set)
    covered: dict[int, set[int]] = defaultdict(set)
    rows = Conformance.objects.filter(
        standard_in_force("standard_version__standard__"),
        product_id__in=ids,
        status__in=[ConformanceStatus.VERIFIED, ConformanceStatus.LAPSED],
    ).values_list(
        "product_id", "standard_version__standard_id", "status", "standard_version__status"
    )
    for product_id, standard_id, status, version_status in rows:
        claimed[product_id].add(standard_id)
        if status == ConformanceStatus.VERIFIED and version_status in (
            VersionStatus.ADOPTED,
            VersionStatus.SUPERSEDED,
        ):
            covered[product_id].add(standard_id)
    result = {}
    for product_id, category_id in categories.items():
        needed = required.get(category_id, set()) | claimed[product_id]
        result[product_id] = bool(covered[product_id]) and needed <= covered[product_id]
    return result
