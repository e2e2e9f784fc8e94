"""Health and observability: /healthz, /readyz, request ids in logs and tasks, /metrics."""

import copy
import io
import json
import logging.config
import os
import re
import socket
import time
import urllib.request
import uuid

import pytest
import redis
from django.conf import settings
from django.db.migrations.executor import MigrationExecutor
from prometheus_client import REGISTRY

from config.celery import app as celery_app
from config.celery import ping
from core.observability.health import Migrations
from core.observability.heartbeat import heartbeat_key

REDIS_URL = "redis://127.0.0.1:6379/11"
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@celery_app.task(name="tests.observability.fail")
def fail() -> None:
    raise RuntimeError("this task always fails")


def redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


@pytest.fixture
def own_redis(settings):
    """Redis database 11, emptied before and after, as the app's REDIS_URL."""
    client = redis_or_skip()
    client.flushdb()
    settings.REDIS_URL = REDIS_URL
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def json_logs():
    """Every log line, formatted as production formats them (settings.LOGGING, JSON)."""
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "json"
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    logging.config.dictConfig(settings.LOGGING)


# Liveness and readiness


def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    # No `db` fixture: any query would fail the test.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readiness_lists_each_check_when_ready(db, client, settings):
    settings.REDIS_URL = ""

    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "OK", "migrations": "OK", "storage": "OK"},
    }


def test_readiness_with_redis_checks_redis_and_a_fresh_worker_heartbeat(db, client, own_redis):
    response = client.get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"] == "OK"
    assert checks["worker_heartbeat"].startswith("Unavailable: No worker heartbeat")

    own_redis.set(heartbeat_key(celery_app.conf.task_default_queue), '{"hostname": "w1"}', ex=60)
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert set(response.json()["checks"].values()) == {"OK"}
    assert set(response.json()["checks"]) == {
        "database",
        "migrations",
        "storage",
        "redis",
        "worker_heartbeat",
    }


def test_readiness_fails_when_redis_is_unreachable(db, client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "OK"
    assert body["checks"]["redis"].startswith("Unavailable")
    assert body["checks"]["worker_heartbeat"].startswith("Unavailable")


def test_readiness_fails_when_document_storage_is_not_writable(db, client, settings, tmp_path):
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(not_a_directory / "media")},
        },
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"] != "OK"
    assert response.json()["checks"]["database"] == "OK"


def test_readiness_fails_while_migrations_are_unapplied(db, client, monkeypatch):
    monkeypatch.setattr(Migrations, "_seen_applied", False)
    real_plan = MigrationExecutor.migration_plan

    def one_unapplied(self, targets, clean_start=False):
        assert real_plan(self, targets, clean_start) == []
        return [(self.loader.graph.nodes[("accounts", "0001_initial")], False)]

    monkeypatch.setattr(MigrationExecutor, "migration_plan", one_unapplied)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == (
        "Unavailable: 1 migrations not applied (first: accounts.0001_initial)"
    )


def test_readiness_fails_when_the_database_is_unreachable(client, settings):
    # No `db` fixture: the test database is out of reach, as a database that is down would be.
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] != "OK"


# Request ids


def test_each_response_carries_a_request_id(client):
    response = client.get("/healthz")

    assert HEX_ID.match(response["X-Request-ID"])
    assert client.get("/healthz")["X-Request-ID"] != response["X-Request-ID"]


def test_a_well_formed_incoming_request_id_is_kept_and_a_malformed_one_replaced(client):
    incoming = uuid.uuid4().hex

    assert client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="x\nforged log line")["X-Request-ID"]
    assert HEX_ID.match(replaced)


@pytest.mark.urls("tests.core.observability_urls")
def test_a_task_queued_by_a_request_logs_with_the_request_id(client, json_logs):
    response = client.get("/test/queue-a-ping/", {"value": "eager"})

    request_id = response["X-Request-ID"]
    lines = {line["message"]: line for line in json_logs()}
    assert lines["queueing a ping"]["request_id"] == request_id
    assert lines["ping: eager"]["request_id"] == request_id
    # The task, run in-process, leaves the request's id in place for the rest of the request.
    assert lines["queued a ping"]["request_id"] == request_id
    assert set(lines["ping: eager"]) >= {"time", "level", "logger", "message", "request_id"}
    assert lines["ping: eager"]["level"] == "INFO"
    assert lines["ping: eager"]["logger"] == "config.celery"


@pytest.mark.worker
@pytest.mark.urls("tests.core.observability_urls")
def test_a_task_run_by_a_real_worker_logs_with_the_request_id(client, celery_workers, json_logs):
    celery_workers.start(LOG_LEVEL="INFO", LOG_FORMAT="json")
    value = f"worker-{uuid.uuid4().hex[:8]}"

    response = client.get("/test/queue-a-ping/", {"value": value})

    assert celery_app.AsyncResult(response.json()["task_id"]).get(timeout=30) == value
    _, log_path = celery_workers.processes[0]
    worker_lines = [
        json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")
    ]
    ping_line = next(line for line in worker_lines if line["message"] == f"ping: {value}")
    assert ping_line["request_id"] == response["X-Request-ID"]
    request_lines = [line for line in json_logs() if line["message"] == "queueing a ping"]
    assert request_lines[0]["request_id"] == response["X-Request-ID"]


