"""Every write of joint requisitions, participations, approvals and orders.

All status changes go through ``transition`` (one object) or ``transition_many`` (a batch
that is audited once), moved by ``procurement.states``. Each service is atomic, locks the
requisition row first and then its participations ordered by primary key, re-checks the
state it locked, changes its rows, and writes its audit event last (the audit chain's
lock is the last one taken). E-mails are queued after commit.

Rejection (decided for issue 4): a rejected share drops its force out; the pooled price
is recomputed for the forces that remain, from their quantities. A share (including VAT)
that rises needs approving again: its ``approval_round`` goes up and the approvals of the
earlier round no longer count. A share that falls or stays the same keeps its approvals,
since an approval of a larger amount covers a smaller one. If no participation remains,
the requisition is cancelled. When every remaining share is approved, the requisition is
approved.
"""

import datetime
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from types import EllipsisType
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from accounts import audit, permissions
from accounts.models import Organisation, User
from catalogue.domain.pricing import unit_price_for
from catalogue.models import Product
from catalogue.policies import orderable_problem
from core.errors import DomainError, InvalidTransition, NotFound, NotPermitted
from core.invariants import present
from core.limits import MAX_NOTE_LENGTH, MAX_QUANTITY_PER_FORCE
from core.money import format_gbp
from core.state import StateMachine
from core.text import check_single_line, control_character, single_line_errors
from procurement import arithmetic, documents, notifications, ocds, selectors, states
from procurement.audit_actions import ProcurementAudit
from procurement.models import (
    Approval,
    ApprovalDecision,
    JointRequisition,
    Order,
    OrderLine,
    OrderStatus,
    Participation,
    ParticipationQuantityChange,
    ParticipationStatus,
    RequisitionStatus,
    SignOffGrounds,
    ThresholdKind,
)
from procurement.policies import approval as approval_policy
from procurement.policies import cancelling, pledging, sign_off
from procurement.policies.approval import is_fully_approved, share_with_vat

# The models with a status that ``transition`` moves (one of them, not a mixture).
Stateful = TypeVar("Stateful", JointRequisition, Participation, Order)
MACHINES: dict[type[Model], StateMachine[Any]] = {
    JointRequisition: states.REQUISITION,
    Participation: states.PARTICIPATION,
    Order: states.ORDER,
}

MAX_OPEN_DAYS = 366


# Transitions.


def _machine(instance: Model) -> StateMachine[Any]:
    return MACHINES[type(instance)]


def check_transition(instance: Stateful, to: str, **context: Any) -> None:
    """Refuse (409) a move the model's machine (its table and guards) does not allow now."""
    _machine(instance).check(instance, to, **context)


def transition(
    instance: Stateful,
    to: str,
    *,
    actor: User | None,
    action: ProcurementAudit,
    organisation: Organisation | None = None,
    changes: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> Stateful:
    """Validate, save and audit one status change (with the fields that change with it);
    ``context`` is what the machine's guards are told (the time, the user, ...)."""
    return _machine(instance).apply(
        instance,
        to,
        actor=actor,
        action=action,
        organisation=organisation,
        changes=changes,
        details=details,
        context=context,
    )


def transition_many(
    instances: Sequence[Stateful],
    to: str,
    fields: Sequence[str] = (),
    *,
    context: dict[str, Any] | None = None,
) -> None:
    """Validate and save a batch of status changes in one query; the caller audits them
    together in one event, so that the cost does not grow with the number of forces."""
    if instances:
        _machine(instances[0]).apply_many(instances, to, fields=fields, context=context)


# Locking.


def _lock_requisition(requisition: JointRequisition | int) -> JointRequisition:
    pk = requisition.pk if isinstance(requisition, JointRequisition) else requisition
    try:
        return (
            JointRequisition.objects.select_for_update(of=("self",))
            .select_related("product", "lead_force")
            .get(pk=pk)
        )
    except JointRequisition.DoesNotExist as error:
        raise NotFound("There is no such requisition.") from error


def _lock_participations(requisition: JointRequisition) -> list[Participation]:
    return list(
        Participation.objects.select_for_update(of=("self",))
        .filter(joint_requisition=requisition)
        .select_related("force")
        .order_by("pk")
    )


def _find(participations: Iterable[Participation], pk: int) -> Participation:
    for participation in participations:
        if participation.pk == pk:
            return participation
    raise NotFound("There is no such participation.")


# Validation of input.


def _validated_quantity(quantity: Any) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise DomainError("Enter the quantity as a whole number.", field="quantity")
    if quantity < 1:
        raise DomainError("The quantity must be at least 1.", field="quantity")
    if quantity > MAX_QUANTITY_PER_FORCE:
        raise DomainError(
            f"The quantity must be {MAX_QUANTITY_PER_FORCE:,} or fewer: "
            "check it for a typing mistake.",
            field="quantity",
        )
    return quantity


def _validated_details(
    *, delivery_address: str, cost_centre: str, internal_note: str = ""
) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    delivery_address = (delivery_address or "").strip()
    cost_centre = (cost_centre or "").strip()
    internal_note = (internal_note or "").strip()
    if not delivery_address:
        errors["delivery_address"] = ["Enter the delivery address."]
    elif len(delivery_address) > 1000:
        errors["delivery_address"] = ["The delivery address must be 1,000 characters or fewer."]
    elif found := control_character(delivery_address.replace("\r", "").replace("\n", "")):
        errors["delivery_address"] = [f"The delivery address cannot contain {found}."]
    if not cost_centre:
        errors["cost_centre"] = ["Enter the cost centre."]
    elif len(cost_centre) > 50:
        errors["cost_centre"] = ["The cost centre must be 50 characters or fewer."]
    else:
        errors.update(single_line_errors(cost_centre=("cost centre", cost_centre)))
    if len(internal_note) > MAX_NOTE_LENGTH:
        errors["internal_note"] = [f"The note must be {MAX_NOTE_LENGTH:,} characters or fewer."]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], errors=errors)
    return delivery_address, cost_centre, internal_note


