import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.presentation.navigation import navigation_items
from procurement import services
from procurement.models import JointRequisition, ParticipationStatus, RequisitionStatus
from tests.factories import ProductFactory
from tests.procurement.conftest import join

pytestmark = pytest.mark.django_db


def page(client, user, name, *args, **params):
    client.force_login(user)
    return client.get(reverse(f"procurement:{name}", args=args), params)


def test_the_open_list_shows_the_saving_a_force_would_get(
    client, requisition, other_buyer, third_buyer, third_force
):
    join(requisition, third_buyer, third_force, quantity=90)  # 95 units so far at 90.00

    response = page(client, other_buyer, "requisition_open_list", quantity=5)

    content = response.content.decode()
    assert response.status_code == 200
    assert requisition.title in content
    # 5 more units reach the 100 break at 80.00: 5 x (100.00 - 80.00) = 100.00 saved.
    assert "£80.00" in content
    assert "£100.00" in content


def test_a_force_does_not_see_requisitions_it_has_joined_in_the_open_list(
    client, requisition, buyer
):
    content = page(client, buyer, "requisition_open_list").content.decode()
    assert requisition.title not in content


def test_the_requisition_page_shows_the_live_aggregation_and_a_chart(
    client, requisition, other_buyer, other_force, buyer
):
    join(requisition, other_buyer, other_force, quantity=6, internal_note="Budget line 7")

    content = page(client, buyer, "requisition_detail", requisition.pk).content.decode()

    assert 'id="total-quantity">11<' in content
    assert "£90.00" in content
    assert "89 more units would reach the next break" in content
    assert '<svg class="nc-chart" role="img"' in content
    assert "Quantity per force against the price breaks" in content
    assert "<table" in content and "Forces taking part" in content
    assert "Otherton Police" in content
    # Other forces' private details are not shown to the lead force.
    assert "Budget line 7" not in content
    assert "Otherton Police stores" not in content
    assert "Testshire Constabulary HQ" in content  # its own delivery address
    assert "Close now and fix the price" in content


def test_another_force_sees_its_own_private_details_and_can_change_or_withdraw(
    client, requisition, other_buyer, other_force
):
    join(requisition, other_buyer, other_force, quantity=6, internal_note="Budget line 7")

    content = page(client, other_buyer, "requisition_detail", requisition.pk).content.decode()

    assert "Budget line 7" in content
    assert "Testshire Constabulary HQ" not in content
    assert "Change your force's part" in content
    assert "Withdraw Otherton Police" in content
    assert "Close now" not in content


