"""Issue 9, finding 15: the OCDS publication follows the pool, names every force, is a valid
release package as served and is accepted by the Open Contracting Partnership's review tool."""

import datetime
import json
import time
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig

from config.celery import app
from procurement import services
from procurement.models import OcdsPendingUpdate, OcdsRelease
from procurement.ocds import releases
from procurement.ocds.validation import STANDARD_ZIP, package_errors
from procurement.services import documents, publication
from procurement.tasks import publish_tender_update
from tests.procurement.awarded import awarded_order
from tests.procurement.conftest import join, start

pytestmark = pytest.mark.django_db


def libcove(package: dict, tmp_path) -> dict:
    """What libcoveocds says of a package, offline (the standard from the repository's zip)."""
    config = LibCoveOCDSConfig()
    config.config["standard_zip"] = f"file://{STANDARD_ZIP}"
    config.config["context"] = "api"
    path = tmp_path / "package.json"
    path.write_text(json.dumps(package))
    return ocds_json_output(
        str(tmp_path), str(path), None, json_data=package, lib_cove_ocds_config=config
    )


def assert_accepted_by_libcove(package: dict, tmp_path) -> None:
    report = libcove(package, tmp_path)
    assert report["validation_errors"] == []
    assert not report.get("additional_fields"), report.get("additional_fields")
    assert not report.get("additional_closed_codelist_values")
    assert "json_deref_error" not in report


def pass_the_minute(requisition) -> None:
    """Make every release of the requisition a minute older, as if time had passed."""
    for release in OcdsRelease.objects.filter(joint_requisition=requisition):
        release.date -= datetime.timedelta(seconds=61)
        release.save(update_fields=["date"])
    OcdsPendingUpdate.objects.filter(joint_requisition=requisition).update(
        due_at=F("due_at") - datetime.timedelta(seconds=61)
    )


def latest(requisition) -> dict:
    return requisition.ocds_releases.order_by("-date", "-pk").first().data


@pytest.fixture
def pooled(ict_company, buyer, force, product, other_buyer, other_force, third_buyer, third_force):
    """Opened by the test force with 37 units; two more forces join a minute apart: 251."""
    requisition = start(buyer, force, product, quantity=37)
    pass_the_minute(requisition)
    join(requisition, other_buyer, other_force, quantity=114)
    pass_the_minute(requisition)
    join(requisition, third_buyer, third_force, quantity=100)
    return requisition


def test_the_tender_follows_the_pool_after_joins(pooled, force, other_force, third_force):
    """Issue 9, finding 15: tender data is updated after joins (251 units, not the opening 37)
    and every participating force is a buyer party."""
    release = latest(pooled)

    assert release["tag"] == ["tenderUpdate"]
    assert release["tender"]["items"][0]["quantity"] == 251
    buyers = {p["name"] for p in release["parties"] if "buyer" in p["roles"]}
    assert buyers == {force.name, other_force.name, third_force.name}
    procuring = [p for p in release["parties"] if "procuringEntity" in p["roles"]]
    assert len(procuring) == 1
    assert pooled.ocds_releases.count() == 3
    assert len({r.release_id for r in pooled.ocds_releases.all()}) == 3


def test_each_force_quantity_is_in_the_tender(pooled, force, other_force, third_force):
    """Issue 9, finding 15: the per-force quantities are published with the pooled total."""
    release = latest(pooled)

    quantities = releases.force_quantities(release)
    assert quantities == {force.name: 37, other_force.name: 114, third_force.name: 100}


def test_quantity_changes_and_withdrawals_publish_the_new_pool(
    pooled, other_buyer, third_buyer, third_force
):
    """Issue 9, finding 15: a change and a withdrawal are new tender releases."""
    pass_the_minute(pooled)
    services.participation_change(
        participation=pooled.participations.get(force__slug="otherton"),
        user=other_buyer,
        quantity=14,
    )
    assert latest(pooled)["tender"]["items"][0]["quantity"] == 151

    pass_the_minute(pooled)
    services.participation_withdraw(
        participation=pooled.participations.get(force=third_force), user=third_buyer
    )
    release = latest(pooled)
    assert release["tender"]["items"][0]["quantity"] == 51
    assert third_force.name not in {p["name"] for p in release["parties"]}


def test_a_burst_of_changes_is_one_release_that_carries_the_last_pool(
    buyer, force, product, other_buyer, other_force, third_buyer, third_force
):
    """Issue 9, finding 15: at most one tender release a minute per requisition; the last
    change of a burst is published when the minute is up."""
    requisition = start(buyer, force, product, quantity=37)
    join(requisition, other_buyer, other_force, quantity=114)
    join(requisition, third_buyer, third_force, quantity=100)

    assert requisition.ocds_releases.count() == 1  # within the minute: nothing yet
    assert publication.publish_due_tender_updates() == 0  # still within the minute

    pass_the_minute(requisition)
    assert publication.publish_due_tender_updates() == 1
    assert publication.publish_due_tender_updates() == 0  # once only
    release = latest(requisition)
    assert release["tender"]["items"][0]["quantity"] == 251
    assert requisition.ocds_releases.count() == 2


