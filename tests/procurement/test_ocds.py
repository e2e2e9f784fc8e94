import copy
import datetime

import pytest
from django.utils import timezone

from procurement.models import OcdsRelease, RequisitionStatus
from procurement.ocds import releases
from procurement.ocds.validation import package_errors
from procurement.services import documents, publication
from tests.procurement.awarded import awarded_order

pytestmark = pytest.mark.django_db


def package_of(*published):
    return releases.release_package(
        [r.data if isinstance(r, OcdsRelease) else r for r in published],
        uri="https://network-code.example/api/v1/ocds/releases/",
    )


@pytest.fixture
def contracted(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    order = awarded_order(forces=3)
    requisition = order.joint_requisition
    publication.publish_tender(requisition)
    publication.publish_award(order)
    with django_capture_on_commit_callbacks(execute=True):
        documents.documents_request(order=order, actor=None)
    return order


def test_tender_award_and_contract_releases_each_validate(contracted):
    releases = {r.tag: r for r in contracted.joint_requisition.ocds_releases.all()}

    assert set(releases) == {"tender", "award", "contract"}
    for release in releases.values():
        assert package_errors(package_of(release)) == [], release.tag
    assert package_errors(package_of(*releases.values())) == []


def test_releases_carry_the_parties_with_their_roles_and_the_cpv_classification(contracted):
    requisition = contracted.joint_requisition
    award = requisition.ocds_releases.get(tag="award").data

    roles = {party["name"]: party["roles"] for party in award["parties"]}
    assert roles["The Police ICT Company"] == ["procuringEntity"]
    assert roles[contracted.supplier.name] == ["supplier"]
    for line in contracted.lines.select_related("force"):
        assert roles[line.force.name] == ["buyer"]
    item = award["awards"][0]["items"][0]
    assert item["classification"] == {
        "scheme": "CPV",
        "id": requisition.product.category.cpv_code[:8],
        "description": requisition.product.category.name,
    }
    assert award["awards"][0]["value"] == {"amount": float(contracted.total), "currency": "GBP"}
    assert award["ocid"] == requisition.ocid


def test_the_contract_release_links_the_contract_document(contracted):
    contract = contracted.joint_requisition.ocds_releases.get(tag="contract").data

    document = contract["contracts"][0]["documents"][0]
    pdf = contracted.documents.get(kind="contract")
    assert document["url"].endswith(f"/api/v1/documents/{pdf.pk}/download/")
    assert document["format"] == "application/pdf"


def test_a_cancelled_requisition_publishes_a_valid_cancellation(contracted):
    order = awarded_order(forces=2, name_prefix="")
    requisition = order.joint_requisition
    requisition.status = RequisitionStatus.CANCELLED
    requisition.cancelled_at = timezone.now()
    requisition.cancellation_reason = "Budget withdrawn."
    requisition.save()

    release = publication.publish_cancellation(requisition)

    assert release.data["tender"]["status"] == "cancelled"
    assert package_errors(package_of(release)) == []


def test_publishing_the_same_event_twice_keeps_the_first_release(contracted):
    requisition = contracted.joint_requisition
    first = requisition.ocds_releases.get(tag="tender")

    again = publication.publish_tender(requisition)

    assert again.pk == first.pk
    assert requisition.ocds_releases.filter(tag="tender").count() == 1


def test_the_validator_catches_schema_and_codelist_errors(contracted):
    release = copy.deepcopy(contracted.joint_requisition.ocds_releases.get(tag="award").data)
    release["tag"] = ["bogus"]
    release["awards"][0]["status"] = "pending-ish"
    release["awards"][0]["value"]["currency"] = "GBPX"
    del release["initiationType"]

    errors = package_errors(package_of(release))

    assert any("initiationType" in e for e in errors)
    assert any("'bogus'" in e and "releaseTag" in e for e in errors)
    assert any("pending-ish" in e for e in errors)
    assert any("GBPX" in e for e in errors)


def test_the_requisition_ocds_endpoint_returns_a_valid_package(api, buyer, contracted):
    requisition = contracted.joint_requisition

    response = api.as_user(buyer).get(f"/api/v1/joint-requisitions/{requisition.pk}/ocds/")

    assert response.status_code == 200
    package = response.json()
    assert [r["tag"] for r in package["releases"]] == [["tender"], ["award"], ["contract"]]
    assert package_errors(package) == []


def test_the_releases_endpoint_pages_and_filters_by_date(api, buyer, contracted):
    api.as_user(buyer)
    later = OcdsRelease.objects.order_by("-date").first().date + datetime.timedelta(seconds=1)

    everything = api.get("/api/v1/ocds/releases/").json()
    none = api.get("/api/v1/ocds/releases/", {"date_from": later.isoformat()})
    awards = api.get("/api/v1/ocds/releases/", {"tag": "award"}).json()
    one_page = api.get("/api/v1/ocds/releases/", {"page_size": 2}).json()

    assert len(everything["releases"]) == 3 and "links" not in everything
    assert package_errors(everything) == []
    assert none.status_code == 404  # a release package holds at least one release
    assert [r["tag"] for r in awards["releases"]] == [["award"]]
    assert len(one_page["releases"]) == 2 and one_page["links"]["next"]


def test_a_requisition_with_nothing_published_is_a_404(api, buyer):
    order = awarded_order(forces=1)

    response = api.as_user(buyer).get(
        f"/api/v1/joint-requisitions/{order.joint_requisition.pk}/ocds/"
    )

    assert response.status_code == 404


def test_an_invalid_date_filter_is_a_400(api, buyer):
    response = api.as_user(buyer).get("/api/v1/ocds/releases/", {"date_from": "yesterday"})

    assert response.status_code == 400
    assert "date_from" in response.json()["errors"]
