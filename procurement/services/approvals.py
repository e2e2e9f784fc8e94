"""A force's finance approvers decide on its share (approve, reject); the commercial lead
releases a share no approver can cover, and signs off an approved requisition.

Rejection (decided for issue 4): a rejected share drops its force out; the pooled price
is recomputed for the forces that remain, from their quantities (``closing.reprice``). A
share (including VAT) that rises needs approving again: its ``approval_round`` goes up and
the approvals of the earlier round no longer count. A share that falls or stays the same
keeps its approvals, since an approval of a larger amount covers a smaller one. If no
participation remains, the requisition is cancelled. When every remaining share is
approved, the requisition is approved. A release is followed the same way.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts import audit, permissions
from accounts.models import User
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.invariants import present
from core.limits import MAX_NOTE_LENGTH
from core.money import format_gbp
from procurement.audit_actions import ProcurementAudit
from procurement.models import (
    Approval,
    ApprovalDecision,
    JointRequisition,
    Participation,
    ParticipationStatus,
    RequisitionStatus,
)
from procurement.policies import approval as approval_policy
from procurement.policies import sign_off
from procurement.policies.approval import is_fully_approved, share_with_vat
from procurement.services import notifications
from procurement.services._common import (
    apply_approved,
    find_participation,
    is_in_order,
    lock_participations,
    lock_requisition,
    require_commercial_lead,
    transition,
)
from procurement.services.award import cancel_locked
from procurement.services.closing import reprice


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
    locked = lock_requisition(participation.joint_requisition_id)
    participations = lock_participations(locked)
    current = find_participation(participations, participation.pk)
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
        if all(p.status == ParticipationStatus.APPROVED for p in participations if is_in_order(p)):
            apply_approved(locked, approver)
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
    remaining = [p for p in participations if is_in_order(p)]
    if not remaining:
        cancel_locked(
            locked, by=approver, reason="Every force's share was rejected by its finance approver."
        )
        return approval
    reprice(locked, remaining, approver)
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
    locked = lock_requisition(participation.joint_requisition_id)
    participations = lock_participations(locked)
    current = find_participation(participations, participation.pk)
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
    remaining = [p for p in participations if is_in_order(p)]
    if not remaining:
        cancel_locked(locked, by=user, reason=f"The only force taking part was released: {reason}")
        return current
    reprice(locked, remaining, user)
    return current


@transaction.atomic
def requisition_sign_off(
    *, requisition: JointRequisition, user: User, reasons: str = ""
) -> JointRequisition:
    """The commercial lead signs off an approved requisition, recording the grounds the rules
    find now (the threshold, a split purchase, or none: a voluntary sign-off), the evidence
    and their reasons, which a split purchase requires."""
    require_commercial_lead(user, "sign off a requisition")
    reasons = (reasons or "").strip()
    if len(reasons) > MAX_NOTE_LENGTH:
        raise DomainError(
            f"The reasons must be {MAX_NOTE_LENGTH:,} characters or fewer.", field="reasons"
        )
    locked = lock_requisition(requisition)
    if locked.status != RequisitionStatus.APPROVED:
        raise InvalidTransition(
            "Only a requisition whose every share is approved can be signed off; this one is "
            f"{locked.get_status_display().lower()}."
        )
    in_order = [p for p in lock_participations(locked) if is_in_order(p)]
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
    audit.audited_update(
        locked,
        actor=user,
        action=ProcurementAudit.REQUISITION_SIGNED_OFF,
        organisation=locked.lead_force,
        changes={
            "signed_off_by": user,
            "signed_off_at": timezone.now(),
            "sign_off_grounds": requirement.grounds,
            "sign_off_reasons": reasons,
            "sign_off_evidence": requirement.as_json(),
        },
    )
    return locked


def _gbp(amount: Decimal | None) -> str:
    return format_gbp(amount or Decimal("0.00"))