def test_the_close_always_publishes_the_final_pool(buyer, force, product, other_buyer, other_force):
    """Issue 9, finding 15: the close publishes a tender release even within the minute."""
    requisition = start(buyer, force, product, quantity=37)
    join(requisition, other_buyer, other_force, quantity=14)

    services.requisition_close(requisition=requisition, user=buyer)

    release = latest(requisition)
    assert release["tender"]["items"][0]["quantity"] == 51
    assert release["tender"]["tenderPeriod"]["endDate"]
    assert {p["name"] for p in release["parties"] if "buyer" in p["roles"]} == {
        force.name,
        other_force.name,
    }
    assert publication.publish_due_tender_updates() == 0


def test_a_cancellation_names_every_participating_force(
    pooled, buyer, force, other_force, third_force
):
    """Issue 9, finding 15: the cancellation release names every force, not only the lead."""
    services.requisition_cancel(requisition=pooled, user=buyer, reason="Budget withdrawn.")

    release = pooled.ocds_releases.get(tag="tenderCancellation").data
    buyers = {p["name"] for p in release["parties"] if "buyer" in p["roles"]}
    assert buyers == {force.name, other_force.name, third_force.name}
    assert release["tender"]["status"] == "cancelled"
    assert "statusDetails" not in json.dumps(release)
    assert package_errors(releases.release_package([release], uri="https://x.example/")) == []


def test_the_releases_endpoint_serves_a_release_package_with_links(api, buyer, pooled):
    """Issue 9, finding 15: the endpoint is a release package, paged through its links."""
    api.as_user(buyer)

    first = api.get("/api/v1/ocds/releases/", {"page_size": 2}).json()

    assert "count" not in first and "results" not in first
    assert first["version"] == "1.1"
    assert {"uri", "publishedDate", "publisher", "releases"} <= set(first)
    assert len(first["releases"]) == 2
    assert package_errors(first) == []
    assert "prev" not in first.get("links", {})
    second = api.get(first["links"]["next"]).json()
    assert len(second["releases"]) == 1
    assert "next" not in second.get("links", {})
    assert second["links"]["prev"]
    assert package_errors(second) == []
    ids = [r["id"] for r in first["releases"] + second["releases"]]
    assert len(set(ids)) == 3
    assert 'rel="next"' in api.get("/api/v1/ocds/releases/", {"page_size": 2})["Link"]


def test_a_page_of_several_passes_libcoveocds_but_for_its_links(api, buyer, pooled, tmp_path):
    """Issue 9, finding 15: a page of several is valid for libcoveocds; its only field outside
    the 1.1.5 package schema is the paging ``links`` object at the package's root (the 1.1.5
    release-package schema defines no ``links``)."""
    page = api.as_user(buyer).get("/api/v1/ocds/releases/", {"page_size": 2}).json()

    report = libcove(page, tmp_path)

    assert report["validation_errors"] == []
    assert report["additional_fields"] == [{"path": "", "field": "links", "usage_count": 1}]
    assert not report["additional_closed_codelist_values"]


def test_bad_filters_on_the_releases_endpoint_are_a_400(api, buyer):
    """Issue 9, finding 15: bad filter values are a 400 in the API's error format."""
    api.as_user(buyer)

    for params, field in [({"date_to": "soon"}, "date_to"), ({"tag": "nonsense"}, "tag")]:
        response = api.get("/api/v1/ocds/releases/", params)
        assert response.status_code == 400
        assert field in response.json()["errors"]


@pytest.fixture
def every_release(settings, tmp_path, django_capture_on_commit_callbacks, pooled, buyer):
    """Releases of every kind: tender, tenderUpdate, tenderCancellation, award, contract."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }

    services.requisition_cancel(requisition=pooled, user=buyer, reason="Budget withdrawn.")
    order = awarded_order(forces=3)
    publication.publish_tender(order.joint_requisition)
    publication.publish_award(order)
    with django_capture_on_commit_callbacks(execute=True):
        documents.documents_request(order=order, actor=None)
    assert set(OcdsRelease.objects.values_list("tag", flat=True)) == {
        "tender",
        "tenderUpdate",
        "tenderCancellation",
        "award",
        "contract",
    }
    return order


def test_the_releases_endpoint_as_served_passes_libcoveocds(api, buyer, every_release, tmp_path):
    """Issue 9, finding 15: libcoveocds accepts the package as served, with no errors and no
    fields outside OCDS 1.1.5."""
    response = api.as_user(buyer).get("/api/v1/ocds/releases/", {"page_size": 100})

    assert response.status_code == 200
    package = response.json()
    assert package_errors(package) == []
    assert_accepted_by_libcove(package, tmp_path)


def test_the_requisition_endpoint_as_served_passes_libcoveocds(api, buyer, pooled, tmp_path):
    """Issue 9, finding 15: one requisition's package passes libcoveocds too."""
    services.requisition_cancel(requisition=pooled, user=buyer, reason="Budget withdrawn.")

    response = api.as_user(buyer).get(f"/api/v1/joint-requisitions/{pooled.pk}/ocds/")

    assert response.status_code == 200
    assert_accepted_by_libcove(response.json(), tmp_path)


