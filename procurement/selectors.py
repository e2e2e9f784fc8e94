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
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
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
from catalogue.selectors import products_visible_to
from core.errors import NotFound
from procurement.domain import arithmetic
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
from procurement.policies.approval import highest_approval_limit, uncovered_warning
from procurement.policies.pledging import open_for_pledges_q

# Participations that count towards the pooled quantity at each stage.
PLEDGED = (ParticipationStatus.ACTIVE,)
IN_ORDER = (ParticipationStatus.AWAITING_APPROVAL, ParticipationStatus.APPROVED)


def _force_ids(user: User | AnonymousUser) -> list[int]:
    return [o.pk for o in organisations_of(user, kind=OrganisationKind.FORCE)]


def requisitions_visible_to(user: User | AnonymousUser) -> QuerySet[JointRequisition]:
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


def orders_visible_to(user: User | AnonymousUser) -> QuerySet[Order]:
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

    amount = estimated_share_with_vat(requisition, participation)
    if amount is None:
        return None
    return uncovered_warning(participation.force, amount, limit)


def approval_warning_for(participation: Participation) -> str | None:
    """The same warning, loading what it needs (after a join or a change)."""

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
    return thresholds_in_force(kind, [day])[day]


def thresholds_in_force(
    kind: str, days: Iterable[datetime.date]
) -> dict[datetime.date, ProcurementThreshold | None]:
    """The threshold in force on each day (one query, whatever the number of days)."""
    days = list(days)
    if not days:
        return {}
    dated = list(
        ProcurementThreshold.objects.filter(kind=kind, effective_from__lte=max(days)).order_by(
            "-effective_from"
        )
    )
    return {day: next((t for t in dated if t.effective_from <= day), None) for day in days}


def threshold_measure(threshold: ProcurementThreshold, *, net: Decimal, gross: Decimal) -> Decimal:
    """The amount to compare with a threshold: including VAT unless it says otherwise."""
    return gross if threshold.includes_vat else net


def reaches(threshold: ProcurementThreshold | None, *, net: Decimal, gross: Decimal) -> bool:
    if threshold is None:
        return False
    return threshold_measure(threshold, net=net, gross=gross) >= threshold.amount


# Purchases that may add up to a split purchase: live requisitions and awarded orders.
LIVE_REQUISITION = (
    RequisitionStatus.OPEN,
    RequisitionStatus.CLOSED,
    RequisitionStatus.APPROVED,
)
AWARDED_REQUISITION = (RequisitionStatus.AWARDED, RequisitionStatus.CONTRACTED)
LIVE_SHARE = (*PLEDGED, *IN_ORDER)


@dataclass(frozen=True)
class CategoryPurchase:
    """A joint requisition that may add up with others: its forces with a live share."""

    requisition: JointRequisition
    category_id: int
    force_ids: frozenset[int]
    force_names: dict[int, str]

    @property
    def placed_at(self) -> datetime.datetime | None:
        """When its order was placed, for an awarded one."""
        order = getattr(self.requisition, "order", None)
        return order.created_at if order is not None else None


def purchases_in_categories(
    *,
    category_ids: Iterable[int],
    force_ids: Iterable[int],
    since: datetime.datetime,
) -> list[CategoryPurchase]:
    """Joint requisitions of the categories in which any of the forces has a live share:
    open, closed or approved ones, and awarded ones whose order (not cancelled) was placed
    since ``since``. Cancelled requisitions, withdrawn and rejected shares do not count.
    Four queries, whatever the number of requisitions, categories or forces: one for the
    shares, three for the requisitions and the figures of open ones."""
    shares = (
        Participation.objects.filter(
            force_id__in=list(force_ids),
            status__in=LIVE_SHARE,
            joint_requisition__product__category_id__in=list(category_ids),
        )
        .filter(
            Q(joint_requisition__status__in=LIVE_REQUISITION)
            | Q(
                joint_requisition__status__in=AWARDED_REQUISITION,
                joint_requisition__order__created_at__gte=since,
            )
        )
        .exclude(joint_requisition__order__status=OrderStatus.CANCELLED)
        .values_list("joint_requisition_id", "force_id", "force__name")
        .order_by("joint_requisition_id", "force__name")
    )
    forces: dict[int, dict[int, str]] = {}
    for requisition_id, force_id, force_name in shares:
        forces.setdefault(requisition_id, {})[force_id] = force_name
    if not forces:
        return []
    requisitions = with_participations(
        JointRequisition.objects.filter(pk__in=list(forces)).select_related("product", "order")
    ).order_by("created_at", "pk")
    return [
        CategoryPurchase(
            requisition=requisition,
            category_id=requisition.product.category_id,
            force_ids=frozenset(forces[requisition.pk]),
            force_names=forces[requisition.pk],
        )
        for requisition in requisitions
    ]


