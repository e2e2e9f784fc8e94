"""Fixtures shared by every test: organisations, a user per role, API clients, a real worker."""

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from rest_framework.test import APIClient

from accounts.models import Role
from config.celery import app as celery_app
from tests.factories import ForceFactory, ICTCompanyFactory, SupplierFactory, member

PROJECT_DIR = Path(__file__).resolve().parent.parent


def pytest_configure(config):

    # Fast hashing in tests; plain static files (no collectstatic manifest); no HTTPS redirect.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Django caches the hashers it loads first, and an assignment here sends no
    # setting_changed to clear them: without this, every password hashed or checked in the
    # tests went through PBKDF2's million iterations (about 0.25 s each), once something
    # imported before this hook (tests/factories.py, through this module) had hashed one.
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()
    settings.SECURE_SSL_REDIRECT = False
    # Uploaded evidence and issued documents go to a temporary directory, never ./media
    # (removed when the run ends).
    media_root = tempfile.mkdtemp(prefix="network-code-test-media-")
    config.network_code_media_root = media_root
    settings.MEDIA_ROOT = media_root
    settings.STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media_root},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The cache stays in-process even when REDIS_URL is set: clearing it between tests
    # must never flush the Redis database that Celery's queues live in.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True
    # Tasks run eagerly in tests, except where a test starts a real worker.
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


