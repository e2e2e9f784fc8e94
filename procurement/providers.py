"""Procurement's answer to the network code: how much each force has bought of the products
a proposal would touch (registered with :mod:`standards.providers` in
:meth:`procurement.apps.ProcurementConfig.ready`)."""

from collections.abc import Sequence

from django.db.models import Sum

from procurement.models import OrderLine, OrderStatus
from standards.providers import Purchase, PurchasesProvider, register_purchases_provider

# Orders count as bought once awarded, until cancelled.
BOUGHT_ORDER_STATUSES = [OrderStatus.PLACED, OrderStatus.CONTRACTED]


def bought(product_ids: Sequence[int]) -> list[Purchase]:
    lines = (
        OrderLine.objects.filter(
            order__joint_requisition__product_id__in=list(product_ids),
            order__status__in=BOUGHT_ORDER_STATUSES,
        )
        .values("order__joint_requisition__product_id", "force_id", "force__slug", "force__name")
        .annotate(quantity=Sum("quantity"))
        .order_by("force__name", "order__joint_requisition__product_id")
    )
    return [
        Purchase(
            product_id=line["order__joint_requisition__product_id"],
            force_id=line["force_id"],
            force_slug=line["force__slug"],
            force_name=line["force__name"],
            quantity=line["quantity"],
        )
        for line in lines
    ]


def register() -> None:
    register_purchases_provider(PurchasesProvider(bought=bought))
