"""Approval: who may decide on a force's share, and whether anyone can cover it.

- Separation of duties: nobody who entered or changed a share's quantity, at any time,
  approves or rejects it (the history is ``ParticipationQuantityChange``; the last editor
  alone is not enough, since a colleague's later change of address would hide them).
- The approval limit covers the share including VAT.
- A share larger than every approver's limit in its force can never be approved: the buyer
  is warned when pledging, and at close it blocks the requisition until the force reduces
  or withdraws (before close) or the commercial lead releases it (after close).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max

from accounts import permissions
from accounts.models import Membership, Organisation, Role, User
from core.money import format_gbp
from procurement.models import (
    Approval,
    JointRequisition,
    Participation,
    ParticipationStatus,
    RequisitionStatus,
)

ZERO = Decimal("0.00")


# Separation of duties.


def quantity_setter_ids(participation: Participation) -> set[int]:
    """Everyone who entered or changed the participation's quantity (uses a prefetch of
    ``quantity_changes`` when there is one)."""
    return {participation.entered_by_id} | {
        change.user_id for change in participation.quantity_changes.all()
    }


def separation_problem(user: User, participation: Participation) -> str | None:
    if user.pk in quantity_setter_ids(participation):
        return (
            "You entered or changed this share's quantity, so someone else must decide on it "
            "(separation of duties)."
        )
    return None


def may_decide(user: User, participation: Participation) -> bool:
    """A finance approver of the force who never set the share's quantity."""
    return (
        permissions.can_decide_share(user, participation)
        and separation_problem(user, participation) is None
    )


# Limits: the share including VAT.


def share_with_vat(participation: Participation) -> Decimal:
    return (participation.share or ZERO) + (participation.vat or ZERO)


def limit_covers(limit: Decimal | None, amount: Decimal) -> bool:
    return limit is not None and limit >= amount


def is_fully_approved(participation: Participation, approvals: Sequence[Approval]) -> bool:
    """Approved once someone whose limit covers the share (including VAT) has approved it."""
    amount = share_with_vat(participation)
    return any(limit_covers(a.approver_limit, amount) for a in approvals)


def highest_approval_limits(force_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """Each force's highest finance approval limit (active users), in one query."""
    memberships = Membership.objects.filter(role=Role.FINANCE, user__is_active=True)
    if force_ids is not None:
        memberships = memberships.filter(organisation_id__in=list(force_ids))
    return {
        row["organisation_id"]: row["highest"]
        for row in memberships.values("organisation_id").annotate(highest=Max("approval_limit"))
        if row["highest"] is not None
    }


def highest_approval_limit(force: Organisation) -> Decimal | None:
    return highest_approval_limits([force.pk]).get(force.pk)


def can_be_covered(
    force: Organisation, amount: Decimal, limits: dict[int, Decimal] | None = None
) -> bool:
    """Whether any finance approver of the force has a limit covering ``amount``."""
    highest = (limits if limits is not None else highest_approval_limits([force.pk])).get(force.pk)
    return limit_covers(highest, amount)


def uncovered_warning(force: Organisation, amount: Decimal, limit: Decimal | None) -> str | None:
    """The buyer's warning when no approver of the force can cover the (estimated) share."""
    if limit_covers(limit, amount):
        return None
    highest = (
        f"the highest approval limit is {format_gbp(limit)}"
        if limit is not None
        else "it has no finance approver"
    )
    return (
        f"No finance approver of {force.name} can approve its share: the estimated share "
        f"is {format_gbp(amount)} including VAT and {highest}. Unless that changes, reduce "
        "the quantity or withdraw before the requisition closes."
    )


@dataclass(frozen=True)
class BlockingShare:
    participation: Participation
    amount: Decimal
    highest_limit: Decimal | None

    @property
    def route(self) -> str:
        return (
            f"No finance approver of {self.participation.force.name} can approve its share "
            f"of {format_gbp(self.amount)} including VAT (the highest limit is "
            f"{format_gbp(self.highest_limit or ZERO)}): the ICT company's commercial lead "
            "can release the force, and the other shares are re-priced."
        )


def blocking_shares(
    requisition: JointRequisition,
    participations: Iterable[Participation],
    limits: dict[int, Decimal],
) -> list[BlockingShare]:
    """After close: the shares awaiting approval that no approver of their force can cover."""
    if requisition.status != RequisitionStatus.CLOSED:
        return []
    found = []
    for participation in participations:
        if participation.status != ParticipationStatus.AWAITING_APPROVAL:
            continue
        amount = share_with_vat(participation)
        highest = limits.get(participation.force_id)
        if not limit_covers(highest, amount):
            found.append(BlockingShare(participation, amount, highest))
    return found


def blocked_requisition_ids(requisitions: Sequence[JointRequisition]) -> set[int]:
    """The requisitions among these with a share no approver can cover (three queries)."""
    waiting = list(
        Participation.objects.filter(
            joint_requisition__in=requisitions, status=ParticipationStatus.AWAITING_APPROVAL
        ).select_related("force")
    )
    limits = highest_approval_limits({p.force_id for p in waiting})
    return {
        requisition.pk
        for requisition in requisitions
        if blocking_shares(
            requisition, [p for p in waiting if p.joint_requisition_id == requisition.pk], limits
        )
    }


def release_problem(
    requisition: JointRequisition, participation: Participation, limits: dict[int, Decimal]
) -> str | None:
    """Why the commercial lead cannot release this force, or None."""
    if (
        requisition.status != RequisitionStatus.CLOSED
        or participation.status != ParticipationStatus.AWAITING_APPROVAL
    ):
        return "Only a share awaiting approval in a closed requisition can be released."
    if limit_covers(limits.get(participation.force_id), share_with_vat(participation)):
        return (
            f"A finance approver of {participation.force.name} can approve this share: "
            "the force decides on it, it is not released."
        )
    return None


def may_release(user: User) -> bool:
    return permissions.is_commercial_lead(user)
