"""Closing a requisition (by its lead, or the scheduled close with what blocks it) and
pricing the pool: at close, and again for the forces that remain after a rejection or a
release."""

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import audit, permissions
from accounts.models import User
from core.errors import DomainError, InvalidTransition, NotPermitted
from procurement import selectors
from procurement.audit_actions import ProcurementAudit
from procurement.domain import arithmetic
from procurement.models import (
    Approval,
    ApprovalDecision,
    JointRequisition,
    Participation,
    ParticipationStatus,
    RequisitionStatus,
)
from procurement.policies import sign_off
from procurement.policies.approval import is_fully_approved, share_with_vat
from procurement.services import notifications, publication
from procurement.services._common import (
    apply_approved,
    lock_participations,
    lock_requisition,
    priced_share,
    require_orderable,
    transition,
    transition_many,
)


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
    priced = [priced_share(p) for p in participations]
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
    locked = lock_requisition(requisition)
    if user is not None and not permissions.can_close_requisition(user, locked):
        raise NotPermitted("Only a buyer of the lead force can close this requisition.")
    now = timezone.now()
    if locked.status != RequisitionStatus.OPEN:
        raise InvalidTransition(
            f"This requisition is already {locked.get_status_display().lower()}."
        )
    if user is None and locked.closes_at > now:
        raise InvalidTransition("This requisition is not due to close yet.")
    require_orderable(locked)
    participations = lock_participations(locked)
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
    publication.publish_close(locked)
    return locked


@transaction.atomic
def _record_close_blocked(requisition_id: int, reason: str) -> bool:
    """Remember why the scheduled close failed; True when the reason is new (tell the lead)."""
    locked = lock_requisition(requisition_id)
    if locked.status != RequisitionStatus.OPEN or locked.close_blocked_reason == reason:
        return False
    with audit.audited(
        locked,
        actor=None,
        action=ProcurementAudit.REQUISITION_CLOSE_BLOCKED,
        organisation=locked.lead_force,
        fields=["close_blocked_reason", "close_blocked_at"],
    ):
        locked.close_blocked_reason = reason
        locked.close_blocked_at = timezone.now()
        locked.save(update_fields=["close_blocked_reason", "close_blocked_at", "updated_at"])
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


def reprice(
    requisition: JointRequisition, remaining: list[Participation], actor: User | None
) -> None:
    """Recompute the pool for the forces that remain after a rejection or a release (the
    rule: ``procurement.services.approvals``); the caller holds the locks."""
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
    with audit.audited(
        requisition,
        actor=actor,
        action=ProcurementAudit.REQUISITION_REPRICED,
        organisation=requisition.lead_force,
    ) as change:
        _apply_pool(requisition, pool, now)
        requisition.save()
        change.details.update(
            shares=_shares_summary(remaining), to_approve_again=[p.pk for p in risen]
        )
    if all(p.status == ParticipationStatus.APPROVED for p in remaining):
        apply_approved(requisition, actor)
        notifications.queue("ready_to_award", requisition_id=requisition.pk)
    elif risen:
        notifications.queue(
            "shares_awaiting_approval",
            requisition_id=requisition.pk,
            participation_ids=[p.pk for p in risen],
        )