def _require_buyer(user: User, force: Organisation) -> None:
    if not permissions.can_take_part_for(user, force):
        raise NotPermitted(f"Only a buyer of {force.name} can do this for it.")


# Starting, joining, changing, withdrawing.


def new_ocid() -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{uuid.uuid4()}"


@transaction.atomic
def requisition_start(
    *,
    user: User,
    force: Organisation,
    product: Product,
    closes_at: datetime.datetime,
    quantity: int,
    delivery_address: str,
    cost_centre: str,
    note: str = "",
    title: str = "",
    needed_by: datetime.date | None = None,
    internal_note: str = "",
) -> JointRequisition:
    """A buyer opens a requisition for an orderable product; their force leads. The price
    breaks in force now are locked on the requisition: the pool is priced from them."""
    if not permissions.can_start_requisition(user, force):
        raise NotPermitted(f"Only a buyer of {force.name} can start a requisition for it.")
    product = Product.objects.select_for_update().select_related("supplier").get(pk=product.pk)
    problem = orderable_problem(product)
    if problem:
        raise DomainError(problem, field="product")
    now = timezone.now()
    if closes_at is None or timezone.is_naive(closes_at):
        raise DomainError("Enter the closing date and time with a time zone.", field="closes_at")
    if closes_at <= now:
        raise DomainError("The closing time must be in the future.", field="closes_at")
    if closes_at > now + datetime.timedelta(days=MAX_OPEN_DAYS):
        raise DomainError("The closing time must be within a year.", field="closes_at")
    quantity = _validated_quantity(quantity)
    delivery_address, cost_centre, internal_note = _validated_details(
        delivery_address=delivery_address, cost_centre=cost_centre, internal_note=internal_note
    )
    note, title = (
        (note or "").strip(),
        check_single_line((title or "").strip(), field="title", label="title"),
    )
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError(
            f"The note must be {MAX_NOTE_LENGTH:,} characters or fewer.", field="note"
        )
    if len(title) > 200:
        raise DomainError("The title must be 200 characters or fewer.", field="title")

    requisition = JointRequisition.objects.create(
        ocid=new_ocid(),
        product=product,
        product_revision_id=product.published_revision_id,
        locked_price_breaks=selectors.lock_price_breaks(product),
        lead_force=force,
        created_by=user,
        title=title or f"{product.name}: joint requisition",
        note=note,
        closes_at=closes_at,
        status=RequisitionStatus.OPEN,
    )
    participation = Participation.objects.create(
        joint_requisition=requisition,
        force=force,
        quantity=quantity,
        delivery_address=delivery_address,
        cost_centre=cost_centre,
        needed_by=needed_by,
        internal_note=internal_note,
        status=ParticipationStatus.ACTIVE,
        entered_by=user,
        last_changed_by=user,
    )
    _record_quantity(participation, user, None)
    audit.record(
        actor=user,
        action=ProcurementAudit.REQUISITION_OPENED,
        obj=requisition,
        organisation=force,
        after={**audit.snapshot(requisition), "participation": audit.snapshot(participation)},
    )
    ocds.publish_tender(requisition)
    return requisition


