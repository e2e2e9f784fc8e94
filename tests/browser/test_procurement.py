"""The joint requisition journey in a real browser: start, join, close, approve, award."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from procurement import services
from procurement.models import JointRequisition, RequisitionStatus
from tests.browser.conftest import serious_violations, sign_in
from tests.factories import PASSWORD, ProductFactory, member
from tests.procurement.conftest import join, start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_forces_pool_demand_from_start_to_award(page, force, other_force, supplier, ict_company):
    lead_buyer = member(Role.BUYER, force, email="buyer@testshire.police.example")
    member(Role.BUYER, other_force, email="buyer@otherton.police.example")
    member(Role.FINANCE, force, email="finance@testshire.police.example")
    member(Role.FINANCE, other_force, email="finance@otherton.police.example")
    member(Role.COMMERCIAL_LEAD, ict_company, email="commercial@ictco.example")
    product = ProductFactory(supplier=supplier, name="Rugged laptop R1")
    assert lead_buyer

    # A buyer starts a requisition from the product.
    sign_in(page, "buyer@testshire.police.example", PASSWORD)
    page.goto(f"/requisitions/new/?product={product.pk}")
    closes = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Closing date and time").fill(closes)
    page.get_by_label("Quantity").fill("5")
    page.get_by_label("Delivery address").fill("Testshire HQ")
    page.get_by_label("Cost centre").fill("ICT-1")
    page.get_by_role("button", name="Open the requisition").click()
    page.get_by_text("Your joint requisition is open").wait_for()
    requisition = JointRequisition.objects.get()
    detail = f"/requisitions/{requisition.pk}/"
    sign_out(page)

    # Another force's buyer sees the saving and joins.
    sign_in(page, "buyer@otherton.police.example", PASSWORD)
    page.goto("/requisitions/open/?quantity=6")
    row = page.get_by_role("row").filter(has_text="Rugged laptop R1")
    assert "£60.00" in row.inner_text()  # 6 x (100.00 - 90.00)
    row.get_by_role("link").first.click()
    page.get_by_role("link", name="Join for Otherton Police").click()
    page.get_by_label("Quantity").fill("6")
    page.get_by_label("Delivery address").fill("Otherton stores")
    page.get_by_label("Cost centre").fill("OT-1")
    page.get_by_role("button", name="Join").click()
    page.get_by_text("Otherton Police has joined").wait_for()
    assert page.locator("#total-quantity").inner_text() == "11"
    assert page.locator("#unit-price").inner_text() == "£90.00"
    assert page.locator("svg.nc-chart").is_visible()
    assert serious_violations(page) == []
    sign_out(page)

    # The lead closes it.
    sign_in(page, "buyer@testshire.police.example", PASSWORD)
    page.goto(detail)
    page.get_by_role("button", name="Close now and fix the price").click()
    page.get_by_text("The requisition is closed").wait_for()
    sign_out(page)

    # Each force's finance approver approves its share.
    for email in ("finance@testshire.police.example", "finance@otherton.police.example"):
        sign_in(page, email, PASSWORD)
        page.goto("/requisitions/approvals/")
        assert serious_violations(page) == []
        page.get_by_role("link", name="Decide").first.click()
        page.get_by_label("Approve this share").check()
        page.get_by_label("Comment").fill("Within budget.")
        page.get_by_role("button", name="Record my decision").click()
        page.get_by_text("You approved the share.").wait_for()
        sign_out(page)

    # The commercial lead awards it.
    sign_in(page, "commercial@ictco.example", PASSWORD)
    page.goto("/requisitions/commercial/")
    page.get_by_role("link", name=requisition.title).click()
    page.get_by_role("button", name="Award to Acme Devices Ltd").click()
    page.get_by_text("Awarded: order").wait_for()
    assert "£1,188.00" in page.content()
    requisition.refresh_from_db()
    # Without Redis the contract documents are rendered in-process, during the award.
    assert requisition.status == RequisitionStatus.CONTRACTED

    # The order page lists the documents; the contract previews in the browser.
    page.goto(f"/requisitions/orders/{requisition.order.pk}/")
    documents = page.get_by_role("table", name="Contract documents and their state")
    assert documents.get_by_text("Done").count() == 3
    assert serious_violations(page) == []
    page.get_by_role("link", name=f"Preview {requisition.order.number}-C").click()
    page.get_by_role("heading", name="Call-off contract").wait_for()
    assert "Otherton Police" in page.content()


def test_the_other_procurement_pages_have_no_serious_accessibility_violations(
    page, force, other_force, supplier, ict_company
):

    buyer = member(Role.BUYER, force, email="buyer@testshire.police.example")
    other_buyer = member(Role.BUYER, other_force, email="buyer@otherton.police.example")
    finance = member(Role.FINANCE, force, email="finance@testshire.police.example")
    other_finance = member(Role.FINANCE, other_force, email="finance@otherton.police.example")
    lead = member(Role.COMMERCIAL_LEAD, ict_company, email="commercial@ictco.example")
    product = ProductFactory(supplier=supplier, name="Rugged laptop R1")
    start(buyer, force, product, quantity=3)
    awarded = start(buyer, force, product, quantity=5)
    join(awarded, other_buyer, other_force, quantity=6)
    services.requisition_close(requisition=awarded, user=buyer)
    for share, approver in zip(
        awarded.participations.order_by("force__name"), (other_finance, finance), strict=True
    ):
        services.participation_approve(participation=share, approver=approver)
    order = services.requisition_award(requisition=awarded, user=lead)

    visits = {
        "buyer@otherton.police.example": [
            "/requisitions/open/?quantity=4",
            "/requisitions/",
            f"/requisitions/new/?product={product.pk}",
            "/requisitions/new/?q=laptop",
            f"/requisitions/{awarded.pk - 1}/take-part/",
            f"/requisitions/orders/{order.pk}/",
        ],
        "commercial@ictco.example": [
            "/requisitions/commercial/",
            "/requisitions/orders/",
            f"/requisitions/{awarded.pk}/",
        ],
    }
    for email, paths in visits.items():
        sign_in(page, email, PASSWORD)
        for path in paths:
            page.goto(path)
            assert page.locator("h1").count() == 1, path
            assert serious_violations(page) == [], path
        sign_out(page)
