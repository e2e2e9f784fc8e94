"""A redirect taken from the request (``next``) goes to a path of this site, never elsewhere."""

import re
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Organisation, OrganisationKind, Role
from core.redirects import next_or
from procurement.models import DocumentKind
from procurement.services import documents
from tests.factories import PASSWORD, member
from tests.procurement.awarded import awarded_order

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/path",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "http://testserver/secure-page",  # same host, but downgraded from HTTPS
    " https://evil.example/",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_next_off_site_falls_back(target):
    request = RequestFactory().post("/", {"next": target}, secure=True)

    assert next_or(request, "/home/") == "/home/"


@pytest.mark.parametrize("target", ["/requisitions/orders/7/", "/catalogue/?q=a&page=2"])
def test_a_next_path_on_this_site_is_kept(target):
    request = RequestFactory().post("/", {"next": target}, secure=True)

    assert next_or(request, "/home/") == target


def test_no_next_gives_the_fallback_resolved_from_a_url_name():
    assert next_or(RequestFactory().post("/"), "home") == "/"


@pytest.fixture
def failed_contract(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    order = awarded_order(forces=1)
    with django_capture_on_commit_callbacks(execute=True):
        documents.documents_request(order=order, actor=None)
    contract = order.documents.get(kind=DocumentKind.CONTRACT)
    contract.status = "failed"
    contract.save()
    return contract


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["document_retry", "document_regenerate"])
def test_the_document_retry_and_new_version_pages_never_redirect_off_site(
    client, failed_contract, view
):
    lead = member(Role.COMMERCIAL_LEAD, Organisation.objects.get(kind=OrganisationKind.ICT_COMPANY))
    client.force_login(lead)
    if view == "document_regenerate":
        failed_contract.status = "done"
        failed_contract.save()
    url = reverse(f"procurement:{view}", args=[failed_contract.pk])

    response = client.post(url, {"next": "https://evil.example/phish"})

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_sign_in_with_an_off_site_next_lands_on_this_site(client, buyer):
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": buyer.email, "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_sign_out_with_an_off_site_next_lands_on_this_site(client, buyer):
    client.force_login(buyer)

    response = client.post(reverse("accounts:logout"), {"next": "//evil.example/"})

    assert response.status_code == 302
    assert not response["Location"].startswith(("//", "http"))


REDIRECT_FROM_REQUEST = re.compile(
    r"(redirect|HttpResponseRedirect)\(\s*request\.|\.get\(\s*[\"'](next|return_to|back)[\"']"
)


def test_no_view_redirects_to_request_data_except_through_next_or():
    """Every redirect that the request chooses goes through ``core.redirects.next_or``."""
    offenders = []
    for app in ["accounts", "catalogue", "standards", "procurement", "core", "config"]:
        for path in (PROJECT_DIR / app).rglob("*.py"):
            if path.name == "redirects.py" or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if REDIRECT_FROM_REQUEST.search(line):
                    offenders.append(f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}")

    assert offenders == []