def _record_quantity(participation: Participation, user: User, old: int | None) -> None:
    """Remember who set the quantity (separation of duties reads every setter)."""
    ParticipationQuantityChange.objects.create(
        participation=participation,
        user=user,
        old_quantity=old,
        new_quantity=participation.quantity,
    )


def _price_break_reached(requisition: JointRequisition, before: int, after: int) -> bool:
    """Whether pledges moved the total onto a cheaper break (the lead may want to close)."""
    if after <= before:
        return False
    breaks = selectors.price_breaks_of(requisition)
    if not breaks:
        return False
    price_before = unit_price_for(breaks, before) if before >= 1 else None
    return price_before is None or unit_price_for(breaks, after) < price_before


def _active_total(participations: Iterable[Participation]) -> int:
    return sum(p.quantity for p in participations if p.status == ParticipationStatus.ACTIVE)


def _require_open_for_pledges(requisition: JointRequisition, doing: str) -> None:
    problem = pledging.pledging_problem(requisition, timezone.now(), doing)
    if problem:
        raise InvalidTransition(problem)


def _require_orderable(requisition: JointRequisition) -> None:
    problem = orderable_problem(requisition.product)
    if problem:
        raise InvalidTransition(problem, field="product")


@transaction.atomic
def participation_join(
    *,
    requisition: JointRequisition,
    user: User,
    force: Organisation,
    quantity: int,
    delivery_address: str,
    cost_centre: str,
    needed_by: datetime.date | None = None,
    internal_note: str = "",
) -> Participation:
    """Another force's buyer adds their force (one participation per force)."""
    _require_buyer(user, force)
    quantity = _validated_quantity(quantity)
    delivery_address, cost_centre, internal_note = _validated_details(
        delivery_address=delivery_address, cost_centre=cost_centre, internal_note=internal_note
    )
    locked = _lock_requisition(requisition)
    _require_open_for_pledges(locked, "join it")
    _require_orderable(locked)
    participations = _lock_participations(locked)
    total_before = _active_total(participations)
    existing = next((p for p in participations if p.force_id == force.pk), None)
    fields = {
        "quantity": quantity,
        "delivery_address": delivery_address,
        "cost_centre": cost_centre,
        "needed_by": needed_by,
        "internal_note": internal_note,
        "last_changed_by": user,
    }
    if existing is not None and existing.status != ParticipationStatus.WITHDRAWN:
        raise InvalidTransition(
            f"{force.name} already takes part in this requisition: change its quantity instead.",
            field="force",
        )
    if existing is not None:
        old_quantity = existing.quantity
        participation = transition(
            existing,
            ParticipationStatus.ACTIVE,
            actor=user,
            action=ProcurementAudit.PARTICIPATION_REJOINED,
            organisation=force,
            changes=fields,
        )
        _record_quantity(participation, user, old_quantity)
    else:
        try:
            with transaction.atomic():
                participation = Participation.objects.create(
                    joint_requisition=locked,
                    force=force,
                    status=ParticipationStatus.ACTIVE,
                    entered_by=user,
                    **fields,
                )
        except IntegrityError as error:  # the lock makes this unreachable; belt and braces
            raise InvalidTransition(
                f"{force.name} already takes part in this requisition.", field="force"
            ) from error
        _record_quantity(participation, user, None)
        audit.record(
            actor=user,
            action=ProcurementAudit.PARTICIPATION_JOINED,
            obj=participation,
            organisation=force,
            after=audit.snapshot(participation),
        )
    counted = participations if existing is not None else [*participations, participation]
    if _price_break_reached(locked, total_before, _active_total(counted)):
        notifications.queue("break_reached", requisition_id=locked.pk)
    ocds.publish_pool_change(locked)
    return participation


