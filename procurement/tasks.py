"""Celery entry points for joint requisitions: thin, take ids, call a service."""

from celery import shared_task

from procurement import notifications, services


@shared_task(
    name="procurement.send_notification",
    acks_late=True,
    autoretry_for=(OSError,),  # SMTP and connection errors are transient
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    time_limit=120,
    soft_time_limit=100,
)
def send_notification(event: str, requisition_id: int, participation_ids: list[int]) -> int:
    """Send the e-mails for one event; returns how many were sent."""
    return notifications.send(event, requisition_id, participation_ids)


@shared_task(
    name="procurement.close_due_requisitions", acks_late=True, time_limit=300, soft_time_limit=240
)
def close_due_requisitions() -> dict[str, int]:
    """Close every requisition past its closing time (idempotent: run every minute)."""
    return services.close_due_requisitions()
