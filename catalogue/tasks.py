"""Scheduled jobs of the catalogue: thin entry points that call a service."""

from celery import shared_task

from catalogue.services import lapsing


# Named "standards." as it was when the network code ran it: queued messages and the beat
# schedule keep working.
@shared_task(name="standards.lapse_conformance", acks_late=True)
def lapse_conformance() -> int:
    """Lapse conformance to superseded versions whose transition period has ended."""
    return lapsing.conformance_lapse_due()