@transaction.atomic
def participation_change(
    *,
    participation: Participation,
    user: User,
    quantity: int | None = None,
    delivery_address: str | None = None,
    cost_centre: str | None = None,
    needed_by: datetime.date | None | EllipsisType = ...,
    internal_note: str | None = None,
) -> Participation:
    """A buyer changes their force's quantity or details while the requisition is open."""
    _require_buyer(user, participation.force)
    if quantity is not None:
        quantity = _validated_quantity(quantity)
    locked = _lock_requisition(participation.joint_requisition_id)
    _require_open_for_pledges(locked, "change your force's part")
    participations = _lock_participations(locked)
    current = _find(participations, participation.pk)
    if current.status != ParticipationStatus.ACTIVE:
        raise InvalidTransition(
            "Your force has withdrawn from this requisition: join it again instead."
        )
    old_quantity = current.quantity
    quantity_changes = quantity is not None and quantity != old_quantity
    if quantity_changes:
        _require_orderable(locked)
    total_before = _active_total(participations)
    address, centre, note = _validated_details(
        delivery_address=current.delivery_address if delivery_address is None else delivery_address,
        cost_centre=current.cost_centre if cost_centre is None else cost_centre,
        internal_note=current.internal_note if internal_note is None else internal_note,
    )
    before = audit.snapshot(current)
    if quantity is not None:
        current.quantity = quantity
    current.delivery_address, current.cost_centre, current.internal_note = address, centre, note
    if needed_by is not ...:
        current.needed_by = needed_by
    current.last_changed_by = user
    current.save()
    if quantity_changes:
        _record_quantity(current, user, old_quantity)
    audit.record(
        actor=user,
        action=ProcurementAudit.PARTICIPATION_CHANGED,
        obj=current,
        organisation=current.force,
        before=before,
        after=audit.snapshot(current),
    )
    total_after = _active_total(participations)
    if _price_break_reached(locked, total_before, total_after):
        notifications.queue("break_reached", requisition_id=locked.pk)
    ocds.publish_pool_change(locked)
    return current


@transaction.atomic
def participation_withdraw(*, participation: Participation, user: User) -> Participation:
    """A force leaves an open requisition. The lead force cancels instead of withdrawing."""
    _require_buyer(user, participation.force)
    locked = _lock_requisition(participation.joint_requisition_id)
    _require_open_for_pledges(locked, "withdraw from it")
    participations = _lock_participations(locked)
    current = _find(participations, participation.pk)
    problem = pledging.withdraw_problem(locked, current, timezone.now())
    if problem:
        raise InvalidTransition(problem)
    ocds.publish_pool_change(locked, leaving=current)
    return transition(
        current,
        ParticipationStatus.WITHDRAWN,
        actor=user,
        action=ProcurementAudit.PARTICIPATION_WITHDRAWN,
        organisation=current.force,
        changes={"last_changed_by": user},
    )


# Closing.


def _price(
    requisition: JointRequisition, participations: Sequence[Participation]
) -> arithmetic.Pool:
    """The pool priced from the breaks locked when the requisition opened (the price lock),
    never from the product's current ones."""
    breaks = selectors.price_breaks_of(requisition)
    if not breaks:
        raise InvalidTransition("The requisition has no prices: it cannot be ordered.")
    try:
        return arithmetic.pool(
            breaks, [(p.pk, p.quantity) for p in participations], settings.VAT_RATE
        )
    except arithmetic.AmountTooLarge as error:
        raise DomainError(str(error), field="quantity") from error


def _split_purchase_flags(
    requisition: JointRequisition, participations: Sequence[Participation], now: datetime.datetime
) -> None:
    """Flag the shares of forces whose purchases in the same CPV category within 12 months
    (other joint requisitions included) add up with this one to the threshold.

    Splitting a purchase to stay under a threshold is unlawful: each force's approvers see
    which of its purchases add up (``policies.sign_off.split_purchase`` states the rule), and
    the award waits for the commercial lead's sign-off with reasons.
    """
    priced = [_priced_share(p) for p in participations]
    value = sign_off.Value(
        net=sum((net for net, _ in priced), Decimal("0.00")),
        gross=sum((net + vat for net, vat in priced), Decimal("0.00")),
    )
    split = sign_off.split_purchase(
        requisition, now=now, participations=participations, value=value
    )
    for participation in participations:
        participation.split_purchase_flag = (
            split.flag_for(participation.force_id) if split is not None else None
        )


def _priced_share(participation: Participation) -> tuple[Decimal, Decimal]:
    """(share, VAT) of a participation that has been priced (at close or after a rejection)."""
    return (
        present(participation.share, "A priced participation's share"),
        present(participation.vat, "A priced participation's VAT"),
    )


def _apply_pool(requisition: JointRequisition, pool: arithmetic.Pool, now) -> None:
    requisition.total_quantity = pool.total_quantity
    requisition.pooled_unit_price = pool.unit_price
    requisition.price_break_min_quantity = pool.price_break.min_quantity
    requisition.vat_rate = pool.vat_rate
    requisition.subtotal = pool.subtotal
    requisition.vat = pool.vat
    requisition.total = pool.total
    # Whether it needs signing off is not stored: ``policies.sign_off`` answers it live.


def _shares_summary(participations: Sequence[Participation]) -> list[dict]:
    return [
        {
            "participation": p.pk,
            "force": p.force_id,
            "quantity": p.quantity,
            "share": p.share,
            "vat": p.vat,
            "status": p.status,
            "approval_round": p.approval_round,
        }
        for p in participations
    ]


