"""The production configuration, end to end: what an operator runs, driven by a browser.

A database of its own (migrated from nothing), collectstatic into a temporary STATIC_ROOT
with the manifest storage (shared with the settings test), the demo data (seed_demo refuses
without --force when DEBUG is off), gunicorn with 2 workers, a Celery worker and beat as
separate processes on a Redis database of their own, DEBUG off and a random 67-character
key. Chromium then signs in, searches, joins a requisition and downloads a contract that
the worker rendered.
"""

import hashlib
import io
import re
import time

import psycopg
import pytest
from playwright.sync_api import sync_playwright
from pypdf import PdfReader

from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS
from tests.production.stack import wait_until

pytestmark = [pytest.mark.production, pytest.mark.browser, pytest.mark.worker]

BUYER = "buyer@gwent.police.example"
PASSWORD = "network-code-demo"
JOINED = "Rugged laptops for response policing"
AWARDED = "Body-worn cameras for Wales"


def test_the_production_configuration_serves_the_main_journey(production):
    stack = production
    refused = stack.notes["seed refused"]
    assert refused.returncode != 0
    assert "refuses to run when DEBUG is off" in refused.stderr
    timings = stack.notes["timings"]
    base = f"http://127.0.0.1:{stack.port}"
    worker = next(p for p in stack.processes if p.name == "worker")
    beat = next(p for p in stack.processes if p.name == "beat")
    clock = time.monotonic()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        timings[name] = now - clock
        clock = now

    with (
        sync_playwright() as playwright,
        psycopg.connect(stack.database_url, autocommit=True) as db,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        context = browser.new_context(base_url=base, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(20_000)

        # DEBUG off: pages name the stylesheet by its hashed name, served by WhiteNoise.
        page.goto("/accounts/sign-in/")
        stylesheet = page.locator('link[rel="stylesheet"]').first.get_attribute("href") or ""
        assert re.search(r"/static/build/main\.[0-9a-f]{12}\.css$", stylesheet), stylesheet
        assert page.request.get(stylesheet).ok
        missing = page.request.get("/no-such-page/")
        assert missing.status == 404
        assert "Traceback" not in missing.text() and "DEBUG = True" not in missing.text()

        # Ready: database, Redis, storage, migrations and the worker's heartbeat.
        wait_until(
            lambda: page.request.get("/readyz").status == 200,
            timeout=60,
            message="/readyz never answered 200",
        )

        # Sign in.
        page.get_by_label("Email address").fill(BUYER)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Sign out").wait_for()
        cookies = {cookie["name"]: cookie for cookie in context.cookies()}
        assert cookies["sessionid"]["httpOnly"]
        lap("sign in")

        # Search the catalogue.
        page.goto("/catalogue/?q=rugged+laptop")
        results = page.locator(".nc-results .nc-result__title a")
        results.first.wait_for()
        assert "rugged laptop" in results.first.inner_text().lower()
        lap("search")

        # Join an open joint requisition.
        requisition_id = db.execute(
            "SELECT id FROM procurement_jointrequisition WHERE title = %s", [JOINED]
        ).fetchone()[0]
        page.goto(f"/requisitions/{requisition_id}/")
        page.get_by_role("link", name="Join for Gwent Police").click()
        page.get_by_label("Quantity").fill("20")
        page.get_by_label("Delivery address").fill("Gwent Police HQ, Cwmbran")
        page.get_by_label("Cost centre").fill("GW-ICT-7")
        page.get_by_role("button", name="Join").click()
        page.get_by_text("Gwent Police has joined").wait_for()
        joined = db.execute(
            "SELECT p.quantity FROM procurement_participation p "
            "JOIN accounts_organisation o ON o.id = p.force_id "
            "WHERE p.joint_requisition_id = %s AND o.slug = 'gwent'",
            [requisition_id],
        ).fetchone()
        assert joined == (20,)
        lap("join a requisition")

        # Download the contract of the awarded requisition, rendered by the worker.
        order_number = db.execute(
            "SELECT o.number FROM procurement_order o JOIN procurement_jointrequisition r "
            "ON r.id = o.joint_requisition_id WHERE r.title = %s",
            [AWARDED],
        ).fetchone()[0]
        page.goto("/requisitions/orders/")
        page.get_by_role("link", name=order_number).click()
        download_link = page.get_by_role("link", name=re.compile(r"^Download PDF of ")).first
        download_link.wait_for(timeout=60_000)  # the order page reloads itself when done
        number = download_link.inner_text().removeprefix("Download PDF").strip()
        number = number.removeprefix("of").strip()
        with page.expect_download() as download_info:
            download_link.click()
        content = download_info.value.path().read_bytes()
        lap("download a document")
        browser.close()

        assert content.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(content))
        text = "".join(pdf_page.extract_text() for pdf_page in reader.pages)
        assert number in text
        assert "Gwent Police" in text
        stored = db.execute(
            "SELECT sha256 FROM procurement_document WHERE number = %s ORDER BY version DESC",
            [number],
        ).fetchone()
        assert stored == (hashlib.sha256(content).hexdigest(),)

    # The worker rendered the documents and beat scheduled the minute's jobs through it.
    assert "beat: Acquired lock" in beat.text()
    wait_until(
        lambda: re.search(r"procurement\.close_due_requisitions\[\S+\] received", worker.text()),
        timeout=30,
        message="beat's scheduled job never reached the worker",
    )
    assert re.search(r"procurement\.render_document\[\S+\] received", worker.text())
    lap("scheduled job seen")
    print("\n" + "\n".join(f"{name}: {seconds:.1f} s" for name, seconds in timings.items()))
