"""Celery entry points for the catalogue: thin, calling a service."""

from celery import shared_task

from catalogue import services


@shared_task(name="catalogue.lapse_due_conformances", acks_late=True, time_limit=600)
def lapse_due_conformances() -> int:
    """Lapse verified conformance whose version's transition period has ended. Idempotent:
    a conformance lapses once; a second run finds nothing due."""
    return services.conformances_lapse_due()