def test_a_buyer_starts_a_requisition_from_a_product(client, buyer, product):
    client.force_login(buyer)
    url = reverse("procurement:requisition_create") + f"?product={product.pk}"
    closes = (timezone.localtime() + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")

    form = client.get(url)
    response = client.post(
        url,
        {
            "title": "",
            "closes_at": closes,
            "note": "",
            "quantity": "12",
            "delivery_address": "HQ",
            "cost_centre": "C1",
            "needed_by": "",
            "internal_note": "",
        },
    )

    assert form.status_code == 200
    assert product.name in form.content.decode()
    requisition = JointRequisition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("procurement:requisition_detail", args=[requisition.pk])
    assert requisition.participations.get().quantity == 12


def test_without_a_product_the_buyer_picks_one_with_search(client, buyer, product):
    other = ProductFactory(name="Body-worn camera BW2", supplier=product.supplier)
    client.force_login(buyer)

    everything = client.get(reverse("procurement:requisition_create")).content.decode()
    searched = client.get(reverse("procurement:requisition_create"), {"q": "camera"})

    assert product.name in everything and other.name in everything
    assert other.name in searched.content.decode()
    assert product.name not in searched.content.decode()


def test_a_bad_quantity_shows_the_error_summary(client, buyer, product):
    client.force_login(buyer)
    url = reverse("procurement:requisition_create") + f"?product={product.pk}"

    response = client.post(
        url,
        {
            "closes_at": "2020-01-01T10:00",
            "quantity": "0",
            "delivery_address": "",
            "cost_centre": "",
        },
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in content
    assert "The quantity must be at least 1." in content
    assert content.count("Error:") >= 2
    assert not JointRequisition.objects.exists()


def test_a_closing_time_in_the_past_is_shown_next_to_the_field(client, buyer, product):
    client.force_login(buyer)
    url = reverse("procurement:requisition_create") + f"?product={product.pk}"

    response = client.post(
        url,
        {
            "closes_at": "2020-01-01T10:00",
            "quantity": "3",
            "delivery_address": "HQ",
            "cost_centre": "C",
        },
    )

    assert "The closing time must be in the future." in response.content.decode()


def test_finance_cannot_start_a_requisition(client, finance):
    response = page(client, finance, "requisition_create")
    assert response.status_code == 403


def test_joining_through_the_page(client, requisition, other_buyer):
    client.force_login(other_buyer)
    url = reverse("procurement:participation_edit", args=[requisition.pk])

    response = client.post(
        url, {"quantity": "6", "delivery_address": "Otherton stores", "cost_centre": "OT"}
    )

    assert response.status_code == 302
    assert requisition.participations.filter(force__slug="otherton", quantity=6).exists()


def test_closing_through_the_page_and_an_error_for_a_second_close(client, requisition, buyer):
    client.force_login(buyer)
    url = reverse("procurement:requisition_close", args=[requisition.pk])

    client.post(url)
    second = client.post(url, follow=True)

    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.CLOSED
    assert "already closed" in second.content.decode()


def test_the_approval_queue_shows_shares_limits_and_approvals(
    client, closed_requisition, low_finance, finance
):
    share = closed_requisition.participations.get(force__slug="testshire")
    services.participation_approve(participation=share, approver=low_finance)

    content = page(client, finance, "approval_queue").content.decode()

    assert closed_requisition.title in content
    assert "£540.00" in content  # the share including VAT
    assert "including VAT" in content
    assert "£250,000.00" in content
    assert "Needs a second approver" in content
    assert "Otherton" not in content  # only its own force's shares


def test_deciding_through_the_page(client, closed_requisition, finance):
    share = closed_requisition.participations.get(force__slug="testshire")
    client.force_login(finance)
    url = reverse("procurement:participation_decide", args=[share.pk])

    form = client.get(url)
    missing = client.post(url, {"comment": "?"})
    response = client.post(url, {"decision": "approve", "comment": "OK"})

    assert form.status_code == 200
    assert "Choose whether to approve or reject the share." in missing.content.decode()
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.status == ParticipationStatus.APPROVED


def test_finance_of_another_force_cannot_decide(client, closed_requisition, other_finance):
    share = closed_requisition.participations.get(force__slug="testshire")
    response = page(client, other_finance, "participation_decide", share.pk)
    assert response.status_code == 403


def test_a_buyer_has_no_approval_queue(client, buyer):
    assert page(client, buyer, "approval_queue").status_code == 403


def test_the_commercial_queue_and_award_through_the_pages(
    client, closed_requisition, finance, other_finance, commercial_lead
):
    for share in closed_requisition.participations.all():
        approver = finance if share.force.slug == "testshire" else other_finance
        services.participation_approve(participation=share, approver=approver)

    queue = page(client, commercial_lead, "commercial_queue").content.decode()
    detail = page(client, commercial_lead, "requisition_detail", closed_requisition.pk)
    response = client.post(reverse("procurement:requisition_award", args=[closed_requisition.pk]))

    assert closed_requisition.title in queue
    assert "Award to Acme Devices Ltd" in detail.content.decode()
    assert response.status_code == 302
    closed_requisition.refresh_from_db()
    assert closed_requisition.status == RequisitionStatus.AWARDED


def test_order_pages_are_scoped(
    client,
    closed_requisition,
    finance,
    other_finance,
    commercial_lead,
    buyer,
    supplier_editor,
    other_supplier_editor,
):
    for share in closed_requisition.participations.all():
        approver = finance if share.force.slug == "testshire" else other_finance
        services.participation_approve(participation=share, approver=approver)
    order = services.requisition_award(requisition=closed_requisition, user=commercial_lead)

    own = page(client, buyer, "order_detail", order.pk).content.decode()
    supplier = page(client, supplier_editor, "order_detail", order.pk).content.decode()
    outsider = page(client, other_supplier_editor, "order_detail", order.pk)
    listing = page(client, buyer, "order_list").content.decode()

    assert "Your force's line" in own
    assert "Otherton Police stores" not in own
    assert "£1,188.00" in own
    assert "Otherton Police stores" in supplier
    assert outsider.status_code == 404
    assert order.number in listing


def test_the_list_groups_the_forces_requisitions_by_state(client, requisition, buyer):
    content = page(client, buyer, "requisition_list").content.decode()
    assert "Open (1)" in content
    assert requisition.title in content


def test_cancel_page_requires_a_reason(client, requisition, buyer):
    client.force_login(buyer)
    url = reverse("procurement:requisition_cancel", args=[requisition.pk])

    missing = client.post(url, {"reason": ""})
    done = client.post(url, {"reason": "Duplicate"})

    assert "Enter the reason for cancelling." in missing.content.decode()
    assert done.status_code == 302
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.CANCELLED


def test_an_invisible_requisition_is_a_404(client, closed_requisition, third_buyer):
    assert page(client, third_buyer, "requisition_detail", closed_requisition.pk).status_code == 404


def test_home_links_to_the_procurement_pages(client, buyer, finance, commercial_lead):
    client.force_login(buyer)
    content = client.get("/").content.decode()
    assert reverse("procurement:requisition_open_list") in content
    assert reverse("procurement:requisition_create") in content
    _ = Decimal


def test_only_one_navigation_item_is_current_on_the_orders_page():
    current = [
        i["label"] for i in navigation_items(reverse("procurement:order_list")) if i["current"]
    ]

    assert current == ["Orders"]


def test_the_product_page_shows_procurements_panel_with_the_open_requisitions_to_join(
    client, requisition, other_buyer, product
):
    client.force_login(other_buyer)
    content = client.get(reverse("catalogue:product_detail", args=[product.pk])).content.decode()

    assert "Forces are already pooling demand for this product" in content
    assert reverse("procurement:requisition_detail", args=[requisition.pk]) in content
    assert f"{reverse('procurement:requisition_create')}?product={product.pk}" in content
