"""Reads for joint requisitions: scoped query sets and the live figures.

Who sees what:
- an open requisition is visible to the buyers and finance users of every force (so that
  others can join); any requisition is visible to the members of a force that leads it or
  takes part in it, and to the ICT company; a supplier sees requisitions awarded to it;
- an order is visible to the forces with a line on it, to its supplier and to the ICT
  company. What a force may see *inside* a requisition or order (other forces' delivery
  addresses, cost centres, notes and approvals are private) is decided by
  ``accounts.permissions.can_see_participation_details``.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Membership, OrganisationKind, Role, User
from accounts.permissions import (
    forces_where,
    is_ict_company_member,
    memberships_of,
    organisations_of,
)
from catalogue.models import Product
from catalogue.policies import orderable_products
from procurement import arithmetic
from procurement.models import (
    Approval,
    Document,
    DocumentKind,
    JointRequisition,
    OcdsRelease,
    Order,
    OrderLine,
    OrderStatus,
    Participation,
    ParticipationStatus,
    ProcurementThreshold,
    RequisitionStatus,
)
from procurement.policies.pledging import open_for_pledges_q

# Participations that count towards the pooled quantity at each stage.
PLEDGED = (ParticipationStatus.ACTIVE,)
IN_ORDER = (ParticipationStatus.AWAITING_APPROVAL, ParticipationStatus.APPROVED)


def _force_ids(user: User) -> list[int]:
    return [o.pk for o in organisations_of(user, kind=OrganisationKind.FORCE)]


def requisitions_visible_to(user: User) -> QuerySet[JointRequisition]:
    if not getattr(user, "is_authenticated", False):
        return JointRequisition.objects.none()
    requisitions = JointRequisition.objects.select_related("product", "lead_force")
    if is_ict_company_member(user):
        return requisitions
    condition = Q(pk__in=[])
    open_to_all = {Role.BUYER, Role.FINANCE}
    if any(
        m.role in open_to_all and m.organisation.kind == OrganisationKind.FORCE
        for m in memberships_of(user)
    ):
        condition |= Q(status=RequisitionStatus.OPEN)
    force_ids = _force_ids(user)
    if force_ids:
        condition |= Q(lead_force_id__in=force_ids) | Q(
            Exists(
                Participation.objects.filter(
                    joint_requisition=OuterRef("pk"), force_id__in=force_ids
                )
            )
        )
    supplier_ids = [o.pk for o in organisations_of(user, kind=OrganisationKind.SUPPLIER)]
    if supplier_ids:
        condition |= Q(order__supplier_id__in=supplier_ids)
    return requisitions.filter(condition)


def participations_visible_to(user: User) -> QuerySet[Participation]:
    return Participation.objects.filter(
        joint_requisition__in=requisitions_visible_to(user).values("pk")
    ).select_related("force", "joint_requisition", "joint_requisition__lead_force")


def orders_visible_to(user: User) -> QuerySet[Order]:
    if not getattr(user, "is_authenticated", False):
        return Order.objects.none()
    orders = Order.objects.select_related(
        "supplier", "joint_requisition", "joint_requisition__product"
    )
    if is_ict_company_member(user):
        return orders
    supplier_ids = [o.pk for o in organisations_of(user, kind=OrganisationKind.SUPPLIER)]
    force_ids = _force_ids(user)
    return orders.filter(
        Q(supplier_id__in=supplier_ids)
        | Exists(OrderLine.objects.filter(order=OuterRef("pk"), force_id__in=force_ids))
    )


def force_ids_of(user: User) -> set[int]:
    return set(_force_ids(user))


def sees_every_line(user: User, order: Order) -> bool:
    """The supplier and the ICT company see every line of an order; a force its own."""
    return is_ict_company_member(user) or any(
        o.pk == order.supplier_id for o in organisations_of(user, kind=OrganisationKind.SUPPLIER)
    )


def order_lines_visible_to(user: User, order: Order) -> list[OrderLine]:
    lines = order.lines.select_related("force").order_by("force__name")
    if sees_every_line(user, order):
        return list(lines)
    return list(lines.filter(force_id__in=_force_ids(user)))


def with_participations(queryset: QuerySet[JointRequisition]) -> QuerySet[JointRequisition]:
    """Prefetch participations (with their forces): constant queries. The price breaks are
    the requisition's own (locked when it opened)."""
    return queryset.prefetch_related(
        Prefetch(
            "participations",
            queryset=Participation.objects.select_related("force").order_by("force__name"),
        ),
    )


@dataclass(frozen=True)
class LockedBreak:
    """A price break as recorded on a requisition when it opened."""

    min_quantity: int
    unit_price: Decimal