@transaction.atomic
def requisition_close(
    *, requisition: JointRequisition, user: User | None = None
) -> JointRequisition:
    """Fix the pooled price and every share; the forces' finance approvers are asked.

    ``user`` is the lead force's buyer closing early, or None for the scheduled close
    (which only closes once ``closes_at`` has passed). The number of queries does not
    depend on the number of forces.
    """
    locked = _lock_requisition(requisition)
    if user is not None and not permissions.can_close_requisition(user, locked):
        raise NotPermitted("Only a buyer of the lead force can close this requisition.")
    now = timezone.now()
    if locked.status != RequisitionStatus.OPEN:
        raise InvalidTransition(
            f"This requisition is already {locked.get_status_display().lower()}."
        )
    if user is None and locked.closes_at > now:
        raise InvalidTransition("This requisition is not due to close yet.")
    _require_orderable(locked)
    participations = _lock_participations(locked)
    counted = [p for p in participations if p.status == ParticipationStatus.ACTIVE]
    if not counted:
        raise InvalidTransition("No force takes part: there is nothing to close.")
    pool = _price(locked, counted)
    for participation in counted:
        share = pool.share_for(participation.pk)
        participation.share, participation.vat = share.net, share.vat
    _split_purchase_flags(locked, counted, now)
    transition_many(
        counted,
        ParticipationStatus.AWAITING_APPROVAL,
        fields=["share", "vat", "split_purchase_flag"],
    )
    _apply_pool(locked, pool, now)
    transition(
        locked,
        RequisitionStatus.CLOSED,
        actor=user,
        action=ProcurementAudit.REQUISITION_CLOSED,
        organisation=locked.lead_force,
        changes={
            "closed_at": now,
            "closed_by": user,
            "close_blocked_reason": "",
            "close_blocked_at": None,
        },
        details={"shares": _shares_summary(counted)},
    )
    notifications.queue(
        "shares_awaiting_approval",
        requisition_id=locked.pk,
        participation_ids=[p.pk for p in counted],
    )
    ocds.publish_close(locked)
    return locked


@transaction.atomic
def _record_close_blocked(requisition_id: int, reason: str) -> bool:
    """Remember why the scheduled close failed; True when the reason is new (tell the lead)."""
    locked = _lock_requisition(requisition_id)
    if locked.status != RequisitionStatus.OPEN or locked.close_blocked_reason == reason:
        return False
    before = audit.snapshot(locked, ["close_blocked_reason", "close_blocked_at"])
    locked.close_blocked_reason = reason
    locked.close_blocked_at = timezone.now()
    locked.save(update_fields=["close_blocked_reason", "close_blocked_at", "updated_at"])
    audit.record(
        actor=None,
        action=ProcurementAudit.REQUISITION_CLOSE_BLOCKED,
        obj=locked,
        organisation=locked.lead_force,
        before=before,
        after=audit.snapshot(locked, ["close_blocked_reason", "close_blocked_at"]),
    )
    notifications.queue("close_blocked", requisition_id=locked.pk)
    return True


def close_due_requisitions(now: datetime.datetime | None = None) -> dict[str, int]:
    """Close every open requisition past its closing time. Idempotent: a requisition
    closed meanwhile (by its lead or another run) is skipped."""
    now = now or timezone.now()
    due = list(
        JointRequisition.objects.filter(status=RequisitionStatus.OPEN, closes_at__lte=now)
        .order_by("closes_at", "pk")
        .values_list("pk", flat=True)
    )
    counts = {"closed": 0, "blocked": 0, "skipped": 0}
    for pk in due:
        try:
            requisition_close(requisition=JointRequisition(pk=pk), user=None)
            counts["closed"] += 1
        except DomainError as error:
            if JointRequisition.objects.filter(pk=pk, status=RequisitionStatus.OPEN).exists():
                _record_close_blocked(pk, error.message)
                counts["blocked"] += 1
            else:
                counts["skipped"] += 1
    return counts


# Approval.


def _current_approvals(participation: Participation) -> list[Approval]:
    return list(
        Approval.objects.filter(
            participation=participation,
            round=participation.approval_round,
            decision=ApprovalDecision.APPROVE,
        )
        .select_related("approver")
        .order_by("pk")
    )


