"""Procurement's panel on the product page: start a joint requisition or join an open one
(registered with :mod:`catalogue.presentation.panels` in
:meth:`procurement.apps.ProcurementConfig.ready`)."""

from typing import Any

from accounts.models import Role, User
from accounts.permissions import has_role
from catalogue.models import Product
from catalogue.policies import is_orderable
from catalogue.presentation.panels import ProductPanel, register_product_panel
from procurement.models import RequisitionStatus
from procurement.selectors import requisitions_visible_to

OPEN_REQUISITIONS_SHOWN = 5


def requisition_panel(user: User, product: Product) -> dict[str, Any] | None:
    """For a buyer and an orderable product: the open requisitions for it, soonest closing."""
    if not (has_role(user, Role.BUYER) and is_orderable(product)):
        return None
    open_requisitions = list(
        requisitions_visible_to(user)
        .filter(product=product, status=RequisitionStatus.OPEN)
        .select_related("lead_force")
        .order_by("closes_at")[:OPEN_REQUISITIONS_SHOWN]
    )
    return {"product": product, "open_requisitions": open_requisitions}


def register() -> None:
    register_product_panel(
        ProductPanel(
            name="requisition",
            template="procurement/_product_requisition_panel.html",
            context=requisition_panel,
        )
    )
