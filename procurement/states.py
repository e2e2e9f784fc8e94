"""The state machines of joint requisitions, participations, orders and their documents.

A requisition is open -> closed -> approved -> awarded -> contracted, and may be cancelled
until it is awarded. A force's participation is active (it may withdraw and rejoin while
the requisition is open); at close it awaits finance approval, then is approved or rejected.
An order is placed at award and contracted once its documents are done. A document is
queued, rendered by a worker (retried after a transient error), done or failed; a commercial
lead puts a failed one back in the queue.

The rules of the business (open for pledges, separation of duties, limits, thresholds, ...)
are the policies of ``procurement.policies``; the services call them before they move.
"""

from typing import Any

from accounts import audit
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

RS = RequisitionStatus
PS = ParticipationStatus
OS = OrderStatus
DS = DocumentStatus


REQUISITION: StateMachine[JointRequisition] = StateMachine(
    model=JointRequisition,
    table={
        RS.OPEN: [move(RS.CLOSED), move(RS.CANCELLED)],
        RS.CLOSED: [move(RS.APPROVED), move(RS.CANCELLED)],
        RS.APPROVED: [move(RS.AWARDED), move(RS.CANCELLED)],
        RS.AWARDED: [move(RS.CONTRACTED)],
        RS.CONTRACTED: [],
        RS.CANCELLED: [],
    },
    auditor=audit,
)

PARTICIPATION: StateMachine[Participation] = StateMachine(
    model=Participation,
    table={
        PS.ACTIVE: [move(PS.WITHDRAWN), move(PS.AWAITING_APPROVAL)],
        PS.WITHDRAWN: [move(PS.ACTIVE)],
        # One move a line: a new way out of awaiting approval is one line here (a status
        # named only as a target is final).
        PS.AWAITING_APPROVAL: [
            move(PS.APPROVED),
            move(PS.REJECTED),
        ],
        # A share that rises when another force's share is rejected is approved again.
        PS.APPROVED: [move(PS.AWAITING_APPROVAL)],
        PS.REJECTED: [],
    },
    auditor=audit,
)

ORDER: StateMachine[Order] = StateMachine(
    model=Order,
    table={
        OS.PLACED: [move(OS.CONTRACTED), move(OS.CANCELLED)],
        OS.CONTRACTED: [],
        OS.CANCELLED: [],
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
    return _retry_refusal(document) if to == DS.QUEUED else None


DOCUMENT: StateMachine[Document] = StateMachine(
    model=Document,
    table={
        DS.QUEUED: [
            move(DS.RENDERING),
            move(DS.QUEUED, retried_by_its_worker),
            move(DS.FAILED),
        ],
        DS.RENDERING: [
            move(DS.DONE),
            # A task delivered again after its worker was lost starts the render again.
            move(DS.RENDERING),
            move(DS.QUEUED, retried_by_its_worker),
            move(DS.FAILED),
        ],
        DS.FAILED: [move(DS.QUEUED)],
        DS.DONE: [],
    },
    auditor=audit,
    audit_fields=["number", "version", "status", "progress", "attempts", "error", "sha256"],
    describe_refusal=_document_refusal,
)
