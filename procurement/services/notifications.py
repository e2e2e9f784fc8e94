"""E-mails to the people who must act, sent by a Celery task after the change commits.

Services call ``queue(event, ...)`` inside their transaction; nothing is sent for a change
that rolls back. The task loads the rows again and works out who to tell at send time.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Membership, OrganisationKind, Role, User
from accounts.services.notifications import Outgoing, deliveries_queue, delivery_record_unbuildable
from catalogue.policies import orderable_problem
from core.money import format_gbp
from procurement.models import JointRequisition, Participation, ParticipationStatus
from procurement.policies.approval import quantity_setter_ids

EVENTS = {
    "shares_awaiting_approval": "Your force's share awaits approval",
    "second_approval_needed": "A share needs a second approval",
    "break_reached": "Your requisition has reached a cheaper price break",
    "close_blocked": "Your requisition could not close",
    "ready_to_award": "A joint requisition is ready to award",
    "awarded": "A joint requisition has been awarded",
    "cancelled": "A joint requisition has been cancelled",
    "product_unorderable": "The product of your joint requisition can no longer be ordered",
}


_muted: ContextVar[bool] = ContextVar("procurement_notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """No e-mails for changes made inside (demo data is not news to anyone)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def queue(event: str, *, requisition_id: int, participation_ids: list[int] | None = None) -> None:
    """Send the e-mails for ``event`` once the current transaction commits."""
    if event not in EVENTS:
        raise ValueError(f"Unknown notification {event!r}.")
    if _muted.get():
        return
    # Imported here: procurement.tasks imports this module (a cycle at import time).
    from procurement.tasks import send_notification

    transaction.on_commit(
        partial(send_notification.delay, event, requisition_id, participation_ids or [])
    )


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _users(
    *, force_ids: Iterable[int] = (), roles: Iterable[str], kind: str | None = None
) -> list[User]:
    memberships = Membership.objects.filter(role__in=list(roles), user__is_active=True)
    if kind is not None:
        memberships = memberships.filter(organisation__kind=kind)
    else:
        memberships = memberships.filter(organisation_id__in=list(force_ids))
    return list(
        User.objects.filter(pk__in=memberships.values("user_id")).distinct().order_by("email")
    )


def _commercial_leads() -> list[User]:
    return _users(roles=[Role.COMMERCIAL_LEAD], kind=OrganisationKind.ICT_COMPANY)


def build(event: str, requisition_id: int, participation_ids: list[int]) -> list[Mail]:
    """The e-mails for an event: one per recipient, so nobody sees another's address."""
    requisition = (
        JointRequisition.objects.select_related("product", "lead_force", "created_by")
        .filter(pk=requisition_id)
        .first()
    )
    if requisition is None:
        return []
    link = _absolute(reverse("procurement:requisition_detail", args=[requisition.pk]))
    context = {"requisition": requisition, "link": link, "event": event}
    recipients: dict[str, dict] = {}

    def add(users: Iterable[User], **extra) -> None:
        for user in users:
            recipients.setdefault(user.email, {"user": user, **extra})

    participations = list(
        Participation.objects.filter(joint_requisition=requisition)
        .select_related("force")
        .prefetch_related("quantity_changes")
    )
    chosen = [p for p in participations if p.pk in set(participation_ids)]
    if event in ("shares_awaiting_approval", "second_approval_needed"):
        queue_link = _absolute(reverse("procurement:approval_queue"))
        finance_by_force: dict[int, list[Membership]] = {}
        for membership in Membership.objects.filter(
            organisation_id__in={p.force_id for p in chosen},
            role=Role.FINANCE,
            user__is_active=True,
        ).select_related("user"):
            finance_by_force.setdefault(membership.organisation_id, []).append(membership)
        decided: set[tuple[int, int]] = set()
        if event == "second_approval_needed":
            decided = {
                (a.participation_id, a.approver_id)
                for p in chosen
                for a in p.approvals.filter(round=p.approval_round)
            }
        for participation in chosen:
            amount = (participation.share or 0) + (participation.vat or 0)
            deciders = [
                m.user
                for m in finance_by_force.get(participation.force_id, [])
                if m.user_id not in quantity_setter_ids(participation)
                and (
                    event != "second_approval_needed"
                    or (
                        (participation.pk, m.user_id) not in decided
                        and (m.approval_limit or 0) >= amount
                    )
                )
            ]
            add(
                deciders,
                participation=participation,
                share=format_gbp(amount),
                queue_link=queue_link,
            )
    elif event in ("break_reached", "close_blocked"):
        add(_users(force_ids=[requisition.lead_force_id], roles=[Role.BUYER]))
        add([requisition.created_by])
    elif event == "product_unorderable":
        context["problem"] = (
            orderable_problem(requisition.product) or "It could not be ordered for a while."
        )
        taking_part = [p.force_id for p in participations if p.status == ParticipationStatus.ACTIVE]
        add(_users(force_ids=taking_part, roles=[Role.BUYER, Role.FINANCE]))
        add([requisition.created_by])
    elif event == "ready_to_award":
        add(_commercial_leads(), queue_link=_absolute(reverse("procurement:commercial_queue")))
    elif event in ("awarded", "cancelled"):
        involved = [p.force_id for p in participations if p.status != ParticipationStatus.WITHDRAWN]
        add(_users(force_ids=involved, roles=[Role.BUYER, Role.FINANCE]))
        add([requisition.created_by])
        add(_commercial_leads())
        if event == "awarded":
            add(_users(force_ids=[requisition.product.supplier_id], roles=[Role.SUPPLIER_EDITOR]))
            order = getattr(requisition, "order", None)
            if order is not None:
                context["order"] = order
                context["order_link"] = _absolute(
                    reverse("procurement:order_detail", args=[order.pk])
                )
    mails = []
    subject = f"{EVENTS[event]}: {requisition.title or requisition}"
    for email, extra in sorted(recipients.items()):
        body = render_to_string(f"procurement/email/{event}.txt", {**context, **extra})
        mails.append(Mail(to=email, subject=subject, body=body))
    return mails


def send(event: str, requisition_id: int, participation_ids: list[int]) -> int:
    """Record a delivery per e-mail and queue each (accounts.services.notifications sends, retries
    and records failures); returns how many were queued."""
    mails = build(event, requisition_id, participation_ids)
    if not mails:
        return 0
    deliveries = deliveries_queue(
        event=event,
        messages=[Outgoing(to=m.to, subject=m.subject, body=m.body) for m in mails],
        object_type=JointRequisition._meta.label_lower,
        object_id=requisition_id,
        link=reverse("procurement:requisition_detail", args=[requisition_id]),
    )
    return len(deliveries)


def record_unbuildable(event: str, requisition_id: int, error: BaseException) -> None:
    """The e-mails for an event could not be built, even after retries: say so."""
    delivery_record_unbuildable(
        event=event,
        error=error,
        object_type=JointRequisition._meta.label_lower,
        object_id=requisition_id,
    )
