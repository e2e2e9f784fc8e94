"""Scheduled jobs of the network code: thin entry points that call a service."""

from celery import shared_task

from standards import services


@shared_task(name="standards.close_due_votes", acks_late=True)
def close_due_votes() -> list[int]:
    """Close every vote whose window has ended, and enact those carried. Idempotent."""
    return services.proposals_close_due()
