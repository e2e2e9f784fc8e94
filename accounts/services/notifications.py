"""Every e-mail the platform sends, recorded: queued, sent, retrying or failed.

Apps build their messages and hand them here (``deliveries_queue``); a Celery task sends
each one (``delivery_attempt``), retrying any failure with backoff up to ``MAX_ATTEMPTS``
and then marking it failed, so that nothing is silently dropped. The ICT company sees the
failures and may send one again (``delivery_retry``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from accounts.audit_actions import AccountsAudit
from accounts.models import DeliveryStatus, NotificationDelivery, User
from accounts.permissions import can_see_notifications
from accounts.states import DELIVERY
from core.errors import InvalidTransition, NotPermitted

MAX_ATTEMPTS = 5
MAX_BACKOFF = 600


@dataclass(frozen=True)
class Outgoing:
    to: str
    subject: str
    body: str


def backoff(attempts: int) -> int:
    """Seconds to wait before the next attempt: doubling from the configured base."""
    base = getattr(settings, "NOTIFICATION_RETRY_BACKOFF", 30)
    return int(min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF))


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


@transaction.atomic
def deliveries_queue(
    *,
    event: str,
    messages: Iterable[Outgoing],
    object_type: str = "",
    object_id: str | int = "",
    link: str = "",
) -> list[NotificationDelivery]:
    """Record one delivery per message and send each by a task once this commits."""
    # Imported here: accounts.tasks imports this module (a cycle at import time).
    from accounts.tasks import deliver_notification

    deliveries = NotificationDelivery.objects.bulk_create(
        NotificationDelivery(
            event=event,
            recipient=message.to,
            subject=message.subject,
            body=message.body,
            object_type=object_type,
            object_id=str(object_id),
            link=link,
        )
        for message in messages
    )
    for delivery in deliveries:
        transaction.on_commit(partial(deliver_notification.delay, delivery.pk))
    return deliveries


def delivery_record_unbuildable(
    *, event: str, error: BaseException, object_type: str = "", object_id: str | int = ""
) -> NotificationDelivery:
    """The e-mails for an event could not even be built: recorded as one failed delivery."""
    return NotificationDelivery.objects.create(
        event=event,
        recipient="",
        subject=f"{event} (the e-mails could not be prepared)",
        body="",
        status=DeliveryStatus.FAILED,
        attempts=MAX_ATTEMPTS,
        last_error=_describe(error),
        object_type=object_type,
        object_id=str(object_id),
    )


def delivery_attempt(*, delivery_id: int) -> NotificationDelivery | None:
    """Send the e-mail once, if it is still to be sent, and record what happened: sent;
    retrying (any exception, while attempts remain); or failed."""
    with transaction.atomic():
        delivery = NotificationDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status not in (
            DeliveryStatus.QUEUED,
            DeliveryStatus.RETRYING,
        ):
            return delivery
        delivery.attempts += 1
        try:
            message = EmailMessage(
                subject=delivery.subject, body=delivery.body, to=[delivery.recipient]
            )
            with get_connection() as connection:
                connection.send_messages([message])
        except Exception as error:  # noqa: BLE001 - every failure is recorded, none dropped
            delivery.last_error = _describe(error)
            if delivery.attempts >= MAX_ATTEMPTS:
                # Given up: audited, so that the failure is on the record as well as listed.
                return DELIVERY.apply(
                    delivery,
                    DeliveryStatus.FAILED,
                    actor=None,
                    action=AccountsAudit.NOTIFICATION_FAILED,
                )
            return DELIVERY.change(delivery, DeliveryStatus.RETRYING)
        return DELIVERY.change(delivery, DeliveryStatus.SENT, changes={"sent_at": timezone.now()})


@transaction.atomic
def delivery_retry(*, delivery: NotificationDelivery, actor: User) -> NotificationDelivery:
    """Send a failed e-mail again (the ICT company), with a fresh round of attempts."""
    # Imported here: accounts.tasks imports this module (a cycle at import time).
    from accounts.tasks import deliver_notification

    if not can_see_notifications(actor):
        raise NotPermitted("Only the ICT company can retry notifications.")
    locked = NotificationDelivery.objects.select_for_update().get(pk=delivery.pk)
    if locked.status != DeliveryStatus.FAILED:
        raise InvalidTransition("Only a failed notification can be sent again.")
    if not locked.recipient:
        raise InvalidTransition(
            "These e-mails could not be prepared: correct the cause; there is nothing to resend."
        )
    DELIVERY.apply(
        locked,
        DeliveryStatus.QUEUED,
        actor=actor,
        action=AccountsAudit.NOTIFICATION_RETRIED,
        changes={"attempts": 0},
    )
    transaction.on_commit(lambda: deliver_notification.delay(locked.pk))
    return locked
