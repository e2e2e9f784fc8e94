"""Starting a joint requisition and the forces' part while it is open: join, change,
withdraw (the pledges)."""

import datetime
import uuid
from collections.abc import Iterable
from types import EllipsisType
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit, permissions
from accounts.models import Organisation, User
from catalogue.domain.pricing import unit_price_for
from catalogue.models import Product
from catalogue.policies import orderable_problem
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.limits import MAX_NOTE_LENGTH, MAX_QUANTITY_PER_FORCE
from core.text import check_single_line, control_character, single_line_errors
from procurement import selectors
from procurement.audit_actions import ProcurementAudit
from procurement.models import (
    JointRequisition,
    Participation,
    ParticipationQuantityChange,
    ParticipationStatus,
    RequisitionStatus,
)
from procurement.policies import pledging
from procurement.services import notifications, publication
from procurement.services._common import (
    find_participation,
    lock_participations,
    lock_requisition,
    require_orderable,
    transition,
)

MAX_OPEN_DAYS = 366


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
    publication.publish_tender(requisition)
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
    locked = lock_requisition(requisition)
    _require_open_for_pledges(locked, "join it")
    require_orderable(locked)
    participations = lock_participations(locked)
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
    publication.publish_pool_change(locked)
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
    locked = lock_requisition(participation.joint_requisition_id)
    _require_open_for_pledges(locked, "change your force's part")
    participations = lock_participations(locked)
    current = find_participation(participations, participation.pk)
    if current.status != ParticipationStatus.ACTIVE:
        raise InvalidTransition(
            "Your force has withdrawn from this requisition: join it again instead."
        )
    old_quantity = current.quantity
    quantity_changes = quantity is not None and quantity != old_quantity
    if quantity_changes:
        require_orderable(locked)
    total_before = _active_total(participations)
    address, centre, note = _validated_details(
        delivery_address=current.delivery_address if delivery_address is None else delivery_address,
        cost_centre=current.cost_centre if cost_centre is None else cost_centre,
        internal_note=current.internal_note if internal_note is None else internal_note,
    )
    with audit.audited(
        current,
        actor=user,
        action=ProcurementAudit.PARTICIPATION_CHANGED,
        organisation=current.force,
    ):
        if quantity is not None:
            current.quantity = quantity
        current.delivery_address = address
        current.cost_centre = centre
        current.internal_note = note
        if needed_by is not ...:
            current.needed_by = needed_by
        current.last_changed_by = user
        current.save()
        if quantity_changes:
            _record_quantity(current, user, old_quantity)
    total_after = _active_total(participations)
    if _price_break_reached(locked, total_before, total_after):
        notifications.queue("break_reached", requisition_id=locked.pk)
    publication.publish_pool_change(locked)
    return current


@transaction.atomic
def participation_withdraw(*, participation: Participation, user: User) -> Participation:
    """A force leaves an open requisition. The lead force cancels instead of withdrawing."""
    _require_buyer(user, participation.force)
    locked = lock_requisition(participation.joint_requisition_id)
    _require_open_for_pledges(locked, "withdraw from it")
    participations = lock_participations(locked)
    current = find_participation(participations, participation.pk)
    problem = pledging.withdraw_problem(locked, current, timezone.now())
    if problem:
        raise InvalidTransition(problem)
    publication.publish_pool_change(locked, leaving=current)
    return transition(
        current,
        ParticipationStatus.WITHDRAWN,
        actor=user,
        action=ProcurementAudit.PARTICIPATION_WITHDRAWN,
        organisation=current.force,
        changes={"last_changed_by": user},
    )
