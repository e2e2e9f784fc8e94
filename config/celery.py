"""The Celery app: `celery -A config worker` and `celery -A config beat`."""

import datetime
import logging.config
import os

from celery import Celery
from celery.signals import beat_init, setup_logging, worker_init
from celery.utils import uuid
from django.conf import settings
from django.utils import timezone
from kombu import serialization

from config.env import env_int, require_secret_key
from core.background import runner

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class NetworkCodeCelery(Celery):
    """Celery, except that without a broker (TASKS_IN_PROCESS: no REDIS_URL) a queued task
    runs on this process's background thread (core.background) rather than inside the
    request that queued it. Eager mode, as the tests set it, still runs tasks at once."""

    def send_task(self, name, args=None, kwargs=None, countdown=None, eta=None, **options):
        if not settings.TASKS_IN_PROCESS:
            return super().send_task(name, args, kwargs, countdown=countdown, eta=eta, **options)
        task = self.tasks[name]
        task_id = options.get("task_id") or uuid()
        # As a broker would: the arguments go through the serialiser (ids, not objects).
        content_type, encoding, data = serialization.dumps(
            (args or (), kwargs or {}), self.conf.task_serializer
        )
        args, kwargs = serialization.loads(data, content_type, encoding)
        runner.submit(
            lambda: task.apply(args, kwargs, task_id=task_id),
            name=name,
            delay=_seconds_until(eta, countdown),
        )
        return self.AsyncResult(task_id)


def _seconds_until(eta: datetime.datetime | None, countdown: float | None) -> float:
    if eta is not None:
        return max(0.0, (eta - timezone.now()).total_seconds())
    return max(0.0, countdown or 0.0)


logger = logging.getLogger(__name__)

app = NetworkCodeCelery("network_code")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# RedBeat (the beat scheduler when REDIS_URL is set: config/settings.py) looks for its URL
# and Redis options under names without the CELERY_ prefix, and warns when it finds none.
app.conf.update(
    redbeat_redis_url=app.conf.get("redbeat_redis_url"),
    redbeat_redis_options=app.conf.get("redbeat_redis_options") or {},
)
# Each worker keeps a heartbeat key in Redis fresh while it consumes (/readyz reads it).
app.steps["consumer"].add("core.observability.heartbeat.WorkerHeartbeat")

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


@setup_logging.connect
def _use_django_logging(**kwargs) -> None:
    """Workers and beat log as the web processes do (settings.LOGGING: JSON, request ids)."""
    logging.config.dictConfig(settings.LOGGING)


@app.task(name="network_code.ping")
def ping(value: str = "pong") -> str:
    """A round trip through the broker and a worker: used by health checks and tests."""
    logger.info("ping: %s", value)
    return value
