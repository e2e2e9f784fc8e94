"""Catalogue's entries in the service navigation and on the home pages (registered in
:meth:`catalogue.apps.CatalogueConfig.ready`; accounts composes them)."""

from accounts.models import Role, User
from accounts.presentation.navigation import Capability, register_capabilities, register_navigation
from catalogue import selectors


def _to_review(user: User) -> int:
    return (
        selectors.products_awaiting_review(user).count()
        + selectors.revisions_awaiting_review(user).count()
        + selectors.conformances_awaiting_review(user).count()
    )


def register() -> None:
    register_navigation("Catalogue", "catalogue:product_list", order=10)
    register_capabilities(
        Role.BUYER,
        Capability(
            "Browse the catalogue",
            "catalogue:product_list",
            "Search approved, standards-compliant products and their price breaks.",
            order=10,
        ),
    )
    register_capabilities(
        Role.CATALOGUE_MANAGER,
        Capability(
            "Review queue",
            "catalogue:review_queue",
            "Submitted listings, revisions and conformance claims awaiting a decision.",
            _to_review,
            order=10,
        ),
        Capability(
            "Browse the catalogue",
            "catalogue:product_list",
            "Everything published, with its conformance to the network code.",
            order=20,
        ),
    )
    register_capabilities(
        Role.SUPPLIER_EDITOR,
        Capability(
            "Your listings",
            "catalogue:supplier_product_list",
            "Create, edit and submit your products, price breaks and conformance claims.",
            order=10,
        ),
        Capability(
            "Upload listings from a spreadsheet",
            "catalogue:product_import",
            "Create or update many draft listings at once from a CSV file.",
            order=20,
        ),
    )
