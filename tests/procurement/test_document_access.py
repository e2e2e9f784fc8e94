"""Who may list and download which contract documents."""

import pytest

from accounts.models import Organisation, OrganisationKind, Role
from procurement.models import DocumentKind
from procurement.services import documents
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


def test_a_commercial_lead_issues_a_new_version_over_the_api_and_the_old_one_stays(api, order):
    contract = order.documents.get(kind=DocumentKind.CONTRACT, version=1)
    buyer = member(Role.BUYER, order.lines.first().force)

    refused = api.as_user(buyer).post(f"/api/v1/documents/{contract.pk}/regenerate/")
    accepted = api.as_user(ict(Role.COMMERCIAL_LEAD)).post(
        f"/api/v1/documents/{contract.pk}/regenerate/"
    )

    assert refused.status_code == 403
    assert accepted.status_code == 202
    assert accepted.json()["version"] == 2
    versions = set(
        order.documents.filter(kind=DocumentKind.CONTRACT).values_list("version", flat=True)
    )
    assert versions == {1, 2}
    assert download(api, ict(Role.COMMERCIAL_LEAD), contract).status_code == 200


def test_the_order_page_shows_each_documents_state_to_whoever_may_see_it(client, order):
    first = order.lines.order_by("force__name").first().force
    client.force_login(member(Role.FINANCE, first))

    page = client.get(f"/requisitions/orders/{order.pk}/").content.decode()

    assert f"{order.number}-C" in page
    assert f"{order.number}-PO-{first.slug.upper()}" in page
    other = order.lines.order_by("force__name").last().force
    assert f"{order.number}-PO-{other.slug.upper()}" not in page
    assert "Retry" not in page and "Issue a new version" not in page


def test_a_commercial_lead_retries_a_failed_document_from_the_order_page(
    client, order, django_capture_on_commit_callbacks
):
    document = order.documents.get(kind=DocumentKind.CONTRACT)
    document.status = "failed"
    document.error = "OSError: disk full"
    document.save()
    client.force_login(ict(Role.COMMERCIAL_LEAD))
    page = client.get(f"/requisitions/orders/{order.pk}/").content.decode()
    assert "OSError: disk full" in page and "Retry" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/requisitions/documents/{document.pk}/retry/",
            {"next": f"/requisitions/orders/{order.pk}/"},
        )

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == "done"


def test_the_preview_is_the_documents_html_for_those_allowed_only(client, order):
    contract = order.documents.get(kind=DocumentKind.CONTRACT)
    client.force_login(member(Role.SUPPLIER_EDITOR, order.supplier))
    preview = client.get(f"/requisitions/documents/{contract.pk}/preview/")
    assert preview.status_code == 200
    assert b"Call-off contract" in preview.content

    client.force_login(member(Role.SUPPLIER_EDITOR, SupplierFactory()))
    assert client.get(f"/requisitions/documents/{contract.pk}/preview/").status_code == 404
