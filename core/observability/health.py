"""Liveness and readiness, with django-health-check's checks and two of the project's own.

``/healthz`` answers while the process can serve a request at all (no database, no Redis).
``/readyz`` runs every check and answers 200 when all pass, 503 listing what failed.
"""

import asyncio
import dataclasses
import datetime
from typing import Any, ClassVar

import redis
import redis.asyncio
from celery import current_app
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck
from health_check.checks import Database, Storage
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from core.observability.heartbeat import read_heartbeat, redis_client


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration on disk is applied to the database.

    Once seen applied, a process remembers it: its code (and so its migrations) cannot change
    while it runs, and loading the migration graph on every probe would cost tens of ms.
    """

    alias: str = DEFAULT_DB_ALIAS
    _seen_applied: ClassVar[bool] = False

    def run(self) -> None:
        if Migrations._seen_applied:
            return
        connection = connections[self.alias]
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        finally:
            connection.close()
        if plan:
            first, _ = plan[0]
            raise ServiceUnavailable(
                f"{len(plan)} migrations not applied (first: {first.app_label}.{first.name})"
            )
        Migrations._seen_applied = True


@dataclasses.dataclass
class WorkerHeartbeat(HealthCheck):
    """A Celery worker on the default queue wrote its heartbeat recently (core/heartbeat)."""

    queue: str = ""
    timeout: datetime.timedelta = dataclasses.field(
        default=datetime.timedelta(seconds=3), repr=False
    )

    def run(self) -> None:
        queue = self.queue or current_app.conf.task_default_queue
        client = redis_client()
        try:
            heartbeat = read_heartbeat(client, queue)
        except redis.RedisError as error:
            raise ServiceUnavailable("Redis unreachable") from error
        finally:
            client.close()
        if heartbeat is None:
            raise ServiceUnavailable(
                f"No worker heartbeat on queue {queue} "
                f"in {settings.WORKER_HEARTBEAT_MAX_AGE} seconds"
            )


def _redis_client() -> redis.asyncio.Redis:
    return redis.asyncio.Redis.from_url(
        settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
    )


def readiness_checks() -> dict[str, HealthCheck]:
    """The checks by the name /readyz reports them under (names, not hosts or addresses)."""
    checks: dict[str, HealthCheck] = {
        "database": Database(),
        "migrations": Migrations(),
        "storage": Storage(),
    }
    if settings.REDIS_URL:
        checks["redis"] = Redis(client_factory=_redis_client)
        checks["worker_heartbeat"] = WorkerHeartbeat()
    return checks


class ReadinessView(HealthCheckView):
    """All checks at once, as JSON: 200 ``{"status": "ok", "checks": {"database": "OK", ...}}``
    or 503 ``{"status": "unavailable", "checks": {..., "redis": "Unavailable: ..."}}``.

    django-health-check's own view answers 500 and picks HTML, text or JSON by ``Accept``;
    a probe wants 503 and one format.
    """

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        checks = readiness_checks()
        with self.get_executor() as executor:
            results = await asyncio.gather(
                *(check.get_result(executor) for check in checks.values())
            )
        failed = any(result.error for result in results)
        return JsonResponse(
            {
                "status": "unavailable" if failed else "ok",
                "checks": {
                    name: str(result.error) if result.error else "OK"
                    for name, result in zip(checks, results, strict=True)
                },
            },
            status=503 if failed else 200,
        )


@never_cache
def liveness(request: HttpRequest) -> JsonResponse:
    """The process answers: nothing else is asked."""
    return JsonResponse({"status": "ok"})


readiness = ReadinessView.as_view()
