"""Contract documents rendered by real Celery workers on Redis, against PostgreSQL."""

import os
import signal
import time

import pytest
from django.core.files.storage import default_storage

from procurement.models import Document, DocumentKind, DocumentStatus, OrderStatus
from procurement.services import documents
from procurement.tasks import render_document
from tests.procurement.awarded import awarded_order

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media(settings, tmp_path):
    """A media directory shared by this test and its workers."""
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


QUICK_REDELIVERY = {"CELERY_VISIBILITY_TIMEOUT": "4", "CELERY_UNACKED_RESTORE_INTERVAL": "1"}


def wait_for(condition, timeout: float = 60, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def all_done(order) -> bool:
    return not order.documents.exclude(status=DocumentStatus.DONE).exists()


def stored_files(root) -> list:
    return (
        sorted(p for p in (root / "documents").glob("*.pdf"))
        if (root / "documents").exists()
        else []
    )


def contract_document(order) -> Document:
    number = documents.document_number(order, DocumentKind.CONTRACT, None)
    return Document.objects.create(
        order=order,
        kind=DocumentKind.CONTRACT,
        version=1,
        number=number,
        snapshot=documents.document_snapshot(
            documents.order_snapshot(order), kind=DocumentKind.CONTRACT, number=number, version=1
        ),
    )


def test_award_documents_are_rendered_by_a_worker(celery_workers, media):
    celery_workers.start(MEDIA_ROOT=str(media))
    order = awarded_order(forces=4)

    documents.documents_request(order=order, actor=None)

    assert wait_for(lambda: all_done(order))
    order.refresh_from_db()
    assert order.status == OrderStatus.CONTRACTED
    assert len(stored_files(media)) == 5
    for document in order.documents.all():
        assert default_storage.exists(document.file.name)


def test_a_duplicated_task_makes_one_document(celery_workers, media):
    celery_workers.start(MEDIA_ROOT=str(media))
    order = awarded_order(forces=2)
    contract = contract_document(order)

    for _ in range(3):
        render_document.delay(contract.pk)

    assert wait_for(lambda: Document.objects.get(pk=contract.pk).status == DocumentStatus.DONE)
    time.sleep(1.5)  # let the duplicates run: they must change nothing
    assert order.documents.filter(kind=DocumentKind.CONTRACT).count() == 1
    contract.refresh_from_db()
    assert stored_files(media) == [media / contract.file.name]


def test_a_task_that_fails_twice_then_succeeds(celery_workers, media, tmp_path):
    celery_workers.start(
        MEDIA_ROOT=str(media),
        MEDIA_STORAGE_BACKEND="tests.support.flaky_storage.FlakyStorage",
        FLAKY_STORAGE_FAILURES="2",
        FLAKY_STORAGE_COUNTER=str(tmp_path / "failures"),
    )
    order = awarded_order(forces=1)
    contract = contract_document(order)

    render_document.delay(contract.pk)

    assert wait_for(
        lambda: Document.objects.get(pk=contract.pk).status == DocumentStatus.DONE, timeout=60
    )
    contract.refresh_from_db()
    assert contract.attempts == 3
    assert contract.error == ""
    assert (tmp_path / "failures").read_text() == "2"
    assert default_storage.exists(contract.file.name)


def test_a_worker_killed_mid_render_leaves_nothing_visible_and_the_task_completes(
    celery_workers, media
):
    worker = celery_workers.start(MEDIA_ROOT=str(media), **QUICK_REDELIVERY)
    order = awarded_order(forces=44)
    contract = contract_document(order)

    render_document.delay(contract.pk)
    assert wait_for(
        lambda: Document.objects.get(pk=contract.pk).status == DocumentStatus.RENDERING,
        interval=0.005,
    )
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    contract.refresh_from_db()
    assert contract.status == DocumentStatus.RENDERING
    assert not contract.file
    assert not contract.sha256

    celery_workers.start(MEDIA_ROOT=str(media), **QUICK_REDELIVERY)
    assert wait_for(
        lambda: Document.objects.get(pk=contract.pk).status == DocumentStatus.DONE, timeout=90
    )
    contract.refresh_from_db()
    assert contract.attempts == 2
    assert default_storage.exists(contract.file.name)