@pytest.mark.worker
def test_readiness_waits_for_a_real_worker_heartbeat(db, client, settings, celery_workers):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    assert client.get("/readyz").json()["checks"]["worker_heartbeat"] != "OK"

    celery_workers.start()
    deadline = time.monotonic() + 30
    while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)

    assert client.get("/readyz").json() == {
        "status": "ok",
        "checks": dict.fromkeys(
            ["database", "migrations", "storage", "redis", "worker_heartbeat"], "OK"
        ),
    }
    heartbeat = redis.Redis.from_url(settings.REDIS_URL)
    key = heartbeat_key(celery_workers.queue)
    assert json.loads(heartbeat.get(key))["hostname"].startswith(celery_workers.queue)
    assert 0 < heartbeat.ttl(key) <= settings.WORKER_HEARTBEAT_MAX_AGE
    heartbeat.close()


# Metrics


def eventually(read, done, seconds: float = 10.0):
    """What ``read()`` returns once ``done`` holds for it, or at the deadline."""
    deadline = time.monotonic() + seconds
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    return value


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_are_closed_to_the_public(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []

    assert client.get("/metrics").status_code == 403


def test_metrics_answer_a_bearer_token_or_an_allowed_network(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 403
    # A forwarded address is the client's word, not the peer's: it opens nothing.
    forwarded = client.get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert forwarded.status_code == 403


def test_metrics_show_request_latency_by_view(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    client.get("/healthz")

    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").content.decode()

    count = "django_http_requests_latency_seconds_by_view_method_count"
    match = re.search(rf'^{count}\{{method="GET",view="healthz"\}} ([0-9.]+)$', body, re.MULTILINE)
    assert match and float(match.group(1)) >= 1


@pytest.fixture
def eager_failures_recorded():
    """As `make run` runs tasks: in-process, a failure recorded rather than raised."""
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = True


def test_task_duration_and_failures_are_counted(client, settings, eager_failures_recorded):
    settings.METRICS_TOKEN = "scrape-secret"
    runs = sample("celery_task_duration_seconds_count", task="network_code.ping", state="SUCCESS")
    failures = sample("celery_task_failures_total", task="tests.observability.fail")
    failed_runs = sample(
        "celery_task_duration_seconds_count", task="tests.observability.fail", state="FAILURE"
    )

    ping.delay("counted").get(timeout=1)
    assert fail.delay().failed()

    assert (
        sample("celery_task_duration_seconds_count", task="network_code.ping", state="SUCCESS")
        == runs + 1
    )
    assert sample("celery_task_failures_total", task="tests.observability.fail") == failures + 1
    assert (
        sample(
            "celery_task_duration_seconds_count", task="tests.observability.fail", state="FAILURE"
        )
        == failed_runs + 1
    )
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").content.decode()
    assert 'celery_task_failures_total{task="tests.observability.fail"}' in body
    assert (
        'celery_task_duration_seconds_bucket{le="0.01",state="SUCCESS",task="network_code.ping"}'
        in body
    )


def test_queue_length_is_read_from_redis(client, settings, own_redis):
    settings.METRICS_TOKEN = "scrape-secret"
    queue = celery_app.conf.task_default_queue
    own_redis.lpush(queue, "a", "b", "c")
    own_redis.lpush(f"{queue}\x06\x169", "urgent")

    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").content.decode()

    assert f'celery_queue_length{{queue="{queue}"}} 4.0' in body


@pytest.mark.worker
def test_a_prefork_workers_task_metrics_reach_the_web_metrics_in_multiprocess_mode(
    client, settings, celery_workers, tmp_path, monkeypatch
):
    """Task metrics are recorded in the pool's processes; with PROMETHEUS_MULTIPROC_DIR
    shared by the worker and the web process, /metrics adds them up."""
    settings.METRICS_TOKEN = "scrape-secret"
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    celery_workers.start(pool="prefork", PROMETHEUS_MULTIPROC_DIR=str(multiproc_dir))

    assert ping.delay("multiprocess").get(timeout=30) == "multiprocess"
    # Sent by name, so the arguments are not checked here: the task raises in the worker.
    failing = celery_app.send_task("network_code.ping", args=["too", "many", "arguments"])
    with pytest.raises(TypeError):
        failing.get(timeout=30)

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(multiproc_dir))
    expected = [
        'celery_task_failures_total{task="network_code.ping"} 1.0',
        'celery_task_duration_seconds_count{state="SUCCESS",task="network_code.ping"} 1.0',
        'celery_task_duration_seconds_count{state="FAILURE",task="network_code.ping"} 1.0',
    ]

    def scrape() -> str:
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
        return response.content.decode()

    # The worker stores a task's result before its post-run signal records the metrics.
    body = eventually(scrape, lambda body: all(line in body for line in expected))
    for line in expected:
        assert line in body


@pytest.mark.worker
def test_a_worker_serves_its_own_metrics_when_given_a_port(celery_workers):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    celery_workers.start(WORKER_METRICS_PORT=str(port))

    assert ping.delay("served").get(timeout=30) == "served"
    runs = 'celery_task_duration_seconds_count{state="SUCCESS",task="network_code.ping"} 1.0'

    def scrape() -> str:
        url = f"http://127.0.0.1:{port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.read().decode()

    assert runs in eventually(scrape, lambda body: runs in body)
