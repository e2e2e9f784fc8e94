"""Issue 9: what the contract documents may say, and to whom.

The call-off contract goes to every participating force and to the supplier, so it says
only what every party may know: the forces, their quantities, the unit price, the shares
and the totals. A force's delivery address, cost centre and approvers (names, limits,
comments) are its own: they appear only on its purchase order.
"""

import io
import json
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from accounts.models import Role
from core.money import format_gbp
from procurement import services
from procurement.models import (
    Approval,
    DocumentKind,
    OcdsRelease,
    Order,
    OrderLine,
    Participation,
)
from procurement.services import documents
from tests.factories import ProductFactory, member
from tests.procurement.awarded import awarded_order
from tests.procurement.conftest import join, start

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


def pdf_text(document) -> str:
    with default_storage.open(document.file.name, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(" ".join(page.extract_text().split()) for page in reader.pages)


def with_private_details(order: Order) -> dict[int, list[str]]:
    """Give each force a distinctive delivery address, cost centre and approver of its own;
    return, per force id, the strings that are that force's alone."""
    private: dict[int, list[str]] = {}
    lines = list(order.lines.select_related("force", "participation").order_by("force__name"))
    for i, line in enumerate(lines):
        address = f"Depot {i} Quarry Lane\nPrivtown PX{i} 9ZZ"
        cost_centre = f"SECRET-CC-{i:02d}"
        limit = Decimal(f"76543{i}.10")
        approver = member(
            Role.FINANCE, line.force, full_name=f"Approverina Private{i:02d}", approval_limit=limit
        )
        comment = f"Budget line {i:02d} confirmed by the chief constable"
        OrderLine.objects.filter(pk=line.pk).update(
            delivery_address=address, cost_centre=cost_centre
        )
        Participation.objects.filter(pk=line.participation_id).update(
            delivery_address=address, cost_centre=cost_centre
        )
        Approval.objects.filter(participation=line.participation_id).update(
            approver=approver, approver_limit=limit, comment=comment
        )
        private[line.force_id] = [
            *address.splitlines(),
            cost_centre,
            approver.get_full_name(),
            format_gbp(limit),
            comment,
        ]
    return private


def snapshot_json(document) -> str:
    return json.dumps(document.snapshot)


@pytest.fixture
def issued(django_capture_on_commit_callbacks):
    order = awarded_order(forces=4)
    private = with_private_details(order)
    with django_capture_on_commit_callbacks(execute=True):
        documents.documents_request(order=order, actor=None)
    return order, private


def test_the_contract_holds_no_forces_delivery_address_cost_centre_or_approvers(issued):
    """Issue 9, finding 11: the contract every force receives listed every other force's
    delivery address, cost centre, approvers and amounts."""
    order, private = issued
    contract = order.documents.get(kind=DocumentKind.CONTRACT)

    text = pdf_text(contract)
    stored = snapshot_json(contract)
    preview = documents.document_preview_html(contract)

    for line in order.lines.select_related("force"):
        assert line.force.name in text
        assert f"{line.quantity} {format_gbp(line.share)}" in text
        for secret in private[line.force_id]:
            assert secret not in text, secret
            assert secret not in preview, secret
            # The snapshot stores amounts as plain decimals, not formatted.
            assert secret.replace("£", "").replace(",", "") not in stored, secret
    assert "delivery_address" not in stored and "cost_centre" not in stored
    assert "approver" not in stored
    assert format_gbp(order.total) in text


def test_each_purchase_order_has_its_own_forces_details_and_no_other_forces(issued):
    """Issue 9, finding 11: private details appear only in the force's own purchase order."""
    order, private = issued

    for line in order.lines.select_related("force"):
        purchase_order = order.documents.get(kind=DocumentKind.PURCHASE_ORDER, force=line.force)
        text = pdf_text(purchase_order)
        stored = snapshot_json(purchase_order)
        preview = documents.document_preview_html(purchase_order)
        for secret in private[line.force_id]:
            assert secret in text, secret
        for force_id, secrets in private.items():
            if force_id == line.force_id:
                continue
            for secret in secrets:
                assert secret not in text, secret
                assert secret not in preview, secret
                assert secret.replace("£", "").replace(",", "") not in stored, secret


def test_a_force_cannot_download_or_preview_another_forces_purchase_order(api, client, issued):
    """Issue 9, finding 11: the download and the preview keep a purchase order to its force
    (and the supplier and the ICT company), while every force gets the contract."""
    order, _ = issued
    first, second = [line.force for line in order.lines.order_by("force__name")][:2]
    finance = member(Role.FINANCE, first)
    contract = order.documents.get(kind=DocumentKind.CONTRACT)
    own = order.documents.get(kind=DocumentKind.PURCHASE_ORDER, force=first)
    other = order.documents.get(kind=DocumentKind.PURCHASE_ORDER, force=second)
    api.as_user(finance)
    client.force_login(finance)

    def download(document):
        response = api.get(f"/api/v1/documents/{document.pk}/download/")
        if response.streaming:
            b"".join(response.streaming_content)
        return response.status_code

    assert download(contract) == 200
    assert download(own) == 200
    assert download(other) == 404
    assert client.get(f"/requisitions/documents/{own.pk}/preview/").status_code == 200
    assert client.get(f"/requisitions/documents/{other.pk}/preview/").status_code == 404
    listed = api.get("/api/v1/documents/", {"order": order.pk}).json()["results"]
    assert {d["id"] for d in listed} == {contract.pk, own.pk}


def test_identical_lines_carry_identical_vat_from_close_to_the_documents_and_ocds(
    api,
    client,
    supplier,
    force,
    other_force,
    buyer,
    other_buyer,
    finance,
    other_finance,
    commercial_lead,
    django_capture_on_commit_callbacks,
):
    """Issue 9, finding 15: identical lines got GBP 7.84 and GBP 7.83 with no stated method.

    VAT per force line to the penny, the order's VAT their sum; the API, the pages, the
    purchase orders, the contract and OCDS all show the figures priced at close. (39.22 a
    line: VAT on the subtotal, 15.69, used to be shared 7.85 + 7.84.)"""
    product = ProductFactory(supplier=supplier, breaks=[(1, "39.22")])
    requisition = start(buyer, force, product, quantity=1)
    join(requisition, other_buyer, other_force, quantity=1)
    services.requisition_close(requisition=requisition, user=buyer)
    for approver in (finance, other_finance):
        share = Participation.objects.get(
            joint_requisition=requisition, force__memberships__user=approver
        )
        services.participation_approve(participation=share, approver=approver)
    requisition.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.requisition_award(requisition=requisition, user=commercial_lead)

    line_vat, order_vat, order_total = Decimal("7.84"), Decimal("15.68"), Decimal("94.12")
    requisition.refresh_from_db()
    order.refresh_from_db()
    assert [p.vat for p in requisition.participations.all()] == [line_vat, line_vat]
    assert (requisition.vat, requisition.total) == (order_vat, order_total)
    assert [line.vat for line in order.lines.all()] == [line_vat, line_vat]
    assert (order.vat, order.total) == (order_vat, order_total)
    assert sum(line.total for line in order.lines.all()) == order.total

    detail = api.as_user(commercial_lead).get(f"/api/v1/joint-requisitions/{requisition.pk}/")
    body = detail.json()
    assert [Decimal(p["vat"]) for p in body["participations"]] == [line_vat, line_vat]
    assert (Decimal(body["vat"]), Decimal(body["total"])) == (order_vat, order_total)

    client.force_login(commercial_lead)
    page = client.get(f"/requisitions/{requisition.pk}/").content.decode()
    assert format_gbp(order_vat) in page and format_gbp(order_total) in page
    order_page = client.get(f"/requisitions/orders/{order.pk}/").content.decode()
    assert order_page.count(format_gbp(line_vat)) == 2

    contract = order.documents.get(kind=DocumentKind.CONTRACT)
    text = pdf_text(contract)
    assert text.count(f"1 £39.22 {format_gbp(line_vat)} £47.06") == 2
    assert f"2 £78.44 {format_gbp(order_vat)} {format_gbp(order_total)}" in text
    assert "rounded to the penny (half up)" in text
    for purchase_order in order.documents.filter(kind=DocumentKind.PURCHASE_ORDER):
        assert f"£39.22 {format_gbp(line_vat)} £47.06" in pdf_text(purchase_order)

    releases = OcdsRelease.objects.filter(
        joint_requisition=requisition, tag__in=["award", "contract"]
    )
    amounts = set()
    for release in releases:
        amounts |= set(_amounts(release.data))
    rows = {order.subtotal, order.vat, order.total, order.unit_price, product.list_price}
    rows |= {value for line in order.lines.all() for value in (line.share, line.vat, line.total)}
    # OCDS states every amount including VAT (procurement.ocds.releases.POLICY): a unit's value
    # is the stored net unit price times one plus the rate, exactly; every other amount is a
    # stored one.
    rows.add(order.unit_price * (1 + requisition.vat_rate))
    assert amounts and amounts <= {float(value) for value in rows if value is not None}
    assert float(order_total) in amounts


def _amounts(data):
    """Every OCDS ``amount`` in a release, wherever it sits."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "amount" and isinstance(value, int | float):
                yield float(value)
            else:
                yield from _amounts(value)
    elif isinstance(data, list):
        for item in data:
            yield from _amounts(item)
