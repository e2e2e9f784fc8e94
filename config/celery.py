"""The Celery app: `celery -A config worker` and `celery -A config beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("network_code")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {}
app.conf.beat_schedule["close-due-requisitions"] = {
    "task": "procurement.close_due_requisitions",
    "schedule": 60.0,
}

# The network code: close votes whose window has ended (and enact those carried); lapse
# conformance whose transition period has ended. Both are idempotent.
app.conf.beat_schedule["standards-close-due-votes"] = {
    "task": "standards.close_due_votes",
    "schedule": 60.0,
}
app.conf.beat_schedule["standards-lapse-conformance"] = {
    "task": "standards.lapse_conformance",
    "schedule": 60.0,
}


@app.task(name="network_code.ping")
def ping(value: str = "pong") -> str:
    """A round trip through the broker and a worker: used by health checks and tests."""
    return value
