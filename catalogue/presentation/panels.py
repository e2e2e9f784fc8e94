"""Panels that higher apps add to the product page (procurement's "buy it together").

Catalogue sits below procurement and imports none of it: procurement registers a panel
from its ``AppConfig.ready()`` and the product page renders whatever is registered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.models import User
from catalogue.models import Product


@dataclass(frozen=True)
class ProductPanel:
    name: str
    template: str
    # The panel's context for this user and product, or None when it is not for them.
    context: Callable[[User, Product], dict[str, Any] | None]


PRODUCT_PANELS: list[ProductPanel] = []


def register_product_panel(panel: ProductPanel) -> None:
    """Show ``panel`` in the product page's side column (in the order registered)."""
    if all(known.name != panel.name for known in PRODUCT_PANELS):  # ready() may run twice
        PRODUCT_PANELS.append(panel)


def product_panels(user: User, product: Product) -> list[dict[str, Any]]:
    """The panels this user sees on this product's page, each a name, template and context."""
    shown = []
    for panel in PRODUCT_PANELS:
        context = panel.context(user, product)
        if context is not None:
            shown.append({"name": panel.name, "template": panel.template, "context": context})
    return shown
