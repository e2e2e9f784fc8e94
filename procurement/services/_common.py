"""What the procurement services share: the status transitions, the row locks taken in
one order (the requisition, then its participations by primary key), and the checks that
several use cases repeat."""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Model

from accounts import permissions
from accounts.models import Organisation, User
from catalogue.policies import orderable_problem
from core.errors import InvalidTransition, NotFound, NotPermitted
from core.invariants import present
from core.state import StateMachine
from procurement import states
from procurement.audit_actions import ProcurementAudit
from procurement.models import (
    JointRequisition,
    Order,
    Participation,
    ParticipationStatus,
    RequisitionStatus,
)

# The models with a status that ``transition`` moves (one of them, not a mixture).
Stateful = TypeVar("Stateful", JointRequisition, Participation, Order)
MACHINES: dict[type[Model], StateMachine[Any]] = {
    JointRequisition: states.REQUISITION,
    Participation: states.PARTICIPATION,
    Order: states.ORDER,
}


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


def lock_requisition(requisition: JointRequisition | int) -> JointRequisition:
    pk = requisition.pk if isinstance(requisition, JointRequisition) else requisition
    try:
        return (
            JointRequisition.objects.select_for_update(of=("self",))
            .select_related("product", "lead_force")
            .get(pk=pk)
        )
    except JointRequisition.DoesNotExist as error:
        raise NotFound("There is no such requisition.") from error


def lock_participations(requisition: JointRequisition) -> list[Participation]:
    return list(
        Participation.objects.select_for_update(of=("self",))
        .filter(joint_requisition=requisition)
        .select_related("force")
        .order_by("pk")
    )


def find_participation(participations: Iterable[Participation], pk: int) -> Participation:
    for participation in participations:
        if participation.pk == pk:
            return participation
    raise NotFound("There is no such participation.")


def require_orderable(requisition: JointRequisition) -> None:
    problem = orderable_problem(requisition.product)
    if problem:
        raise InvalidTransition(problem, field="product")


def priced_share(participation: Participation) -> tuple[Decimal, Decimal]:
    """(share, VAT) of a participation that has been priced (at close or after a rejection)."""
    return (
        present(participation.share, "A priced participation's share"),
        present(participation.vat, "A priced participation's VAT"),
    )


def is_in_order(participation: Participation) -> bool:
    """Whether a force's share still counts towards the order (awaiting approval or approved)."""
    return participation.status in (
        ParticipationStatus.AWAITING_APPROVAL,
        ParticipationStatus.APPROVED,
    )


def apply_approved(requisition: JointRequisition, actor: User | None) -> None:
    transition(
        requisition,
        RequisitionStatus.APPROVED,
        actor=actor,
        action=ProcurementAudit.REQUISITION_APPROVED,
        organisation=requisition.lead_force,
    )


def require_commercial_lead(user: User, doing: str) -> None:
    if not permissions.can_sign_off_and_award(user):
        raise NotPermitted(f"Only the ICT company's commercial lead can {doing}.")