def _lock_for_decision(
    participation: Participation, approver: User, *, deciding: str
) -> tuple[JointRequisition, list[Participation], Participation, Decimal]:
    if not permissions.can_decide_share(approver, participation):
        raise NotPermitted(
            f"Only a finance approver of {participation.force.name} can {deciding} its share."
        )
    locked = _lock_requisition(participation.joint_requisition_id)
    participations = _lock_participations(locked)
    current = _find(participations, participation.pk)
    if (
        locked.status != RequisitionStatus.CLOSED
        or current.status != ParticipationStatus.AWAITING_APPROVAL
    ):
        raise InvalidTransition(
            f"This share is {current.get_status_display().lower()} and the requisition is "
            f"{locked.get_status_display().lower()}: there is nothing to {deciding}."
        )
    problem = approval_policy.separation_problem(approver, current)
    if problem:
        raise NotPermitted(problem)
    if Approval.objects.filter(
        participation=current, approver=approver, round=current.approval_round
    ).exists():
        raise InvalidTransition("You have already decided on this share.")
    # can_decide_share found the approver's finance membership, and it has a limit.
    limit = present(
        permissions.approval_limit(approver, current.force), "A finance approver's limit"
    )
    return locked, participations, current, limit


@transaction.atomic
def participation_approve(
    *, participation: Participation, approver: User, comment: str = ""
) -> Approval:
    """A finance approver approves their force's share (including VAT).

    Within their limit, the share is approved. Above it, their approval is recorded as the
    first of two and the share waits for a colleague whose limit covers it; a second
    approver whose limit does not cover it either is refused.
    """
    comment = (comment or "").strip()
    if len(comment) > MAX_NOTE_LENGTH:
        raise DomainError(
            f"The comment must be {MAX_NOTE_LENGTH:,} characters or fewer.", field="comment"
        )
    locked, participations, current, limit = _lock_for_decision(
        participation, approver, deciding="approve"
    )
    amount = share_with_vat(current)
    earlier = _current_approvals(current)
    covers = approval_policy.limit_covers(limit, amount)
    if not covers and earlier:
        raise NotPermitted(
            f"This share of {_gbp(amount)} is above your approval limit of {_gbp(limit)} and "
            "already has a first approval: the second approval must come from a colleague "
            "whose limit covers it."
        )
    approval = Approval.objects.create(
        participation=current,
        approver=approver,
        decision=ApprovalDecision.APPROVE,
        comment=comment,
        amount=amount,
        approver_limit=limit,
        round=current.approval_round,
    )
    details = {"approval": audit.snapshot(approval)}
    if is_fully_approved(current, [*earlier, approval]):
        transition(
            current,
            ParticipationStatus.APPROVED,
            actor=approver,
            action=ProcurementAudit.PARTICIPATION_APPROVED,
            organisation=current.force,
            details=details,
        )
        if all(p.status == ParticipationStatus.APPROVED for p in participations if _in_order(p)):
            _apply_approved(locked, approver)
            notifications.queue("ready_to_award", requisition_id=locked.pk)
    else:
        audit.record(
            actor=approver,
            action=ProcurementAudit.PARTICIPATION_FIRST_APPROVAL,
            obj=current,
            organisation=current.force,
            after={**audit.snapshot(current), **details},
        )
        notifications.queue(
            "second_approval_needed", requisition_id=locked.pk, participation_ids=[current.pk]
        )
    return approval


def _in_order(participation: Participation) -> bool:
    return participation.status in (
        ParticipationStatus.AWAITING_APPROVAL,
        ParticipationStatus.APPROVED,
    )


def _apply_approved(requisition: JointRequisition, actor: User | None) -> None:
    transition(
        requisition,
        RequisitionStatus.APPROVED,
        actor=actor,
        action=ProcurementAudit.REQUISITION_APPROVED,
        organisation=requisition.lead_force,
    )


@transaction.atomic
def participation_reject(
    *, participation: Participation, approver: User, comment: str = ""
) -> Approval:
    """A finance approver rejects their force's share: the force drops out and the price
    is recomputed for the others (see the module's docstring for what follows)."""
    comment = (comment or "").strip()
    if len(comment) > MAX_NOTE_LENGTH:
        raise DomainError(
            f"The comment must be {MAX_NOTE_LENGTH:,} characters or fewer.", field="comment"
        )
    locked, participations, current, limit = _lock_for_decision(
        participation, approver, deciding="reject"
    )
    approval = Approval.objects.create(
        participation=current,
        approver=approver,
        decision=ApprovalDecision.REJECT,
        comment=comment,
        amount=share_with_vat(current),
        approver_limit=limit,
        round=current.approval_round,
    )
    transition(
        current,
        ParticipationStatus.REJECTED,
        actor=approver,
        action=ProcurementAudit.PARTICIPATION_REJECTED,
        organisation=current.force,
        details={"approval": audit.snapshot(approval)},
    )
    remaining = [p for p in participations if _in_order(p)]
    if not remaining:
        transition(
            locked,
            RequisitionStatus.CANCELLED,
            actor=approver,
            action=ProcurementAudit.REQUISITION_CANCELLED,
            organisation=locked.lead_force,
            changes={
                "cancelled_at": timezone.now(),
                "cancelled_by": approver,
                "cancellation_reason": "Every force's share was rejected by its finance approver.",
            },
        )
        ocds.publish_cancellation(locked)
        notifications.queue("cancelled", requisition_id=locked.pk)
        return approval
    _reprice(locked, remaining, approver)
    return approval


