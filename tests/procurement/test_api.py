import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Membership, Role
from procurement import services
from procurement.models import JointRequisition, Order, Participation, RequisitionStatus
from tests.factories import ProductFactory, member
from tests.procurement.conftest import join, start

pytestmark = pytest.mark.django_db

ALL_ROLES = [
    "buyer",
    "finance",
    "delegate",
    "other_buyer",
    "supplier_editor",
    "other_supplier_editor",
    "catalogue_manager",
    "commercial_lead",
    "standards_secretary",
]


def body(product, **extra):
    return {
        "product": product.pk,
        "closes_at": (timezone.now() + datetime.timedelta(days=7)).isoformat(),
        "note": "Laptops for response officers.",
        "quantity": 5,
        "delivery_address": "Testshire HQ",
        "cost_centre": "ICT-001",
        **extra,
    }


def assert_error(response, status, field=None):
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) == {"detail", "errors"}
    assert data["detail"]
    if field:
        assert field in data["errors"], data


# Creating.


def test_a_buyer_creates_a_requisition_with_their_forces_participation(api, buyer, product):
    response = api.as_user(buyer).post("/api/v1/joint-requisitions/", body(product))

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "open"
    assert data["lead_force"] == "testshire"
    assert data["total_quantity"] == 5
    assert data["unit_price"] == "100.00"
    assert data["next_break"] == {"min_quantity": 10, "unit_price": "90.00", "units_to_reach": 5}
    assert data["ocid"].startswith("ocds-nc0001-")
    (participation,) = data["participations"]
    assert participation["force"] == "testshire"
    assert participation["quantity"] == 5
    assert participation["share"] == "500.00"
    assert participation["status"] == "active"
    assert participation["delivery_address"] == "Testshire HQ"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -4}, "quantity"),
        ({"quantity": 2.5}, "quantity"),
        ({"quantity": "lots"}, "quantity"),
        ({"quantity": 10**12}, "quantity"),
        ({"closes_at": "yesterday"}, "closes_at"),
        ({"closes_at": "2020-01-01T00:00:00Z"}, "closes_at"),
        ({"delivery_address": ""}, "delivery_address"),
        ({"product": "abc"}, "product"),
    ],
)
def test_bad_input_is_a_clear_400_and_creates_nothing(api, buyer, product, change, field):
    response = api.as_user(buyer).post("/api/v1/joint-requisitions/", {**body(product), **change})

    assert_error(response, 400, field)
    assert not JointRequisition.objects.exists()


def test_a_missing_product_is_a_404_and_creates_nothing(api, buyer, product):
    response = api.as_user(buyer).post(
        "/api/v1/joint-requisitions/", {**body(product), "product": 999999}
    )

    assert_error(response, 404, "product")
    assert response.json()["detail"] == "There is no such product."
    assert not JointRequisition.objects.exists()


@pytest.mark.parametrize("status", ["draft", "submitted", "withdrawn", "rejected"])
def test_a_product_that_is_not_published_is_no_such_product_to_a_buyer(api, buyer, status):
    product = ProductFactory(status=status)

    response = api.as_user(buyer).post("/api/v1/joint-requisitions/", body(product))

    assert_error(response, 404, "product")
    assert response.json()["detail"] == "There is no such product."


@pytest.mark.parametrize(
    "user_fixture",
    ["finance", "delegate", "supplier_editor", "catalogue_manager", "commercial_lead"],
)
def test_only_buyers_create_requisitions(api, request, user_fixture, product):
    user = request.getfixturevalue(user_fixture)

    response = api.as_user(user).post("/api/v1/joint-requisitions/", body(product))

    assert_error(response, 403)


def test_a_buyer_of_several_forces_must_say_which(api, buyer, other_force, product):
    Membership.objects.create(user=buyer, organisation=other_force, role=Role.BUYER)
    api.as_user(buyer)

    missing = api.post("/api/v1/joint-requisitions/", body(product))
    wrong = api.post("/api/v1/joint-requisitions/", body(product, force="nowhere"))
    chosen = api.post("/api/v1/joint-requisitions/", body(product, force="otherton"))

    assert_error(missing, 400, "force")
    assert_error(wrong, 400, "force")
    assert chosen.status_code == 201
    assert chosen.json()["lead_force"] == "otherton"


