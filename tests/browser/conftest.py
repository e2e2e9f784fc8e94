"""Browser tests: Playwright drives Debian's Chromium against a live server.

Without Chromium the tests are skipped, loudly; with REQUIRE_BROWSER_TESTS=1 (as CI
sets it) a missing browser is a failure instead.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
BLOCKERS = ("serious", "critical")


def browser_missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def pytest_collection_modifyitems(config, items):
    reason = browser_missing_reason()
    if reason is None:
        return
    required = os.environ.get("REQUIRE_BROWSER_TESTS") == "1"
    for item in items:
        if "browser" in item.keywords:
            if required:
                item.add_marker(pytest.mark.usefixtures("_browser_required"))
            else:
                item.add_marker(pytest.mark.skip(reason=f"BROWSER TESTS SKIPPED: {reason}"))


@pytest.fixture
def _browser_required():
    pytest.fail(f"Browser tests are required here but cannot run: {browser_missing_reason()}")


@pytest.fixture(scope="module")
def browser():
    """Chromium for one module's tests. Not for the session: Playwright's sync API keeps an
    event loop running in the thread while it is open, and Django runs an async view (the
    readiness probe) through async_to_sync, which refuses to run inside a running loop; with
    pytest-xdist any test may follow a browser test in the same process."""
    # Imported here: without playwright installed the browser tests skip, not fail to collect.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical WCAG violations on the current page."""
    # Imported here: axe needs playwright, which may be missing (the browser tests then skip).
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKERS]
