"""The state machines of joint requisitions, participations, orders and their documents.

A requisition is open -> closed -> approved -> awarded -> contracted, and may be cancelled
until it is awarded. A force's participation is active (it may withdraw and rejoin while
the requisition is open); at close it awaits finance approval, then is approved or rejected.
An order is placed at award and contracted once its documents are done. A document is
queued, rendered by a worker (retried after a transient error), done or failed; a commercial
lead puts a failed one back in the queue.

The rules of the business (open for pledges, separation of duties, limits, thresholds, ...)
are the policies of ``procurement.policies``; the services call them before they move, and
the moves that depend on them carry them as named guards, so no move skips them.
"""

from typing import Any

from django.utils import timezone

from accounts import audit
from catalogue.policies import orderable_problem
from core.state import StateMachine, move
from procurement.models import (
    Document,
    DocumentStatus,
    JointRequisition,
    Order,
    OrderStatus,
    Participation,
    ParticipationStatus,
    RequisitionStatus,
)
from procurement.policies import pledging, sign_off

# Guards: the policies that a move depends on, asked again at the move itself (services ask
# them first, to refuse with the right field; pages and the API ask them to decide what to
# offer). Each takes the instance and the context a service passes (``now``).


def product_is_orderable(requisition: JointRequisition, **context: Any) -> str | None:
    """Close and award only a product that is published, compliant now and priced."""
    return orderable_problem(requisition.product)


def sign_off_given(requisition: JointRequisition, **context: Any) -> str | None:
    """Award only with every sign-off the threshold and split-purchase rules require."""
    return sign_off.sign_off_missing(
        requisition, sign_off.sign_off_requirement(requisition, now=context.get("now"))
    )


def open_for_pledges(participation: Participation, **context: Any) -> str | None:
    """Withdraw or rejoin only while the requisition is open and before ``closes_at``."""
    now = context.get("now") or timezone.now()
    return pledging.pledging_problem(participation.joint_requisition, now, "do that")


REQUISITION: StateMachine[JointRequisition] = StateMachine(
    model=JointRequisition,
    table={
        RequisitionStatus.OPEN: [
            move(RequisitionStatus.CLOSED, product_is_orderable),
            move(RequisitionStatus.CANCELLED),
        ],
        RequisitionStatus.CLOSED: [
            move(RequisitionStatus.APPROVED),
            move(RequisitionStatus.CANCELLED),
        ],
        RequisitionStatus.APPROVED: [
            move(RequisitionStatus.AWARDED, product_is_orderable, sign_off_given),
            move(RequisitionStatus.CANCELLED),
        ],
        RequisitionStatus.AWARDED: [move(RequisitionStatus.CONTRACTED)],
        RequisitionStatus.CONTRACTED: [],
        RequisitionStatus.CANCELLED: [],
    },
    auditor=audit,
)

PARTICIPATION: StateMachine[Participation] = StateMachine(
    model=Participation,
    table={
        ParticipationStatus.ACTIVE: [
            move(ParticipationStatus.WITHDRAWN, open_for_pledges),
            move(ParticipationStatus.AWAITING_APPROVAL),
        ],
        ParticipationStatus.WITHDRAWN: [move(ParticipationStatus.ACTIVE, open_for_pledges)],
        # One move a line: a new way out of awaiting approval is one line here (a status
        # named only as a target is final).
        ParticipationStatus.AWAITING_APPROVAL: [
            move(ParticipationStatus.APPROVED),
            move(ParticipationStatus.REJECTED),
            # A share no approver of its force can cover, released by the commercial lead.
            move(ParticipationStatus.RELEASED),
        ],
        # A share that rises when another force's share is rejected is approved again.
        ParticipationStatus.APPROVED: [move(ParticipationStatus.AWAITING_APPROVAL)],
        ParticipationStatus.REJECTED: [],
        ParticipationStatus.RELEASED: [],
    },
    auditor=audit,
)

ORDER: StateMachine[Order] = StateMachine(
    model=Order,
    table={
        OrderStatus.PLACED: [move(OrderStatus.CONTRACTED), move(OrderStatus.CANCELLED)],
        OrderStatus.CONTRACTED: [],
        OrderStatus.CANCELLED: [],
    },
    auditor=audit,
)


# Documents.


def retried_by_its_worker(
    document: Document, *, by_worker: bool = False, **context: Any
) -> str | None:
    """Only the worker puts back in the queue a document it has not finished (to retry after
    a transient error); people retry failed documents."""
    if by_worker:
        return None
    return _retry_refusal(document)


def _retry_refusal(document: Document) -> str:
    state = document.get_status_display().lower()
    return f"Only a failed document can be retried; this one is {state}."


def _document_refusal(document: Document, to: str) -> str | None:
    return _retry_refusal(document) if to == DocumentStatus.QUEUED else None


DOCUMENT: StateMachine[Document] = StateMachine(
    model=Document,
    table={
        DocumentStatus.QUEUED: [
            move(DocumentStatus.RENDERING),
            move(DocumentStatus.QUEUED, retried_by_its_worker),
            move(DocumentStatus.FAILED),
        ],
        DocumentStatus.RENDERING: [
            move(DocumentStatus.DONE),
            # A task delivered again after its worker was lost starts the render again.
            move(DocumentStatus.RENDERING),
            move(DocumentStatus.QUEUED, retried_by_its_worker),
            move(DocumentStatus.FAILED),
        ],
        DocumentStatus.FAILED: [move(DocumentStatus.QUEUED)],
        DocumentStatus.DONE: [],
    },
    auditor=audit,
    audit_fields=["number", "version", "status", "progress", "attempts", "error", "sha256"],
    describe_refusal=_document_refusal,
)