def test_anonymous_requests_are_refused(api, requisition):
    assert_error(api.get("/api/v1/joint-requisitions/"), 401)
    assert_error(api.get(f"/api/v1/joint-requisitions/{requisition.pk}/"), 401)


# Reading.


@pytest.mark.parametrize(
    ("user_fixture", "sees"),
    [
        ("buyer", True),
        ("finance", True),
        ("delegate", True),  # a member of the lead force
        ("other_buyer", True),  # open: every force's buyers may join
        ("supplier_editor", False),  # suppliers see requisitions once awarded to them
        ("other_supplier_editor", False),
        ("catalogue_manager", True),
        ("commercial_lead", True),
        ("standards_secretary", True),
    ],
)
def test_who_sees_an_open_requisition(api, request, requisition, user_fixture, sees):
    user = request.getfixturevalue(user_fixture)
    api.as_user(user)

    detail = api.get(f"/api/v1/joint-requisitions/{requisition.pk}/")
    listed = [r["id"] for r in api.get("/api/v1/joint-requisitions/").json()["results"]]

    assert detail.status_code == (200 if sees else 404)
    assert (requisition.pk in listed) == sees


def test_a_closed_requisition_is_hidden_from_forces_not_in_it(
    api, closed_requisition, third_buyer, other_buyer
):
    assert_error(
        api.as_user(third_buyer).get(f"/api/v1/joint-requisitions/{closed_requisition.pk}/"), 404
    )
    assert (
        api.as_user(other_buyer)
        .get(f"/api/v1/joint-requisitions/{closed_requisition.pk}/")
        .status_code
        == 200
    )


def test_other_forces_see_quantities_and_shares_but_not_private_details(
    api, requisition, other_buyer, other_force, buyer
):
    join(requisition, other_buyer, other_force, quantity=6, internal_note="Budget line 7")

    data = api.as_user(buyer).get(f"/api/v1/joint-requisitions/{requisition.pk}/").json()

    others = next(p for p in data["participations"] if p["force"] == "otherton")
    own = next(p for p in data["participations"] if p["force"] == "testshire")
    assert others["quantity"] == 6
    assert others["share"] == "540.00"  # 6 x 90.00 at the pooled price so far
    assert others["saving"] == "60.00"  # alone: 6 x 100.00
    assert others["delivery_address"] is None
    assert others["cost_centre"] is None
    assert others["internal_note"] is None
    assert others["approvals"] is None
    assert own["delivery_address"] == "Testshire Constabulary HQ\nStores"
    assert data["total_quantity"] == 11
    assert data["force_count"] == 2
    assert data["unit_price"] == "90.00"
    assert data["next_break"]["units_to_reach"] == 89


def test_requisitions_are_filtered_by_status_product_and_force(
    api, requisition, closed_requisition, commercial_lead, product, other_force
):
    api.as_user(commercial_lead)

    by_status = api.get("/api/v1/joint-requisitions/", {"status": "closed"}).json()
    by_product = api.get("/api/v1/joint-requisitions/", {"product": product.pk}).json()
    by_force = api.get("/api/v1/joint-requisitions/", {"force": "otherton"}).json()
    bad = api.get("/api/v1/joint-requisitions/", {"status": "shredded"})

    assert [r["status"] for r in by_status["results"]] == ["closed"]
    assert by_product["count"] == 1
    assert [r["id"] for r in by_force["results"]] == [closed_requisition.pk]
    assert_error(bad, 400, "status")


def test_lists_are_paginated(api, buyer, force, product):
    for _ in range(3):
        start(buyer, force, product)

    data = api.as_user(buyer).get("/api/v1/joint-requisitions/", {"page_size": 2}).json()

    assert data["count"] == 3
    assert len(data["results"]) == 2
    assert data["next"]


# Joining, changing, withdrawing.


