"""Pledging: joining, changing and withdrawing while a requisition is open.

A requisition takes pledges while its status is open *and* its closing time has not
passed: the deadline holds from the moment it passes, not from when the scheduler next
runs, and still holds while a close is blocked. Services refuse with these reasons; the
requisition page and the API offer join, change and withdraw only when they say yes.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from procurement.models import (
    JointRequisition,
    Participation,
    ParticipationStatus,
    RequisitionStatus,
)


def pledging_problem(
    requisition: JointRequisition, now: datetime.datetime, doing: str = "pledge"
) -> str | None:
    """Why the requisition takes no pledges now, or None when it does."""
    if requisition.status != RequisitionStatus.OPEN:
        return (
            f"This requisition is {requisition.get_status_display().lower()}: "
            f"you can no longer {doing}."
        )
    if now >= requisition.closes_at:
        when = timezone.localtime(requisition.closes_at)
        return (
            f"This requisition closed to pledges at {when:%-d %B %Y, %H:%M}: "
            f"you can no longer {doing}."
        )
    return None


def open_for_pledges_q(now: datetime.datetime) -> Q:
    """The same rule as a filter on requisitions (for lists of requisitions to join)."""
    return Q(status=RequisitionStatus.OPEN, closes_at__gt=now)


def is_open_for_pledges(requisition: JointRequisition, now: datetime.datetime) -> bool:
    return pledging_problem(requisition, now) is None


def withdraw_problem(
    requisition: JointRequisition, participation: Participation, now: datetime.datetime
) -> str | None:
    """Why this force cannot withdraw now, or None."""
    problem = pledging_problem(requisition, now, "withdraw from it")
    if problem:
        return problem
    if participation.status != ParticipationStatus.ACTIVE:
        return "Your force does not take part in this requisition now."
    if participation.force_id == requisition.lead_force_id:
        return "The lead force cannot withdraw from its own requisition: cancel it instead."
    return None


@dataclass(frozen=True)
class PledgeOffer:
    """What the page and the API offer a force's buyer on a requisition."""

    open_for_pledges: bool
    can_join: bool
    can_change: bool
    can_withdraw: bool


def pledge_offer(
    requisition: JointRequisition,
    participation: Participation | None,
    *,
    takes_part_for_force: bool,
    now: datetime.datetime,
) -> PledgeOffer:
    """``participation`` is the buyer's force's (None if it never joined);
    ``takes_part_for_force`` whether the user is a buyer of that force."""
    is_open = is_open_for_pledges(requisition, now)
    active = participation is not None and participation.status == ParticipationStatus.ACTIVE
    rejoinable = participation is None or participation.status == ParticipationStatus.WITHDRAWN
    allowed = is_open and takes_part_for_force
    return PledgeOffer(
        open_for_pledges=is_open,
        can_join=allowed and rejoinable,
        can_change=allowed and active,
        can_withdraw=allowed
        and participation is not None
        and withdraw_problem(requisition, participation, now) is None,
    )
