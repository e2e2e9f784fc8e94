"""Tests of the production configuration: real gunicorn, Celery and PostgreSQL processes.

They need PostgreSQL (DATABASE_URL), Redis (REDIS_URL) and, for the smoke test, Chromium.
Without them they are skipped, loudly; with REQUIRE_BROWSER_TESTS=1 (as CI sets it) a
missing part is a failure instead.
"""

import os
import shutil

import pytest

from tests.browser.conftest import browser_missing_reason
from tests.production.stack import postgres_server_url, redis_server_url


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
            item.add_marker(pytest.mark.usefixtures("_production_required"))
            item.user_properties.append(("production_missing", reason))
        else:
            item.add_marker(pytest.mark.skip(reason=f"PRODUCTION TESTS SKIPPED: {reason}"))


@pytest.fixture
def _production_required(request):
    reason = dict(request.node.user_properties).get("production_missing")
    pytest.fail(f"Production tests are required here (REQUIRE_BROWSER_TESTS=1): {reason}")