def test_another_force_joins_through_the_api(api, requisition, other_buyer):
    response = api.as_user(other_buyer).post(
        f"/api/v1/joint-requisitions/{requisition.pk}/participations/",
        {"quantity": 6, "delivery_address": "Otherton stores", "cost_centre": "OT-1"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["force"] == "otherton"
    detail = api.get(f"/api/v1/joint-requisitions/{requisition.pk}/").json()
    assert detail["total_quantity"] == 11
    assert detail["unit_price"] == "90.00"


def test_joining_twice_is_a_409(api, requisition, other_buyer, other_force):
    join(requisition, other_buyer, other_force)

    response = api.as_user(other_buyer).post(
        f"/api/v1/joint-requisitions/{requisition.pk}/participations/",
        {"quantity": 1, "delivery_address": "x", "cost_centre": "y"},
    )

    assert_error(response, 409)
    assert "already takes part" in response.json()["detail"]


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "ten", 2_000_000])
def test_joining_with_a_bad_quantity_is_a_400(api, requisition, other_buyer, quantity):
    response = api.as_user(other_buyer).post(
        f"/api/v1/joint-requisitions/{requisition.pk}/participations/",
        {"quantity": quantity, "delivery_address": "x", "cost_centre": "y"},
    )

    assert_error(response, 400, "quantity")
    assert requisition.participations.count() == 1


def test_joining_a_closed_requisition_is_a_409_or_404(api, closed_requisition, third_buyer):
    # A force not in a closed requisition cannot see it at all.
    response = api.as_user(third_buyer).post(
        f"/api/v1/joint-requisitions/{closed_requisition.pk}/participations/",
        {"quantity": 1, "delivery_address": "x", "cost_centre": "y"},
    )
    assert_error(response, 404)


def test_joining_a_cancelled_requisition_is_refused(api, requisition, buyer, other_buyer):
    services.requisition_cancel(requisition=requisition, user=buyer, reason="No longer needed")

    response = api.as_user(buyer).post(
        f"/api/v1/joint-requisitions/{requisition.pk}/participations/",
        {"quantity": 1, "delivery_address": "x", "cost_centre": "y"},
    )

    assert_error(response, 409)


@pytest.mark.parametrize("user_fixture", ["finance", "delegate", "commercial_lead"])
def test_only_buyers_join(api, request, requisition, user_fixture):
    response = api.as_user(request.getfixturevalue(user_fixture)).post(
        f"/api/v1/joint-requisitions/{requisition.pk}/participations/",
        {"quantity": 1, "delivery_address": "x", "cost_centre": "y"},
    )
    assert response.status_code in (403, 404)
    assert requisition.participations.count() == 1


def test_a_buyer_changes_and_withdraws_their_participation(
    api, requisition, other_buyer, other_force
):
    participation = join(requisition, other_buyer, other_force, quantity=6)
    api.as_user(other_buyer)

    changed = api.patch(f"/api/v1/participations/{participation.pk}/", {"quantity": 9})
    withdrawn = api.delete(f"/api/v1/participations/{participation.pk}/")

    assert changed.status_code == 200
    assert changed.json()["quantity"] == 9
    assert withdrawn.status_code == 204
    participation.refresh_from_db()
    assert participation.status == "withdrawn"


def test_another_force_cannot_change_or_withdraw_a_participation(api, requisition, other_buyer):
    lead = requisition.participations.get()
    api.as_user(other_buyer)

    assert_error(api.patch(f"/api/v1/participations/{lead.pk}/", {"quantity": 99}), 403)
    assert_error(api.delete(f"/api/v1/participations/{lead.pk}/"), 403)
    lead.refresh_from_db()
    assert (lead.quantity, lead.status) == (5, "active")


def test_a_participation_in_an_invisible_requisition_is_a_404(api, closed_requisition, third_buyer):
    share = closed_requisition.participations.first()

    assert_error(api.as_user(third_buyer).get(f"/api/v1/participations/{share.pk}/"), 404)
    assert_error(api.patch(f"/api/v1/participations/{share.pk}/", {"quantity": 1}), 404)


def test_patch_with_a_bad_quantity_is_a_400(api, requisition, buyer):
    lead = requisition.participations.get()
    assert_error(
        api.as_user(buyer).patch(f"/api/v1/participations/{lead.pk}/", {"quantity": 0}),
        400,
        "quantity",
    )


# Close, approve, reject, sign off, award, cancel.