@transaction.atomic
def participation_release(
    *, participation: Participation, user: User, reason: str
) -> Participation:
    """The commercial lead releases a force whose share no finance approver of it can cover
    (after close): the force drops out and the others are re-priced, as after a rejection."""
    if not approval_policy.may_release(user):
        raise NotPermitted("Only the ICT company's commercial lead can release a force.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter the reason for releasing the force.", field="reason")
    if len(reason) > MAX_NOTE_LENGTH:
        raise DomainError(
            f"The reason must be {MAX_NOTE_LENGTH:,} characters or fewer.", field="reason"
        )
    locked = _lock_requisition(participation.joint_requisition_id)
    participations = _lock_participations(locked)
    current = _find(participations, participation.pk)
    limits = approval_policy.highest_approval_limits([current.force_id])
    problem = approval_policy.release_problem(locked, current, limits)
    if problem:
        raise InvalidTransition(problem)
    transition(
        current,
        ParticipationStatus.RELEASED,
        actor=user,
        action=ProcurementAudit.PARTICIPATION_RELEASED,
        organisation=current.force,
        details={
            "reason": reason,
            "share_including_vat": share_with_vat(current),
            "highest_approval_limit": limits.get(current.force_id),
        },
    )
    remaining = [p for p in participations if _in_order(p)]
    if not remaining:
        transition(
            locked,
            RequisitionStatus.CANCELLED,
            actor=user,
            action=ProcurementAudit.REQUISITION_CANCELLED,
            organisation=locked.lead_force,
            changes={
                "cancelled_at": timezone.now(),
                "cancelled_by": user,
                "cancellation_reason": f"The only force taking part was released: {reason}",
            },
        )
        ocds.publish_cancellation(locked)
        notifications.queue("cancelled", requisition_id=locked.pk)
        return current
    _reprice(locked, remaining, user)
    return current


def _reprice(
    requisition: JointRequisition, remaining: list[Participation], actor: User | None
) -> None:
    """Recompute the pool for the forces that remain after a rejection."""
    now = timezone.now()
    old_amounts = {p.pk: share_with_vat(p) for p in remaining}
    pool = _price(requisition, remaining)
    for participation in remaining:
        share = pool.share_for(participation.pk)
        participation.share, participation.vat = share.net, share.vat
    _split_purchase_flags(requisition, remaining, now)
    risen = [p for p in remaining if share_with_vat(p) > old_amounts[p.pk]]
    for participation in risen:
        participation.approval_round += 1
    reapprove = [p for p in risen if p.status == ParticipationStatus.APPROVED]
    still = [p for p in remaining if p not in reapprove]
    transition_many(
        reapprove,
        ParticipationStatus.AWAITING_APPROVAL,
        fields=["share", "vat", "split_purchase_flag", "approval_round"],
    )
    if still:
        for participation in still:
            participation.updated_at = now
        Participation.objects.bulk_update(
            still, ["share", "vat", "split_purchase_flag", "approval_round", "updated_at"]
        )
    # A share that fell may now be covered by an approval that was only the first of two.
    waiting = [
        p for p in remaining if p.status == ParticipationStatus.AWAITING_APPROVAL and p not in risen
    ]
    approvals: dict[int, list[Approval]] = {}
    for approval in Approval.objects.filter(
        participation__in=waiting, decision=ApprovalDecision.APPROVE
    ):
        approvals.setdefault(approval.participation_id, []).append(approval)
    newly_approved = [
        p
        for p in waiting
        if is_fully_approved(p, [a for a in approvals.get(p.pk, []) if a.round == p.approval_round])
    ]
    transition_many(newly_approved, ParticipationStatus.APPROVED)
    before = audit.snapshot(requisition)
    _apply_pool(requisition, pool, now)
    requisition.save()
    audit.record(
        actor=actor,
        action=ProcurementAudit.REQUISITION_REPRICED,
        obj=requisition,
        organisation=requisition.lead_force,
        before=before,
        after={
            **audit.snapshot(requisition),
            "shares": _shares_summary(remaining),
            "to_approve_again": [p.pk for p in risen],
        },
    )
    if all(p.status == ParticipationStatus.APPROVED for p in remaining):
        _apply_approved(requisition, actor)
        notifications.queue("ready_to_award", requisition_id=requisition.pk)
    elif risen:
        notifications.queue(
            "shares_awaiting_approval",
            requisition_id=requisition.pk,
            participation_ids=[p.pk for p in risen],
        )