def lock_price_breaks(product: Product) -> list[dict]:
    """The product's breaks now, as recorded on a requisition that opens (the price lock)."""
    return [
        {"min_quantity": b.min_quantity, "unit_price": f"{b.unit_price:.2f}"}
        for b in sorted(product.price_breaks.all(), key=lambda b: b.min_quantity)
    ]


def price_breaks_of(requisition: JointRequisition) -> list[LockedBreak]:
    """The breaks a requisition is priced from: those locked when it opened, never the
    product's current ones."""
    return [
        LockedBreak(int(row["min_quantity"]), Decimal(str(row["unit_price"])))
        for row in sorted(requisition.locked_price_breaks, key=lambda r: int(r["min_quantity"]))
    ]


def counted_participations(requisition: JointRequisition) -> list[Participation]:
    """The participations that count now: pledged while open, in the order after close."""
    statuses = PLEDGED if requisition.status == RequisitionStatus.OPEN else IN_ORDER
    return [p for p in requisition.participations.all() if p.status in statuses]


def requisition_aggregation(requisition: JointRequisition) -> arithmetic.Aggregation:
    """The live figures of a requisition (one function for the page and the API).

    While open they are indicative, from the quantities pledged so far; once closed the
    same quantities give the figures fixed at close (the pooled price is stored).
    """
    breaks = price_breaks_of(requisition)
    counted = counted_participations(requisition)
    return arithmetic.aggregate(breaks, [(p.pk, p.quantity) for p in counted])


def estimated_share_with_vat(
    requisition: JointRequisition, participation: Participation
) -> Decimal | None:
    """A pledged share including VAT at the pooled price of the quantities pledged so far
    (from the locked breaks), or None when it cannot be priced."""
    breaks = price_breaks_of(requisition)
    counted = counted_participations(requisition)
    if not breaks or participation.pk not in {p.pk for p in counted}:
        return None
    try:
        pool = arithmetic.pool(breaks, [(p.pk, p.quantity) for p in counted], settings.VAT_RATE)
    except arithmetic.AmountTooLarge:
        return None
    return pool.share_for(participation.pk).total


def approval_warning(
    requisition: JointRequisition, participation: Participation, limit: Decimal | None
) -> str | None:
    """The buyer's warning when no finance approver of the force could approve the share
    as pledged (``procurement.policies.approval``)."""
    from procurement.policies.approval import uncovered_warning

    amount = estimated_share_with_vat(requisition, participation)
    if amount is None:
        return None
    return uncovered_warning(participation.force, amount, limit)


def approval_warning_for(participation: Participation) -> str | None:
    """The same warning, loading what it needs (after a join or a change)."""
    from procurement.policies.approval import highest_approval_limit

    requisition = with_participations(
        JointRequisition.objects.filter(pk=participation.joint_requisition_id)
    ).get()
    current = next(p for p in requisition.participations.all() if p.pk == participation.pk)
    return approval_warning(requisition, current, highest_approval_limit(current.force))


def saving_for_joining(
    requisition: JointRequisition, quantity: int, pledged: int | None = None
) -> arithmetic.JoiningSaving | None:
    breaks = price_breaks_of(requisition)
    if not breaks or quantity < 1:
        return None
    if pledged is None:
        pledged = sum(p.quantity for p in counted_participations(requisition))
    return arithmetic.saving_by_joining(breaks, pledged, quantity)


def open_requisitions_to_join(user: User) -> QuerySet[JointRequisition]:
    """Open requisitions the user's buying forces are not (actively) part of yet."""
    force_ids = [o.pk for o in forces_where(user, Role.BUYER)]
    return with_participations(
        requisitions_visible_to(user)
        .filter(open_for_pledges_q(now()))
        .exclude(
            Exists(
                Participation.objects.filter(
                    joint_requisition=OuterRef("pk"),
                    force_id__in=force_ids,
                    status=ParticipationStatus.ACTIVE,
                )
            )
        )
        .order_by("closes_at", "pk")
    )


def approval_queue_for(user: User) -> QuerySet[Participation]:
    """Shares awaiting a decision by the finance approvers of the user's forces."""
    force_ids = [o.pk for o in forces_where(user, Role.FINANCE)]
    return (
        Participation.objects.filter(
            force_id__in=force_ids,
            status=ParticipationStatus.AWAITING_APPROVAL,
            joint_requisition__status=RequisitionStatus.CLOSED,
        )
        .select_related("force", "joint_requisition", "joint_requisition__product", "entered_by")
        .prefetch_related(
            Prefetch("approvals", queryset=Approval.objects.select_related("approver")),
            "quantity_changes",
        )
        .order_by("joint_requisition__closed_at", "pk")
    )


