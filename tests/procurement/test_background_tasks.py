"""Without Redis, long work leaves the request (issue 11): the award answers at once and its
documents render on the background thread (core.background), where a failure is recorded as
the document's failed state. Elsewhere the tests run tasks eagerly."""

import threading

import pytest
from django.db import connections
from django.urls import reverse

from config.celery import app as celery_app
from core.background import BackgroundRunner, runner
from procurement import services
from procurement.models import DocumentStatus, Order, OrderStatus, RequisitionStatus
from procurement.services import documents

pytestmark = pytest.mark.django_db(transaction=True)  # the thread sees committed rows only


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def in_process(settings):
    """As `make run` is configured: no broker, tasks on the background thread, failures
    recorded rather than raised."""
    settings.TASKS_IN_PROCESS = True
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False
    yield runner
    idle = runner.wait_idle(timeout=120)  # nothing may touch the database after the test
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous
    assert idle, "background tasks were still running"


@pytest.fixture
def render_gate(monkeypatch, in_process):
    """Each render task waits until the test opens the gate (set at teardown whatever
    happens). It waits before touching the database: SQLite's in-memory test database locks
    whole tables between threads, without the busy timeout a database file has."""
    gate = threading.Event()
    real_render = documents.document_render

    def gated_render(**kwargs):
        assert gate.wait(timeout=60), "the test never opened the gate"
        return real_render(**kwargs)

    monkeypatch.setattr(documents, "document_render", gated_render)
    yield gate
    gate.set()


@pytest.fixture
def approved(closed_requisition, finance, other_finance):
    for share in closed_requisition.participations.all():
        approver = finance if share.force.slug == "testshire" else other_finance
        services.participation_approve(participation=share, approver=approver)
    return closed_requisition


def award_through_the_page(client, requisition, commercial_lead):
    client.force_login(commercial_lead)
    response = client.post(reverse("procurement:requisition_award", args=[requisition.pk]))
    assert response.status_code == 302
    return Order.objects.get(joint_requisition=requisition)


def test_the_award_answers_before_its_documents_render_and_the_page_shows_progress(
    client, approved, commercial_lead, render_gate, in_process
):
    order = award_through_the_page(client, approved, commercial_lead)

    # The request has answered while the first render still waits at the gate.
    assert set(order.documents.values_list("status", flat=True)) == {DocumentStatus.QUEUED}
    assert order.documents.count() == 3  # the contract and a purchase order per force
    page = client.get(reverse("procurement:order_detail", args=[order.pk])).content.decode()
    assert "Documents are being prepared: this table refreshes itself." in page
    assert '<meta http-equiv="refresh"' in page  # without JavaScript too
    listed = client.get(f"/api/v1/documents/?order={order.pk}").json()["results"]
    assert {d["status"] for d in listed} == {"queued"}

    render_gate.set()
    assert in_process.wait_idle(timeout=120)

    assert set(order.documents.values_list("status", flat=True)) == {DocumentStatus.DONE}
    order.refresh_from_db()
    assert order.status == OrderStatus.CONTRACTED
    approved.refresh_from_db()
    assert approved.status == RequisitionStatus.CONTRACTED
    page = client.get(reverse("procurement:order_detail", args=[order.pk])).content.decode()
    assert "this table refreshes itself" not in page
    assert '<meta http-equiv="refresh"' not in page


def test_a_render_that_fails_in_the_background_is_recorded_as_failed(
    client, approved, commercial_lead, monkeypatch, render_gate, in_process
):
    def broken_render(*args, **kwargs):
        raise ValueError("the template is broken")

    monkeypatch.setattr(documents, "render_pdf", broken_render)

    order = award_through_the_page(client, approved, commercial_lead)
    render_gate.set()
    assert in_process.wait_idle(timeout=120)

    failed = list(order.documents.all())
    assert {d.status for d in failed} == {DocumentStatus.FAILED}
    assert all(d.error == "ValueError: the template is broken" for d in failed)
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    listed = client.get(f"/api/v1/documents/?order={order.pk}").json()["results"]
    assert {d["status"] for d in listed} == {"failed"}


def test_a_new_version_is_rendered_in_the_background_after_the_request(
    client, approved, commercial_lead, render_gate, in_process
):
    render_gate.set()
    order = award_through_the_page(client, approved, commercial_lead)
    assert in_process.wait_idle(timeout=120)
    render_gate.clear()
    contract = order.documents.get(kind="contract")

    response = client.post(
        reverse("procurement:document_regenerate", args=[contract.pk]),
        {"next": reverse("procurement:order_detail", args=[order.pk])},
    )

    assert response.status_code == 302
    new = order.documents.get(kind="contract", version=2)
    assert new.status == DocumentStatus.QUEUED
    render_gate.set()
    assert in_process.wait_idle(timeout=120)
    new.refresh_from_db()
    assert new.status == DocumentStatus.DONE


def test_the_background_thread_runs_work_off_the_caller_with_its_own_connection():
    background = BackgroundRunner()
    seen = {}

    def work():
        seen["thread"] = threading.current_thread()
        # This thread's own wrapper (``connection`` is a proxy that each thread resolves).
        seen["connection"] = connections["default"]
        with seen["connection"].cursor() as cursor:
            cursor.execute("SELECT 1")

    background.submit(work, name="query")

    assert background.wait_idle(timeout=30)
    assert seen["thread"] is not threading.current_thread()
    assert seen["thread"].name.startswith("network-code-task")
    in_memory = getattr(seen["connection"], "is_in_memory_db", lambda: False)()
    if not in_memory:  # SQLite's in-memory test database stays open
        assert seen["connection"].connection is None  # closed after the task


def test_work_given_an_eta_waits_for_it():
    background = BackgroundRunner()
    ran = threading.Event()

    background.submit(ran.set, name="later", delay=0.3)

    assert not ran.is_set()
    assert ran.wait(timeout=10)


def test_an_exception_that_escapes_a_task_is_logged_and_the_thread_goes_on(caplog):
    background = BackgroundRunner()
    ran = threading.Event()

    def broken():
        raise RuntimeError("escaped")

    background.submit(broken, name="broken")
    background.submit(ran.set, name="next")

    assert background.wait_idle(timeout=30)
    assert ran.is_set()
    assert "Background task broken failed" in caplog.text


def test_tests_still_run_tasks_eagerly_in_the_call_that_queues_them():
    assert celery_app.conf.task_always_eager is True
