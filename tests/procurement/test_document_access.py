"""Who may list and download which contract documents."""

import pytest

from accounts.models import Organisation, OrganisationKind, Role
from procurement import documents
from procurement.models import DocumentKind
from tests.factories import ForceFactory, SupplierFactory, member
from tests.procurement.awarded import awarded_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    order = awarded_order(forces=2)
    with django_capture_on_commit_callbacks(execute=True):
        documents.documents_request(order=order, actor=None)
    return order


def download(api, user, document):
    """The response with its streamed body read (which also closes the file)."""
    response = api.as_user(user).get(f"/api/v1/documents/{document.pk}/download/")
    response.body = b"".join(response.streaming_content) if response.streaming else b""
    return response


def ict(role):
    return member(role, Organisation.objects.get(kind=OrganisationKind.ICT_COMPANY))


@pytest.mark.parametrize(
    "role", [Role.CATALOGUE_MANAGER, Role.COMMERCIAL_LEAD, Role.STANDARDS_SECRETARY]
)
def test_the_ict_company_downloads_every_document(api, order, role):
    user = ict(role)

    for document in order.documents.all():
        response = download(api, user, document)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.body.startswith(b"%PDF-")
        assert response["X-Content-SHA256"] == document.sha256


def test_the_supplier_downloads_every_document_of_its_order(api, order):
    editor = member(Role.SUPPLIER_EDITOR, order.supplier)

    for document in order.documents.all():
        assert download(api, editor, document).status_code == 200


def test_another_supplier_sees_nothing(api, order):
    stranger = member(Role.SUPPLIER_EDITOR, SupplierFactory())

    for document in order.documents.all():
        assert download(api, stranger, document).status_code == 404
    assert api.get("/api/v1/documents/").json()["count"] == 0


@pytest.mark.parametrize("role", [Role.BUYER, Role.FINANCE, Role.DELEGATE])
def test_a_force_gets_the_contract_and_only_its_own_purchase_order(api, order, role):
    first, second = [line.force for line in order.lines.order_by("force__name")]
    user = member(role, first)

    contract = order.documents.get(kind=DocumentKind.CONTRACT)
    own = order.documents.get(kind=DocumentKind.PURCHASE_ORDER, force=first)
    other = order.documents.get(kind=DocumentKind.PURCHASE_ORDER, force=second)
    assert download(api, user, contract).status_code == 200
    assert download(api, user, own).status_code == 200
    assert download(api, user, other).status_code == 404
    listed = {d["id"] for d in api.get("/api/v1/documents/", {"order": order.pk}).json()["results"]}
    assert listed == {contract.pk, own.pk}


def test_a_force_outside_the_order_sees_nothing(api, order):
    outsider = member(Role.BUYER, ForceFactory())

    for document in order.documents.all():
        assert download(api, outsider, document).status_code == 404


def test_anonymous_users_cannot_download(api, order):
    document = order.documents.first()

    response = api.get(f"/api/v1/documents/{document.pk}/download/")

    assert response.status_code == 401


def test_documents_are_never_served_from_a_public_media_url(client, order):
    document = order.documents.first()

    response = client.get(f"/media/{document.file.name}")

    assert response.status_code == 404


def test_a_document_that_is_not_ready_cannot_be_downloaded(api, order):
    document = order.documents.get(kind=DocumentKind.CONTRACT)
    document.status = "rendering"
    document.save()

    assert download(api, ict(Role.COMMERCIAL_LEAD), document).status_code == 404


def test_retry_over_the_api_is_for_commercial_leads_and_failed_documents(api, order):
    document = order.documents.get(kind=DocumentKind.CONTRACT)
    document.status = "failed"
    document.error = "OSError: disk full"
    document.save()
    buyer = member(Role.BUYER, order.lines.first().force)

    refused = api.as_user(buyer).post(f"/api/v1/documents/{document.pk}/retry/")
    accepted = api.as_user(ict(Role.COMMERCIAL_LEAD)).post(
        f"/api/v1/documents/{document.pk}/retry/"
    )
    again = api.post(f"/api/v1/documents/{document.pk}/retry/")

    assert refused.status_code == 403
    assert accepted.status_code == 202
    assert accepted.json()["status"] in {"queued", "done"}
    assert again.status_code == 409