def finance_approvers(force_id: int) -> list[Membership]:
    return list(
        Membership.objects.filter(organisation_id=force_id, role=Role.FINANCE)
        .select_related("user")
        .order_by("-approval_limit", "user__email")
    )


def threshold_in_force(kind: str, day: datetime.date) -> ProcurementThreshold | None:
    """The threshold with the latest ``effective_from`` on or before ``day``."""
    return (
        ProcurementThreshold.objects.filter(kind=kind, effective_from__lte=day)
        .order_by("-effective_from")
        .first()
    )


def threshold_measure(threshold: ProcurementThreshold, *, net: Decimal, gross: Decimal) -> Decimal:
    """The amount to compare with a threshold: including VAT unless it says otherwise."""
    return gross if threshold.includes_vat else net


def reaches(threshold: ProcurementThreshold | None, *, net: Decimal, gross: Decimal) -> bool:
    if threshold is None:
        return False
    return threshold_measure(threshold, net=net, gross=gross) >= threshold.amount


@dataclass(frozen=True)
class EarlierOrder:
    order_id: int
    number: str
    awarded_at: datetime.datetime
    net: Decimal
    total: Decimal


def earlier_orders_by_force(
    *, product_id: int, force_ids: list[int], since: datetime.datetime
) -> dict[int, list[EarlierOrder]]:
    """Each force's lines on orders for the product awarded since ``since`` (one query)."""
    rows = (
        OrderLine.objects.filter(
            force_id__in=force_ids,
            order__joint_requisition__product_id=product_id,
            order__created_at__gte=since,
        )
        .exclude(order__status=OrderStatus.CANCELLED)
        .values_list("force_id", "order_id", "order__number", "order__created_at", "share", "total")
        .order_by("order__created_at")
    )
    found: dict[int, list[EarlierOrder]] = {}
    for force_id, order_id, number, created_at, net, total in rows:
        found.setdefault(force_id, []).append(
            EarlierOrder(order_id, number, created_at, net, total)
        )
    return found


def commercial_queue() -> dict[str, QuerySet[JointRequisition]]:
    """For the commercial lead: to sign off, to award, and what is still with the forces."""
    base = JointRequisition.objects.select_related("product", "lead_force", "product__supplier")
    approved = base.filter(status=RequisitionStatus.APPROVED).order_by("closed_at", "pk")
    return {
        "to_sign_off": approved.filter(needs_sign_off=True, signed_off_at__isnull=True),
        "to_award": approved.filter(Q(needs_sign_off=False) | Q(signed_off_at__isnull=False)),
        "awaiting_approval": base.filter(status=RequisitionStatus.CLOSED).order_by(
            "closed_at", "pk"
        ),
    }


def products_to_requisition(query: str = "") -> QuerySet[Product]:
    """Orderable products (``catalogue.policies``), for the product picker."""
    products = orderable_products().select_related("supplier", "category").order_by("name", "pk")
    for word in query.split()[:8]:
        products = products.filter(
            Q(name__icontains=word)
            | Q(summary__icontains=word)
            | Q(sku__icontains=word)
            | Q(supplier__name__icontains=word)
            | Q(category__cpv_code__icontains=word)
        )
    return products


def pledged_quantity(requisition: JointRequisition) -> int:
    return (
        requisition.participations.filter(status=ParticipationStatus.ACTIVE).aggregate(
            total=Sum("quantity")
        )["total"]
        or 0
    )


def now() -> datetime.datetime:
    return timezone.now()


def documents_visible_to(user) -> QuerySet[Document]:
    """The ICT company sees every document; the supplier its orders' documents; a force the
    contracts of orders it takes part in and its own purchase orders."""
    documents = Document.objects.select_related("order", "force")
    if not user.is_authenticated:
        return documents.none()
    if user.is_staff or is_ict_company_member(user):
        return documents
    suppliers = [o.pk for o in organisations_of(user, OrganisationKind.SUPPLIER)]
    forces = [o.pk for o in organisations_of(user, OrganisationKind.FORCE)]
    return documents.filter(
        Q(order__supplier__in=suppliers)
        | Q(kind=DocumentKind.CONTRACT, order__lines__force__in=forces)
        | Q(kind=DocumentKind.PURCHASE_ORDER, force__in=forces)
    ).distinct()


def ocds_releases_published() -> QuerySet[OcdsRelease]:
    """Open contracting data is public to every signed-in user."""
    return OcdsRelease.objects.all()
