"""The Celery app: `celery -A config worker` and `celery -A config beat`."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

from config.env import env_int, require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("network_code")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# RedBeat (the beat scheduler when REDIS_URL is set: config/settings.py) looks for its URL
# and Redis options under names without the CELERY_ prefix, and warns when it finds none.
app.conf.update(
    redbeat_redis_url=app.conf.get("redbeat_redis_url"),
    redbeat_redis_options=app.conf.get("redbeat_redis_options") or {},
)

# Scheduled jobs, every minute (SCHEDULED_JOBS_INTERVAL seconds); each is idempotent, so a
# missed or doubled run is harmless. One beat schedules them: RedBeat's lock (settings.py).
EVERY = float(env_int("SCHEDULED_JOBS_INTERVAL", 60))
app.conf.beat_schedule = {
    # Joint requisitions past their closing time are closed.
    "close-due-requisitions": {"task": "procurement.close_due_requisitions", "schedule": EVERY},
    # Coalesced OCDS tender updates whose minute is up (if their delayed task was lost).
    "publish-due-ocds-updates": {"task": "procurement.publish_due_ocds_updates", "schedule": EVERY},
    # Votes whose window has ended are closed (and carried proposals enacted).
    "standards-close-due-votes": {"task": "standards.close_due_votes", "schedule": EVERY},
    # Conformance to superseded versions lapses when the transition period ends.
    "standards-lapse-conformance": {"task": "standards.lapse_conformance", "schedule": EVERY},
}


@worker_init.connect
@beat_init.connect
def _require_secret_key(**kwargs) -> None:
    require_secret_key()


@app.task(name="network_code.ping")
def ping(value: str = "pong") -> str:
    """A round trip through the broker and a worker: used by health checks and tests."""
    return value
