"""Celery signal receivers: the request id travels with a task; task metrics.

django-guid keeps the request id in a context variable. Its own Celery integration is not
used: it gives an eagerly run task (no Redis) an id of its own and then clears the id of
the request that ran it. Here a task queued during a request carries the request's id in
its headers; an eager task keeps it; afterwards the previous id is put back.
"""

from typing import Any

from celery.signals import (
    before_task_publish,
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    worker_process_shutdown,
    worker_ready,
)
from django.conf import settings
from django_guid import clear_guid, get_guid, set_guid
from django_guid.utils import generate_guid

from core.observability import metrics

HEADER = "request_id"


@before_task_publish.connect(dispatch_uid="observability.request_id_to_task")
def request_id_to_task(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = get_guid()
    if request_id and headers is not None:
        headers[HEADER] = request_id


@task_prerun.connect(dispatch_uid="observability.task_prerun")
def request_id_from_task(task_id: str, task: Any, **kwargs: Any) -> None:
    previous = get_guid()
    request_id = task.request.get(HEADER) or (headers_of(task) or {}).get(HEADER)
    if not request_id:
        # Eager: the task runs inside the request (or task) that queued it; keep its id.
        request_id = previous if task.request.is_eager and previous else generate_guid()
    task.request.observability_previous_request_id = previous
    set_guid(request_id)
    metrics.task_started(task_id)


@task_postrun.connect(dispatch_uid="observability.task_postrun")
def task_done(task_id: str, task: Any, state: str | None = None, **kwargs: Any) -> None:
    metrics.task_finished(task_id, task.name, state or "UNKNOWN")
    previous = getattr(task.request, "observability_previous_request_id", None)
    if previous:
        set_guid(previous)
    else:
        clear_guid()


@task_failure.connect(dispatch_uid="observability.task_failure")
def count_failure(sender: Any = None, **kwargs: Any) -> None:
    metrics.TASK_FAILURES.labels(task=getattr(sender, "name", "unknown")).inc()


@task_retry.connect(dispatch_uid="observability.task_retry")
def count_retry(sender: Any = None, **kwargs: Any) -> None:
    metrics.TASK_RETRIES.labels(task=getattr(sender, "name", "unknown")).inc()


def headers_of(task: Any) -> dict[str, Any] | None:
    return getattr(task.request, "headers", None)


@worker_ready.connect(dispatch_uid="observability.worker_metrics")
def serve_worker_metrics(**kwargs: Any) -> None:
    """A worker on a machine of its own serves its task metrics on WORKER_METRICS_PORT."""
    if settings.WORKER_METRICS_PORT:
        metrics.serve_worker_metrics(settings.WORKER_METRICS_ADDRESS, settings.WORKER_METRICS_PORT)


@worker_process_shutdown.connect(dispatch_uid="observability.worker_process_shutdown")
def forget_pool_process(pid: int | None = None, **kwargs: Any) -> None:
    metrics.mark_process_dead(pid)
