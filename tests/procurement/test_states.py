"""The machines of procurement: documents through rendering, retries and failure (each move
audited), and the tables of requisitions, participations and orders."""

import pytest

from accounts.models import AuditEvent, Organisation, OrganisationKind, Role
from core.errors import InvalidTransition
from procurement.audit_actions import ProcurementAudit
from procurement.models import (
    Document,
    DocumentStatus,
    OrderStatus,
    ParticipationStatus,
    RequisitionStatus,
)
from procurement.services import documents
from procurement.states import DOCUMENT, ORDER, PARTICIPATION, REQUISITION
from tests.factories import member
from tests.procurement.awarded import awarded_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def queued_contract() -> Document:
    """An awarded order's documents, requested and queued; nothing rendered (no commit)."""
    order = awarded_order(forces=2)
    documents.documents_request(order=order, actor=None)
    return order.documents.get(kind="contract")


def commercial_lead():
    return member(Role.COMMERCIAL_LEAD, Organisation.objects.get(kind=OrganisationKind.ICT_COMPANY))


def actions_on(document: Document) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="procurement.document", object_id=str(document.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def test_rendering_a_document_is_audited_from_its_start_to_its_end():
    contract = queued_contract()

    documents.document_render(document_id=contract.pk)

    contract.refresh_from_db()
    assert (contract.status, contract.attempts, contract.progress) == (DocumentStatus.DONE, 1, 100)
    assert actions_on(contract) == ["document.rendering", "document.rendered"]
    rendered = AuditEvent.objects.get(action="document.rendered")
    assert rendered.after["status"] == "done" and rendered.after["pages"] == contract.page_count


def test_the_worker_queues_a_document_again_after_a_transient_error():
    contract = queued_contract()
    DOCUMENT.apply(
        contract, DocumentStatus.RENDERING, actor=None, action=ProcurementAudit.DOCUMENT_RENDERING
    )

    documents.document_note_retry(document_id=contract.pk, error="OSError: disk full")

    contract.refresh_from_db()
    assert contract.status == DocumentStatus.QUEUED
    assert contract.error == "Retrying after: OSError: disk full"
    assert actions_on(contract)[-1] == "document.retrying"


def test_a_retry_note_for_a_document_already_done_changes_nothing():
    contract = queued_contract()
    documents.document_render(document_id=contract.pk)
    events = AuditEvent.objects.count()

    documents.document_note_retry(document_id=contract.pk, error="OSError: late")

    contract.refresh_from_db()
    assert (contract.status, contract.error) == (DocumentStatus.DONE, "")
    assert AuditEvent.objects.count() == events


def test_a_commercial_lead_retries_only_a_failed_document_not_one_being_rendered():
    contract = queued_contract()
    DOCUMENT.apply(
        contract, DocumentStatus.RENDERING, actor=None, action=ProcurementAudit.DOCUMENT_RENDERING
    )

    with pytest.raises(InvalidTransition) as error:
        documents.document_retry(document=contract, actor=commercial_lead())
    assert error.value.message == "Only a failed document can be retried; this one is rendering."
    assert not DOCUMENT.can(
        contract, DocumentStatus.QUEUED
    )  # what the order page asks for its button


def test_a_failure_is_recorded_once_and_the_document_waits_for_a_retry():
    contract = queued_contract()
    documents.document_mark_failed(document_id=contract.pk, error="ValueError: template")
    documents.document_mark_failed(document_id=contract.pk, error="ValueError: again")

    contract.refresh_from_db()
    assert (contract.status, contract.error) == (DocumentStatus.FAILED, "ValueError: template")
    assert actions_on(contract).count("document.failed") == 1

    # The same task delivered again leaves it for the commercial lead.
    documents.document_render(document_id=contract.pk)
    contract.refresh_from_db()
    assert contract.status == DocumentStatus.FAILED and not contract.file
    assert DOCUMENT.can(contract, DocumentStatus.QUEUED)


def test_the_procurement_tables():
    assert set(_named(REQUISITION)) == set(RequisitionStatus.values)
    assert REQUISITION.is_final(RequisitionStatus.CONTRACTED)
    assert REQUISITION.is_final(RequisitionStatus.CANCELLED)
    assert set(_targets(REQUISITION, RequisitionStatus.AWARDED)) == {RequisitionStatus.CONTRACTED}
    assert set(_targets(PARTICIPATION, ParticipationStatus.AWAITING_APPROVAL)) >= {
        ParticipationStatus.APPROVED,
        ParticipationStatus.REJECTED,
    }
    assert PARTICIPATION.is_final(ParticipationStatus.REJECTED)
    assert ORDER.is_final(OrderStatus.CONTRACTED) and ORDER.is_final(OrderStatus.CANCELLED)
    assert DOCUMENT.is_final(DocumentStatus.DONE)


def _named(machine):
    for source, target, _ in machine.transitions():
        yield source
        yield target


def _targets(machine, source):
    return [target for s, target, _ in machine.transitions() if s == source]
