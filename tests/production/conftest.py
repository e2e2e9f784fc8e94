"""Tests of the production configuration: real gunicorn, Celery and PostgreSQL processes.

They need PostgreSQL (DATABASE_URL), Redis (REDIS_URL) and, for the smoke test, Chromium.
Without them they are skipped, loudly; with REQUIRE_BROWSER_TESTS=1 (as CI sets it) a
missing part is a failure instead.
"""

import os
import shutil
import sys
import time

import pytest

from tests.browser.conftest import browser_missing_reason
from tests.production.stack import Stack, free_port, postgres_server_url, redis_server_url


def production_missing_reason(item) -> str | None:
    if postgres_server_url() is None:
        return "DATABASE_URL does not point at PostgreSQL"
    if "worker" in item.keywords and redis_server_url() is None:
        return "REDIS_URL is not set"
    if "backup" in item.keywords:
        for tool in ("pg_dump", "pg_restore"):
            if shutil.which(tool) is None:
                return f"{tool} is not installed (apt-get install postgresql-client)"
    if "browser" in item.keywords:
        return browser_missing_reason()
    return None


def pytest_collection_modifyitems(config, items):
    required = os.environ.get("REQUIRE_BROWSER_TESTS") == "1"
    for item in items:
        if "production" not in item.keywords:
            continue
        reason = production_missing_reason(item)
        if reason is None:
            continue
        if required:
            item.user_properties.append(("production_missing", reason))
        else:
            item.add_marker(pytest.mark.skip(reason=f"PRODUCTION TESTS SKIPPED: {reason}"))


@pytest.fixture(autouse=True)
def _production_required(request):
    """Autouse, so that it fails the test before the deployment is attempted."""
    reason = dict(request.node.user_properties).get("production_missing")
    if reason:
        pytest.fail(f"Production tests are required here (REQUIRE_BROWSER_TESTS=1): {reason}")


# Each pytest-xdist process builds its own deployment when production tests land in it: a
# database and a Redis database of its own (13 for the first process, 14 for the second...;
# CI's tests use 0, other tests 3), so two deployments never share a name or a queue.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
WORKER_INDEX = int(WORKER.removeprefix("gw") or 0)
REDIS_DB = 13 + WORKER_INDEX
assert REDIS_DB <= 15, "Redis has 16 databases: run the production tests in at most 3 processes"


@pytest.fixture(scope="session")
def production(request, tmp_path_factory):
    """One deployment for the session's production tests, as an operator runs it: its own
    database migrated from nothing, the collected static files, the demo data, gunicorn with
    2 workers, a Celery worker and beat. `production.notes` has seed_demo's refusal without
    --force and the time each step took."""
    # A session fixture is set up before any test's own: check here what it needs.
    if postgres_server_url() is None or redis_server_url() is None:
        pytest.fail("Production tests are required here but PostgreSQL or Redis is not set")
    collected_static = request.getfixturevalue("collected_static")
    assert collected_static.returncode == 0, collected_static.stderr
    stack = Stack(
        f"nc_smoke_{WORKER}",
        REDIS_DB,
        tmp_path_factory.mktemp("production"),
        postgres_server_url() or "",
        redis_server_url(),
        static_root=collected_static.static_root,
    )
    clock = time.monotonic()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        stack.notes.setdefault("timings", {})[name] = now - clock
        clock = now

    try:
        stack.create()  # migrate from nothing (collectstatic ran once: collected_static)
        lap("migrate")
        stack.notes["seed refused"] = stack.manage("seed_demo", check=False)
        stack.manage("seed_demo", "--force")
        lap("seed_demo --force")
        stack.port = free_port()
        stack.start_gunicorn(stack.port, workers=2)
        stack.start_worker()
        # The scheduled jobs every 5 seconds rather than every minute, to see them run.
        stack.start_beat(SCHEDULED_JOBS_INTERVAL="5")
        lap("gunicorn, worker and beat up")
    except Exception:
        sys.stderr.write(stack.logs())
        stack.destroy()
        raise
    try:
        yield stack
    finally:
        stack.destroy()


@pytest.fixture(autouse=True)
def _production_logs_on_failure(request):
    """A failing production test shows what its processes wrote."""
    yield
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed and "production" in request.fixturenames:
        sys.stderr.write(request.getfixturevalue("production").logs())
