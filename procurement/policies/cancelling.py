"""Cancelling: the lead force's buyers or the ICT company's commercial lead, before award."""

from accounts import permissions
from accounts.models import User
from procurement.models import JointRequisition, RequisitionStatus

CANCELLABLE = (RequisitionStatus.OPEN, RequisitionStatus.CLOSED, RequisitionStatus.APPROVED)


def cancel_problem(requisition: JointRequisition) -> str | None:
    """Why the requisition cannot be cancelled in its state, or None."""
    if requisition.status not in CANCELLABLE:
        return (
            f"This requisition is {requisition.get_status_display().lower()}: "
            "it cannot be cancelled."
        )
    return None


def may_cancel(user: User, requisition: JointRequisition) -> bool:
    return (
        permissions.can_cancel_requisition(user, requisition)
        and cancel_problem(requisition) is None
    )