# Sign-off, award, cancel.


def _require_commercial_lead(user: User, doing: str) -> None:
    if not permissions.can_sign_off_and_award(user):
        raise NotPermitted(f"Only the ICT company's commercial lead can {doing}.")


@transaction.atomic
def requisition_sign_off(
    *, requisition: JointRequisition, user: User, reasons: str = ""
) -> JointRequisition:
    """The commercial lead signs off an approved requisition, recording the grounds the rules
    find now (the threshold, a split purchase, or none: a voluntary sign-off), the evidence
    and their reasons, which a split purchase requires."""
    _require_commercial_lead(user, "sign off a requisition")
    reasons = (reasons or "").strip()
    if len(reasons) > MAX_NOTE_LENGTH:
        raise DomainError(
            f"The reasons must be {MAX_NOTE_LENGTH:,} characters or fewer.", field="reasons"
        )
    locked = _lock_requisition(requisition)
    if locked.status != RequisitionStatus.APPROVED:
        raise InvalidTransition(
            "Only a requisition whose every share is approved can be signed off; this one is "
            f"{locked.get_status_display().lower()}."
        )
    in_order = [p for p in _lock_participations(locked) if _in_order(p)]
    requirement = sign_off.sign_off_requirement(locked, participations=in_order)
    if locked.signed_off_at is not None and sign_off.sign_off_missing(locked, requirement) is None:
        raise InvalidTransition("This requisition has already been signed off.")
    if requirement.reasons_required and not reasons:
        split = present(requirement.split, "A detected split purchase")
        raise DomainError(
            "Enter the reasons for signing off this split purchase: with other purchases in "
            f"the same CPV category within 12 months it reaches {_gbp(split.combined)}, at or "
            f"above the threshold of {_gbp(split.threshold.amount)}.",
            field="reasons",
        )
    before = audit.snapshot(locked)
    locked.signed_off_by = user
    locked.signed_off_at = timezone.now()
    locked.sign_off_grounds = requirement.grounds
    locked.sign_off_reasons = reasons
    locked.sign_off_evidence = requirement.as_json()
    locked.save()
    audit.record(
        actor=user,
        action=ProcurementAudit.REQUISITION_SIGNED_OFF,
        obj=locked,
        organisation=locked.lead_force,
        before=before,
        after=audit.snapshot(locked),
    )
    return locked


def order_number(requisition: JointRequisition) -> str:
    return f"NC-{timezone.localdate().year}-{requisition.pk:06d}"


def _order_line(order: Order, participation: Participation, unit_price: Decimal) -> OrderLine:
    """A force's line on the order: its approved share at the pooled unit price."""
    share, vat = _priced_share(participation)
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
    _require_commercial_lead(user, "award a requisition")
    locked = _lock_requisition(requisition)
    if locked.status != RequisitionStatus.APPROVED:
        raise InvalidTransition(
            "Only a requisition whose every share is approved can be awarded; this one is "
            f"{locked.get_status_display().lower()}."
        )
    participations = _lock_participations(locked)
    in_order = [p for p in participations if _in_order(p)]
    if not in_order or any(p.status != ParticipationStatus.APPROVED for p in in_order):
        raise InvalidTransition("Every force's share must be approved before the award.")
    _require_orderable(locked)
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
    ocds.publish_award(order)
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
    locked = _lock_requisition(requisition)
    if not permissions.can_cancel_requisition(user, locked):
        raise NotPermitted(
            "Only a buyer of the lead force or the ICT company's commercial lead can cancel."
        )
    problem = cancelling.cancel_problem(locked)
    if problem:
        raise InvalidTransition(problem)
    transition(
        locked,
        RequisitionStatus.CANCELLED,
        actor=user,
        action=ProcurementAudit.REQUISITION_CANCELLED,
        organisation=locked.lead_force,
        changes={
            "cancelled_by": user,
            "cancelled_at": timezone.now(),
            "cancellation_reason": reason,
        },
    )
    ocds.publish_cancellation(locked)
    notifications.queue("cancelled", requisition_id=locked.pk)
    return locked


def _gbp(amount: Decimal | None) -> str:
    return format_gbp(amount or Decimal("0.00"))
