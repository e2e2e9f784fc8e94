"""The end of a requisition: its award, with the order to the supplier and a line per
force, or its cancellation before award."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import audit, permissions
from accounts.models import User
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.invariants import present
from core.limits import MAX_NOTE_LENGTH
from procurement import selectors
from procurement.audit_actions import ProcurementAudit
from procurement.models import (
    JointRequisition,
    Order,
    OrderLine,
    OrderStatus,
    Participation,
    ParticipationStatus,
    RequisitionStatus,
    SignOffGrounds,
    ThresholdKind,
)
from procurement.policies import cancelling, sign_off
from procurement.services import documents, notifications, publication
from procurement.services._common import (
    is_in_order,
    lock_participations,
    lock_requisition,
    priced_share,
    require_commercial_lead,
    require_orderable,
    transition,
)


def order_number(requisition: JointRequisition) -> str:
    return f"NC-{timezone.localdate().year}-{requisition.pk:06d}"


def _order_line(order: Order, participation: Participation, unit_price: Decimal) -> OrderLine:
    """A force's line on the order: its approved share at the pooled unit price."""
    share, vat = priced_share(participation)
    return OrderLine(
        order=order,
        participation=participation,
        force=participation.force,
        quantity=participation.quantity,
        unit_price=unit_price,
        share=share,
        vat=vat,
        total=share + vat,
        delivery_address=participation.delivery_address,
        cost_centre=participation.cost_centre,
    )


@transaction.atomic
def requisition_award(*, requisition: JointRequisition, user: User) -> Order:
    """The commercial lead awards a fully approved requisition: an order to the supplier
    with a line per force, and the contract documents are requested."""
    require_commercial_lead(user, "award a requisition")
    locked = lock_requisition(requisition)
    if locked.status != RequisitionStatus.APPROVED:
        raise InvalidTransition(
            "Only a requisition whose every share is approved can be awarded; this one is "
            f"{locked.get_status_display().lower()}."
        )
    participations = lock_participations(locked)
    in_order = [p for p in participations if is_in_order(p)]
    if not in_order or any(p.status != ParticipationStatus.APPROVED for p in in_order):
        raise InvalidTransition("Every force's share must be approved before the award.")
    require_orderable(locked)
    # Fixed when the requisition closed: an approved requisition always has them.
    unit_price = present(locked.pooled_unit_price, "An approved requisition's unit price")
    subtotal = present(locked.subtotal, "An approved requisition's subtotal")
    vat = present(locked.vat, "An approved requisition's VAT")
    total = present(locked.total, "An approved requisition's total")
    now = timezone.now()
    requirement = sign_off.sign_off_requirement(locked, now=now, participations=in_order)
    missing = sign_off.sign_off_missing(locked, requirement)
    if missing is not None:
        raise InvalidTransition(missing)
    today = timezone.localdate(now)
    notifiable = selectors.threshold_in_force(ThresholdKind.NOTIFIABLE, today)
    order = Order(
        joint_requisition=locked,
        number=order_number(locked),
        supplier=locked.product.supplier,
        status=OrderStatus.PLACED,
        unit_price=unit_price,
        subtotal=subtotal,
        vat=vat,
        total=total,
        notifiable=selectors.reaches(notifiable, net=subtotal, gross=total),
    )
    order.save()
    lines = OrderLine.objects.bulk_create(_order_line(order, p, unit_price) for p in in_order)
    transition(
        locked,
        RequisitionStatus.AWARDED,
        actor=user,
        action=ProcurementAudit.REQUISITION_AWARDED,
        organisation=locked.lead_force,
        changes={"awarded_by": user, "awarded_at": now, **_sign_off_at_award(locked, requirement)},
        details={
            "sign_off_requirement": requirement.as_json(),
            "order": audit.snapshot(order),
            "lines": [audit.snapshot(line) for line in lines],
        },
    )
    publication.publish_award(order)
    documents.documents_request(order=order, actor=user)
    order.refresh_from_db(fields=["documents_requested_at"])
    notifications.queue("awarded", requisition_id=locked.pk)
    return order


def _sign_off_at_award(
    requisition: JointRequisition, requirement: sign_off.SignOffRequirement
) -> dict[str, Any]:
    """A sign-off given voluntarily that a rule requires by the day of award (a threshold
    lowered meanwhile) is recorded on the grounds found at award, so the documents say so."""
    if requisition.sign_off_grounds != SignOffGrounds.VOLUNTARY or not requirement.needed:
        return {}
    return {"sign_off_grounds": requirement.grounds, "sign_off_evidence": requirement.as_json()}


@transaction.atomic
def requisition_cancel(
    *, requisition: JointRequisition, user: User, reason: str
) -> JointRequisition:
    """The lead force or the ICT company cancels before award, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter the reason for cancelling.", field="reason")
    if len(reason) > MAX_NOTE_LENGTH:
        raise DomainError(
            f"The reason must be {MAX_NOTE_LENGTH:,} characters or fewer.", field="reason"
        )
    locked = lock_requisition(requisition)
    if not permissions.can_cancel_requisition(user, locked):
        raise NotPermitted(
            "Only a buyer of the lead force or the ICT company's commercial lead can cancel."
        )
    problem = cancelling.cancel_problem(locked)
    if problem:
        raise InvalidTransition(problem)
    return cancel_locked(locked, by=user, reason=reason)


def cancel_locked(locked: JointRequisition, *, by: User, reason: str) -> JointRequisition:
    """Cancel a requisition whose row the caller has locked and checked: audited, published
    as an OCDS cancellation, and the forces told after commit. A cancel by hand, and the
    last force's share rejected or released, all end here."""
    transition(
        locked,
        RequisitionStatus.CANCELLED,
        actor=by,
        action=ProcurementAudit.REQUISITION_CANCELLED,
        organisation=locked.lead_force,
        changes={"cancelled_by": by, "cancelled_at": timezone.now(), "cancellation_reason": reason},
    )
    publication.publish_cancellation(locked)
    notifications.queue("cancelled", requisition_id=locked.pk)
    return locked