def commercial_queue(now: datetime.datetime | None = None) -> dict[str, list[JointRequisition]]:
    """For the commercial lead: to sign off, to award, and what is still with the forces.

    An approved requisition is "to sign off" exactly when the award would be refused for the
    want of a sign-off (``policies.sign_off.sign_off_missing``), so that nothing sits in "to
    award" while award is refused. Each row carries its ``sign_off_requirement``.
    """
    # Imported here: policies.sign_off imports this module (a cycle at import time).
    from procurement.policies import sign_off

    base = JointRequisition.objects.select_related("product", "lead_force", "product__supplier")
    approved = list(
        with_participations(base.filter(status=RequisitionStatus.APPROVED)).order_by(
            "closed_at", "pk"
        )
    )
    queue: dict[str, list[JointRequisition]] = {"to_sign_off": [], "to_award": []}
    requirements = sign_off.sign_off_requirements(approved, now=now)
    for requisition in approved:
        requirement = requirements[requisition.pk]
        requisition.sign_off_requirement = requirement  # type: ignore[attr-defined]
        missing = sign_off.sign_off_missing(requisition, requirement)
        queue["to_sign_off" if missing else "to_award"].append(requisition)
    queue["awaiting_approval"] = list(
        base.filter(status=RequisitionStatus.CLOSED).order_by("closed_at", "pk")
    )
    return queue


def waiting_for_commercial_lead() -> int:
    """Approved requisitions: each waits for the commercial lead's sign-off or award."""
    return JointRequisition.objects.filter(status=RequisitionStatus.APPROVED).count()


def product_for_requisition(user: User, pk: int) -> Product:
    """The product a requisition is started for, among those the user may see: another
    supplier's draft is "no such product", the same answer as an id that does not exist."""
    product = products_visible_to(user).filter(pk=pk).first()
    if product is None:
        raise NotFound("There is no such product.", field="product")
    return product


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


def approvals_prefetch() -> Prefetch:
    """A participation's approvals with their approvers, in order."""
    approvals = Approval.objects.select_related("approver").order_by("pk")
    return Prefetch("approvals", queryset=approvals)


def participations_with_approvals_prefetch() -> Prefetch:
    """A requisition's participations with their forces and approvals, for its API figures.

    Used on requisitions already scoped by ``requisitions_visible_to``."""
    return Prefetch(
        "participations",
        queryset=Participation.objects.select_related("force")
        .prefetch_related(approvals_prefetch())
        .order_by("force__name"),
    )


def order_lines_by_force_prefetch() -> Prefetch:
    """An order's lines with their forces, by force name (on orders already scoped)."""
    return Prefetch(
        "lines", queryset=OrderLine.objects.select_related("force").order_by("force__name")
    )


def order_for_response(pk: int) -> Order:
    """An order a service has just placed for the user, with what its serializer shows."""
    return Order.objects.select_related("supplier", "joint_requisition").get(pk=pk)


def requisition_ids_joined_by(force) -> QuerySet:
    """The ids of the requisitions the force takes part in (a subquery)."""
    return Participation.objects.filter(force=force).values("joint_requisition_id")
