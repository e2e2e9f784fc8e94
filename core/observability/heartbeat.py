"""A worker heartbeat in Redis: each worker refreshes one key while it consumes its queue.

/readyz reads the key: if no worker has written it within ``WORKER_HEARTBEAT_MAX_AGE``
seconds it has expired, and the service is not ready. One GET; no broadcast to workers.
"""

import json
import logging
import time
from typing import Any

import redis
from celery import bootsteps
from django.conf import settings

logger = logging.getLogger(__name__)


def heartbeat_key(queue: str) -> str:
    return f"network-code:worker-heartbeat:{queue}"


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def read_heartbeat(client: redis.Redis, queue: str) -> dict[str, Any] | None:
    """The latest heartbeat of a worker on ``queue``, or None when none is fresh."""
    raw = client.get(heartbeat_key(queue))
    return json.loads(raw) if raw else None


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A consumer bootstep: once consuming, write the heartbeat now and every few seconds."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.timer_entry: Any = None
        self.client: redis.Redis | None = None

    def start(self, parent: Any) -> None:
        if not settings.REDIS_URL:
            return
        self.client = redis_client()
        self.hostname = parent.hostname
        self.queues = [queue.name for queue in parent.task_consumer.queues] or [
            parent.app.conf.task_default_queue
        ]
        self.max_age = max(settings.WORKER_HEARTBEAT_MAX_AGE, 3)
        self.beat()
        self.timer_entry = parent.timer.call_repeatedly(max(self.max_age / 4, 1), self.beat)

    def beat(self) -> None:
        if self.client is None:
            return
        value = json.dumps({"hostname": self.hostname, "time": time.time()})
        try:
            with self.client.pipeline() as pipe:
                for queue in self.queues:
                    pipe.set(heartbeat_key(queue), value, ex=self.max_age)
                pipe.execute()
        except redis.RedisError:
            logger.warning("Could not write the worker heartbeat to Redis", exc_info=True)

    def stop(self, parent: Any) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    def shutdown(self, parent: Any) -> None:
        self.stop(parent)
        if self.client is not None:
            self.client.close()
            self.client = None
