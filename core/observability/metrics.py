"""Prometheus metrics of Celery tasks and queues, and the access-controlled /metrics view.

Requests and database queries are django-prometheus's (its middleware and database
wrappers). Task metrics are recorded where the task runs, through Celery's signals: in a
worker's pool processes. Several processes (gunicorn workers, a prefork pool) each hold
their own counters, so production sets PROMETHEUS_MULTIPROC_DIR and prometheus_client's
multiprocess mode adds them up (docs/operations.md). Queue lengths are read from Redis
when /metrics is scraped.
"""

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator

import prometheus_client
import redis
from celery import current_app
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

TASK_DURATION = prometheus_client.Histogram(
    "celery_task_duration_seconds",
    "Time a Celery task took to run, by task and outcome.",
    ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
TASK_FAILURES = prometheus_client.Counter(
    "celery_task_failures_total", "Celery task runs that raised, by task.", ["task"]
)
TASK_RETRIES = prometheus_client.Counter(
    "celery_task_retries_total", "Celery task runs that asked to be retried, by task.", ["task"]
)

# Kombu's Redis transport keeps a queue as a list, and one more list per priority step.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)


# When each running task started, by task id, in this process.
_started: dict[str, float] = {}


def task_started(task_id: str) -> None:
    _started[task_id] = time.perf_counter()


def task_finished(task_id: str, task_name: str, state: str) -> None:
    started = _started.pop(task_id, None)
    if started is not None:
        TASK_DURATION.labels(task=task_name, state=state).observe(time.perf_counter() - started)


def queue_names() -> list[str]:
    """The Celery app's queues: its default one and any declared."""
    conf = current_app.conf
    names = [conf.task_default_queue]
    names += [queue.name for queue in conf.task_queues or () if queue.name not in names]
    return names


class QueueLengthCollector(Collector):
    """``celery_queue_length{queue}``: messages waiting in each Celery queue in Redis."""

    def __init__(self, queues: list[str]) -> None:
        self.queues = queues

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "celery_queue_length", "Messages waiting in a Celery queue (Redis).", labels=["queue"]
        )
        if settings.REDIS_URL:
            client = redis.Redis.from_url(
                settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
            )
            try:
                with client.pipeline(transaction=False) as pipe:
                    for queue in self.queues:
                        pipe.llen(queue)
                        for step in PRIORITY_STEPS:
                            pipe.llen(f"{queue}{PRIORITY_SEPARATOR}{step}")
                    lengths = pipe.execute()
            except redis.RedisError:
                lengths = []
            finally:
                client.close()
            per_queue = len(PRIORITY_STEPS) + 1
            for index, queue in enumerate(self.queues):
                counts = lengths[index * per_queue : (index + 1) * per_queue]
                if counts:
                    gauge.add_metric([queue], sum(counts))
        yield gauge


def may_scrape(request: HttpRequest) -> bool:
    """A bearer METRICS_TOKEN, or a peer address in METRICS_ALLOWED_NETWORKS."""
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for network in settings.METRICS_ALLOWED_NETWORKS:
        if address in ipaddress.ip_network(network, strict=False):
            return True
    return False


def collecting_registry() -> prometheus_client.CollectorRegistry:
    """In multiprocess mode, a registry that adds up every process's files; else this one's."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return prometheus_client.REGISTRY
    registry = prometheus_client.CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def serve_worker_metrics(address: str, port: int) -> None:
    """Task metrics over HTTP from a worker's main process (a thread of its own)."""
    prometheus_client.start_http_server(port, addr=address, registry=collecting_registry())


def mark_process_dead(pid: int | None) -> None:
    """A pool process that exits leaves its counters; only its live gauges are dropped."""
    if pid and os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not may_scrape(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    registry = collecting_registry()
    queue_registry = prometheus_client.CollectorRegistry()
    queue_registry.register(QueueLengthCollector(queue_names()))
    body = prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(
        queue_registry
    )
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