def _values(node, path=""):
    """Every (path, Value) in a release: objects with an amount and a currency."""
    if isinstance(node, dict):
        if set(node) >= {"amount", "currency"}:
            yield path, node
        for key, child in node.items():
            yield from _values(child, f"{path}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _values(child, f"{path}/{index}")


def test_every_amount_includes_vat_by_the_stated_convention(every_release, api):
    """Issue 9, finding 15: gross and net are told apart by one convention used everywhere:
    every Value.amount includes VAT, and the package's policy says so."""
    order = every_release
    rate = order.joint_requisition.vat_rate
    award = order.joint_requisition.ocds_releases.get(tag="award").data
    contract = order.joint_requisition.ocds_releases.get(tag="contract").data

    assert award["awards"][0]["value"]["amount"] == float(order.total)
    assert contract["contracts"][0]["value"]["amount"] == float(order.total)
    unit = award["awards"][0]["items"][0]["unit"]["value"]["amount"]
    assert Decimal(str(unit)) == order.unit_price * (1 + rate)
    for release in OcdsRelease.objects.all():
        for path, value in _values(release.data):
            assert value["currency"] == "GBP", path
    package = releases.release_package([award], uri="https://x.example/")
    policy = api.get(package["publicationPolicy"])
    assert policy.status_code == 200
    assert "is in GBP and includes VAT" in policy.content.decode()
    assert "statusDetails" not in json.dumps([r.data for r in OcdsRelease.objects.all()])


def test_the_opening_quantity_change_in_the_same_minute_is_not_lost(
    buyer, force, product, other_buyer, other_force
):
    """Issue 9, finding 15: a change inside the minute is published once the minute is up
    (a scheduled publication), never dropped."""
    requisition = start(buyer, force, product, quantity=37)
    join(requisition, other_buyer, other_force, quantity=14)
    pass_the_minute(requisition)

    assert publication.publish_due_tender_updates(now=timezone.now()) == 1
    assert latest(requisition)["tender"]["items"][0]["quantity"] == 51


def test_a_burst_schedules_one_delayed_publication_that_publishes_the_last_pool(
    buyer,
    force,
    product,
    other_buyer,
    other_force,
    third_buyer,
    third_force,
    django_capture_on_commit_callbacks,
):
    """Issue 9, finding 15: the first change inside the minute schedules one publication for
    when the minute is up; later changes in the burst ride on it; it publishes the last pool."""
    requisition = start(buyer, force, product, quantity=37)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # eagerly: too early
        join(requisition, other_buyer, other_force, quantity=114)
        join(requisition, third_buyer, third_force, quantity=100)

    scheduled = [
        c for c in callbacks if getattr(c, "func", None) == publish_tender_update.apply_async
    ]
    assert len(scheduled) == 1
    due = OcdsPendingUpdate.objects.get(joint_requisition=requisition).due_at
    assert scheduled[0].keywords["eta"] == due
    assert publish_tender_update.apply(args=(requisition.pk,)).get() is False  # too early
    pass_the_minute(requisition)
    assert publish_tender_update.apply(args=(requisition.pk,)).get() is True
    assert latest(requisition)["tender"]["items"][0]["quantity"] == 251
    assert not OcdsPendingUpdate.objects.filter(joint_requisition=requisition).exists()


def test_a_change_of_details_only_publishes_nothing(pooled, other_buyer):
    """Issue 9, finding 15: only a change of the pool is a tender update."""
    pass_the_minute(pooled)
    before = pooled.ocds_releases.count()

    services.participation_change(
        participation=pooled.participations.get(force__slug="otherton"),
        user=other_buyer,
        delivery_address="New stores",
    )

    assert pooled.ocds_releases.count() == before


def test_beat_publishes_due_tender_updates_every_minute():
    entry = app.conf.beat_schedule["publish-due-ocds-updates"]

    assert entry["task"] == "procurement.publish_due_ocds_updates"
    assert entry["schedule"] == 60.0
    assert entry["task"] in app.tasks


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_publishes_the_coalesced_update_when_the_minute_is_up(
    celery_worker_process, ict_company, buyer, force, product, other_buyer, other_force
):
    """Issue 9, finding 15: the delayed publication goes through the broker and a worker."""
    requisition = start(buyer, force, product, quantity=37)
    # The opening release went out 57 seconds ago: the minute is up in 3 seconds.
    OcdsRelease.objects.filter(joint_requisition=requisition).update(
        date=F("date") - datetime.timedelta(seconds=57)
    )
    join(requisition, other_buyer, other_force, quantity=14)
    assert requisition.ocds_releases.count() == 1

    deadline = time.monotonic() + 60
    while requisition.ocds_releases.count() < 2 and time.monotonic() < deadline:
        time.sleep(0.5)

    assert latest(requisition)["tender"]["items"][0]["quantity"] == 51
    assert not OcdsPendingUpdate.objects.filter(joint_requisition=requisition).exists()