def test_the_lead_buyer_closes_through_the_api(api, requisition, buyer, other_buyer, other_force):
    join(requisition, other_buyer, other_force, quantity=6)

    refused = api.as_user(other_buyer).post(f"/api/v1/joint-requisitions/{requisition.pk}/close/")
    closed = api.as_user(buyer).post(f"/api/v1/joint-requisitions/{requisition.pk}/close/")
    again = api.post(f"/api/v1/joint-requisitions/{requisition.pk}/close/")

    assert_error(refused, 403)
    assert closed.status_code == 200
    data = closed.json()
    assert data["status"] == "closed"
    assert data["unit_price"] == "90.00"
    assert data["total"] == "1188.00"
    assert data["next_break"] is None
    assert sorted(p["share"] for p in data["participations"]) == ["450.00", "540.00"]
    assert_error(again, 409)


def test_finance_approves_and_rejects_only_their_own_forces_share(
    api, closed_requisition, finance, other_finance, buyer
):
    own = closed_requisition.participations.get(force__slug="testshire")
    theirs = closed_requisition.participations.get(force__slug="otherton")

    assert_error(api.as_user(buyer).post(f"/api/v1/participations/{own.pk}/approve/"), 403)
    assert_error(api.as_user(finance).post(f"/api/v1/participations/{theirs.pk}/approve/"), 403)
    assert_error(api.as_user(finance).post(f"/api/v1/participations/{theirs.pk}/reject/"), 403)

    approved = api.as_user(finance).post(
        f"/api/v1/participations/{own.pk}/approve/", {"comment": "Budgeted."}
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["approvals"][0]["comment"] == "Budgeted."
    assert_error(api.post(f"/api/v1/participations/{own.pk}/approve/"), 409)

    rejected = api.as_user(other_finance).post(
        f"/api/v1/participations/{theirs.pk}/reject/", {"comment": "Not this year."}
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"


def test_approving_above_ones_limit_waits_for_a_second_approver(
    api, closed_requisition, low_finance, force
):
    another_low = member(
        Role.FINANCE, force, email="low2@testshire.police.example", approval_limit=Decimal("1")
    )
    own = closed_requisition.participations.get(force=force)

    first = api.as_user(low_finance).post(f"/api/v1/participations/{own.pk}/approve/")
    second = api.as_user(another_low).post(f"/api/v1/participations/{own.pk}/approve/")

    assert first.status_code == 200
    assert first.json()["status"] == "awaiting_approval"
    assert_error(second, 403)
    assert "limit" in second.json()["detail"]


def _approve_all(closed_requisition, finance, other_finance):
    for share in closed_requisition.participations.all():
        approver = finance if share.force.slug == "testshire" else other_finance
        services.participation_approve(participation=share, approver=approver)


def test_the_commercial_lead_awards_and_orders_are_scoped(
    api,
    closed_requisition,
    finance,
    other_finance,
    commercial_lead,
    buyer,
    supplier_editor,
    other_supplier_editor,
    third_buyer,
):
    requisition = closed_requisition
    assert_error(
        api.as_user(commercial_lead).post(f"/api/v1/joint-requisitions/{requisition.pk}/award/"),
        409,
    )
    _approve_all(requisition, finance, other_finance)
    assert_error(
        api.as_user(buyer).post(f"/api/v1/joint-requisitions/{requisition.pk}/award/"), 403
    )

    awarded = api.as_user(commercial_lead).post(
        f"/api/v1/joint-requisitions/{requisition.pk}/award/"
    )

    assert awarded.status_code == 201, awarded.content
    order = awarded.json()
    assert order["joint_requisition"] == requisition.pk
    assert order["supplier"] == "acme"
    assert (order["total"], order["vat"], order["status"]) == ("1188.00", "198.00", "placed")
    assert len(order["lines"]) == 2
    assert_error(api.post(f"/api/v1/joint-requisitions/{requisition.pk}/award/"), 409)

    own_view = api.as_user(buyer).get(f"/api/v1/orders/{order['id']}/").json()
    assert [line["force"] for line in own_view["lines"]] == ["testshire"]
    assert own_view["total"] == "1188.00"
    supplier_view = api.as_user(supplier_editor).get(f"/api/v1/orders/{order['id']}/").json()
    assert len(supplier_view["lines"]) == 2
    assert api.get(f"/api/v1/joint-requisitions/{requisition.pk}/").status_code == 200
    assert_error(api.as_user(other_supplier_editor).get(f"/api/v1/orders/{order['id']}/"), 404)
    assert_error(api.as_user(third_buyer).get(f"/api/v1/orders/{order['id']}/"), 404)
    assert api.as_user(third_buyer).get("/api/v1/orders/").json()["count"] == 0


def test_orders_are_filtered_by_status_product_and_force(
    api, closed_requisition, finance, other_finance, commercial_lead, product
):
    _approve_all(closed_requisition, finance, other_finance)
    services.requisition_award(requisition=closed_requisition, user=commercial_lead)
    api.as_user(commercial_lead)

    assert api.get("/api/v1/orders/", {"status": "placed"}).json()["count"] == 1
    assert api.get("/api/v1/orders/", {"status": "cancelled"}).json()["count"] == 0
    assert api.get("/api/v1/orders/", {"product": product.pk}).json()["count"] == 1
    assert api.get("/api/v1/orders/", {"force": "otherton"}).json()["count"] == 1
    assert api.get("/api/v1/orders/", {"force": "thirdshire"}).json()["count"] == 0
    assert_error(api.get("/api/v1/orders/", {"status": "lost"}), 400, "status")


def test_sign_off_through_the_api(api, buyer, force, product, senior_finance, commercial_lead):
    requisition = start(buyer, force, product, quantity=2200)
    services.requisition_close(requisition=requisition, user=buyer)
    services.participation_approve(
        participation=requisition.participations.get(), approver=senior_finance
    )
    api.as_user(commercial_lead)

    blocked = api.post(f"/api/v1/joint-requisitions/{requisition.pk}/award/")
    assert_error(blocked, 409)
    assert_error(
        api.as_user(buyer).post(f"/api/v1/joint-requisitions/{requisition.pk}/sign-off/"), 403
    )
    signed = api.as_user(commercial_lead).post(
        f"/api/v1/joint-requisitions/{requisition.pk}/sign-off/", {"comment": "Checked."}
    )
    assert signed.status_code == 200
    assert signed.json()["signed_off_at"]
    awarded = api.post(f"/api/v1/joint-requisitions/{requisition.pk}/award/")
    assert awarded.status_code == 201
    assert awarded.json()["notifiable"] is True


def test_cancel_through_the_api(api, requisition, buyer, other_buyer, other_force):
    join(requisition, other_buyer, other_force)

    assert_error(
        api.as_user(other_buyer).post(
            f"/api/v1/joint-requisitions/{requisition.pk}/cancel/", {"reason": "Mine now"}
        ),
        403,
    )
    assert_error(
        api.as_user(buyer).post(f"/api/v1/joint-requisitions/{requisition.pk}/cancel/", {}),
        400,
        "reason",
    )
    response = api.post(
        f"/api/v1/joint-requisitions/{requisition.pk}/cancel/", {"reason": "Budget withdrawn"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == RequisitionStatus.CANCELLED
    assert response.json()["cancellation_reason"] == "Budget withdrawn"


def test_participations_list_is_scoped_and_filterable(
    api, closed_requisition, requisition, third_buyer, buyer
):
    mine = api.as_user(buyer).get("/api/v1/participations/", {"force": "testshire"}).json()
    outsider = api.as_user(third_buyer).get("/api/v1/participations/").json()

    assert mine["count"] == 1  # the fixtures share one requisition
    assert {p["joint_requisition"] for p in outsider["results"]} == set()  # closed: hidden
    assert Participation.objects.count() == 2
    assert Order.objects.count() == 0


def test_another_suppliers_draft_is_a_404_indistinguishable_from_a_missing_product(
    api, buyer, other_supplier
):
    draft = ProductFactory(supplier=other_supplier, status="draft", published_at=None)
    missing_pk = draft.pk + 1000
    client = api.as_user(buyer)

    hidden = client.post("/api/v1/joint-requisitions/", {**body(draft), "product": draft.pk})
    missing = client.post("/api/v1/joint-requisitions/", {**body(draft), "product": missing_pk})

    assert_error(hidden, 404, "product")
    assert hidden.status_code == missing.status_code
    assert hidden.json() == missing.json()
    assert draft.name not in hidden.content.decode()
