"""Celery entry points for accounts: sending one recorded e-mail."""

from celery import shared_task

from accounts.models import DeliveryStatus
from accounts.services import notifications


@shared_task(
    bind=True,
    name="accounts.deliver_notification",
    acks_late=True,
    max_retries=None,  # the delivery row counts the attempts (notifications.MAX_ATTEMPTS)
    time_limit=120,
    soft_time_limit=100,
)
def deliver_notification(self, delivery_id: int) -> str:
    """Send one e-mail; on any failure try again with backoff, then leave it failed."""
    while True:
        delivery = notifications.delivery_attempt(delivery_id=delivery_id)
        if delivery is None:
            return "missing"
        if delivery.status != DeliveryStatus.RETRYING:
            return delivery.status
        if not self.request.is_eager:
            raise self.retry(countdown=notifications.backoff(delivery.attempts))
        # Run eagerly (tests, or no broker): the next attempt at once.
