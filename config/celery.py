"""The Celery app: `celery -A config worker` and `celery -A config beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("network_code")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "catalogue-lapse-due-conformances": {
        "task": "catalogue.lapse_due_conformances",
        "schedule": 15 * 60,
    },
}


@app.task(name="network_code.ping")
def ping(value: str = "pong") -> str:
    """A round trip through the broker and a worker: used by health checks and tests."""
    return value
