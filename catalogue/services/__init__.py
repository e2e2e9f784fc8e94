"""Writes for the catalogue: one function per use case, atomic, locked and audited.

``from catalogue import services; services.product_submit(...)``: the use cases live in
the modules of this package (categories, listings, review, conformance, imports, lapsing,
compliance and the search index) and are re-exported here.
"""

from catalogue.services.categories import category_create, category_move, category_update
from catalogue.services.common import EDITABLE_STATUSES, require_editor, validated_sku
from catalogue.services.conformance import (
    conformance_claim,
    conformance_reject,
    conformance_verify,
)
from catalogue.services.imports import import_products
from catalogue.services.lapsing import conformance_lapse_due
from catalogue.services.listings import (
    product_create,
    product_submit,
    product_update,
    product_withdraw,
    revision_discard,
)
from catalogue.services.review import product_approve, product_reject

__all__ = [
    "EDITABLE_STATUSES",
    "category_create",
    "category_move",
    "category_update",
    "conformance_claim",
    "conformance_lapse_due",
    "conformance_reject",
    "conformance_verify",
    "import_products",
    "product_approve",
    "product_create",
    "product_reject",
    "product_submit",
    "product_update",
    "product_withdraw",
    "require_editor",
    "revision_discard",
    "validated_sku",
]