def pytest_unconfigure(config):
    media_root = getattr(config, "network_code_media_root", None)
    if media_root:
        shutil.rmtree(media_root, ignore_errors=True)


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> subprocess.CompletedProcess:
    """`collectstatic` with the production storage (DEBUG off: hashed names in a manifest,
    compressed copies), once per run into a temporary STATIC_ROOT, given as `static_root` on
    the result. The settings test checks the manifest; the production smoke test serves
    these files."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--no-input"],
        cwd=PROJECT_DIR,
        env={
            **environment,
            "SECRET_KEY": "k9#vQ2!pX7$wL4@nR8^tY1&uJ6*eH3(zM5)bC0-fG9+aS2_dK7=hN4",
            "STATIC_ROOT": str(static_root),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    result.static_root = static_root  # type: ignore[attr-defined]
    return result


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttles and other cached state must not leak from one test to the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_may_wait_for_results():
    """Celery's process-wide "waiting for a result would block" flag must not leak either.

    An eager task sets it while it runs and then restores the value it found; when two run
    at once in threads (the live server's requests, the concurrency tests), the second finds
    the first's True and restores it last, so the flag stays True and every later
    ``result.get()`` in the process refuses ("Never call result.get() within a task!").
    Seen with pytest-xdist: tests/test_celery.py failed on the worker that had run those.
    """
    _set_task_join_will_block(False)


# The demo (``manage.py seed_demo``) takes seconds to seed, so the tests that read it share
# one seeding. ``_seeded_demo`` seeds it into the test database inside a transaction; each
# test that asks for ``demo`` runs inside a savepoint of that transaction (the ``db``
# fixture's), so whatever it writes is undone before the next test. Every other test
# expects an empty database: the demo's tests run first, one after another, on a database
# as migrations left it (pytest_collection_modifyitems), and the demo is rolled back before
# the first test that does not use it (pytest_runtest_setup). With pytest-xdist (make test)
# the first worker's first batch of tests holds them all, so the demo is seeded once per
# run. Nothing is committed, so it is the same with --create-db and --reuse-db, on SQLite
# and on PostgreSQL.


class SeededDemo:
    """The open transaction holding the demo."""

    current: "SeededDemo | None" = None

    def __init__(self, django_db_blocker):
        self.blocker = django_db_blocker
        self.blocker.unblock()
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        SeededDemo.current = self
        out = StringIO()
        call_command("seed_demo", "--force", stdout=out)
        self.output = out.getvalue()

    @property
    def is_open(self) -> bool:
        return SeededDemo.current is self

    def roll_back(self) -> None:
        if not self.is_open:
            return
        SeededDemo.current = None
        self.connection.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        # Closed explicitly: later tests, or the test databases' teardown, would otherwise
        # leave it open when Django's (context-local) connection there is another object,
        # and PostgreSQL refuses to drop a database with a session open on it.
        self.connection.close()
        self.blocker.restore()


def _order(item) -> int:
    """0: uses the demo; then as pytest-django orders the others: 1, rolled back (``db``);
    2, transactional (they flush tables); 3, no database."""
    fixtures = getattr(item, "fixturenames", ())
    if "_seeded_demo" in fixtures:
        return 0
    marker = item.get_closest_marker("django_db")
    if (
        "transactional_db" in fixtures
        or "live_server" in fixtures
        or "django_db_reset_sequences" in fixtures
        or (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    ):
        return 2
    return 1 if (marker or "db" in fixtures) else 3


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    items.sort(key=_order)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if SeededDemo.current is not None and "_seeded_demo" not in item.fixturenames:
        SeededDemo.current.roll_back()


@pytest.fixture(scope="session")
def _seeded_demo(django_db_setup, django_db_blocker):
    seeded = SeededDemo(django_db_blocker)
    yield seeded
    seeded.roll_back()


@pytest.fixture
def demo(request, _seeded_demo, db):
    """The demo data, seeded once per run; returns what ``seed_demo`` printed."""
    if not _seeded_demo.is_open:
        pytest.fail("the demo was rolled back: the tests that use it must run one after another")
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        pytest.fail("a transactional test cannot share the demo: it would commit or flush it")
    return _seeded_demo.output


@pytest.fixture
def ict_company(db):
    return ICTCompanyFactory()


@pytest.fixture
def force(db):
    return ForceFactory(name="Testshire Constabulary", slug="testshire", officer_headcount=2000)


@pytest.fixture
def other_force(db):
    return ForceFactory(name="Otherton Police", slug="otherton", officer_headcount=1000)


@pytest.fixture
def supplier(db):
    return SupplierFactory(name="Acme Devices Ltd", slug="acme")


@pytest.fixture
def other_supplier(db):
    return SupplierFactory(name="Rival Systems Ltd", slug="rival")


@pytest.fixture
def buyer(force):
    return member(Role.BUYER, force, email="buyer@testshire.police.example")


@pytest.fixture
def finance(force):
    return member(Role.FINANCE, force, email="finance@testshire.police.example")


@pytest.fixture
def delegate(force):
    return member(Role.DELEGATE, force, email="delegate@testshire.police.example")


@pytest.fixture
def other_buyer(other_force):
    return member(Role.BUYER, other_force, email="buyer@otherton.police.example")


@pytest.fixture
def supplier_editor(supplier):
    return member(Role.SUPPLIER_EDITOR, supplier, email="editor@acme.example")


@pytest.fixture
def other_supplier_editor(other_supplier):
    return member(Role.SUPPLIER_EDITOR, other_supplier, email="editor@rival.example")


@pytest.fixture
def catalogue_manager(ict_company):
    return member(Role.CATALOGUE_MANAGER, ict_company, email="catalogue@ictco.example")


@pytest.fixture
def commercial_lead(ict_company):
    return member(Role.COMMERCIAL_LEAD, ict_company, email="commercial@ictco.example")


@pytest.fixture
def standards_secretary(ict_company):
    return member(Role.STANDARDS_SECRETARY, ict_company, email="secretary@ictco.example")


@pytest.fixture
def api():
    """An API client; ``api.as_user(user)`` signs it in with a token-free forced login."""

    class Client(APIClient):
        def as_user(self, user):
            self.force_authenticate(user=user)
            return self

    return Client()


def database_url_for_subprocess() -> str:
    """A DATABASE_URL that points another process at this test run's database."""

    settings_dict = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("a worker process can share only a PostgreSQL test database")
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


class CeleryWorkers:
    """Starts real Celery worker processes on Redis, all consuming one queue of this test's."""

    def __init__(self, request, tmp_path):
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            pytest.skip("REDIS_URL is not set: no Redis for a real worker")
        self.request = request
        self.tmp_path = tmp_path
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.processes: list[tuple[subprocess.Popen, Path]] = []
        self.previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
        celery_app.conf.task_always_eager = False
        celery_app.conf.task_default_queue = self.queue

    def start(self, pool: str = "solo", **extra_env: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "SECRET_KEY": os.environ.get(
                "SECRET_KEY", "test-only-secret-key-not-for-production-4f9c2a7e1b8d"
            ),
            **extra_env,
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        fixtures = self.request.fixturenames
        uses_database = self.request.node.get_closest_marker("django_db") is not None
        if uses_database or "db" in fixtures or "transactional_db" in fixtures:
            env["DATABASE_URL"] = database_url_for_subprocess()
        number = len(self.processes) + 1
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "-Q",
            self.queue,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={self.queue}-{number}@%h",
        ]
        log_path = self.tmp_path / f"worker-{number}.log"
        log = log_path.open("w")
        process = subprocess.Popen(  # noqa: S603
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.processes.append((process, log_path))
        return process

    def stop_all(self) -> None:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = self.previous
        for process, _ in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        call_report = getattr(self.request.node, "rep_call", None)
        if call_report is not None and call_report.failed:
            for _, log_path in self.processes:
                sys.stderr.write(f"--- {log_path.name}\n{log_path.read_text()}")


@pytest.fixture
def celery_workers(request, tmp_path):
    """A factory of real Celery worker processes: ``celery_workers.start(**env)``.

    Tests that also need the database must use ``transactional_db`` so that workers see
    committed rows; workers are pointed at the test database.
    """
    workers = CeleryWorkers(request, tmp_path)
    try:
        yield workers
    finally:
        workers.stop_all()


@pytest.fixture
def celery_worker_process(celery_workers):
    """One real Celery worker process consuming a queue of its own on Redis."""
    return celery_workers.start()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter):
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "BROWSER TESTS SKIPPED" in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_sep(
            "!", f"{len(skipped)} browser tests were SKIPPED: Chromium is not installed", red=True
        )
