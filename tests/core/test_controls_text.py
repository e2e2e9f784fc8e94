"""Issue 9, finding 13: single-line fields refuse control characters.

A requisition title with CR/LF used to be stored, and every e-mail about the requisition
then failed. Titles, names, SKUs and cost centres now refuse CR, LF, NUL, the other C0 and C1
controls and the Unicode line and paragraph separators: a 400 naming the field, nothing
stored. One rule: ``core.text``."""

import datetime

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Organisation, User
from catalogue.models import Category, Product
from core.text import check_single_line, control_character
from procurement.models import JointRequisition, Participation
from standards.models import Proposal
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

BAD = [
    "Laptops\r\nBcc: everyone@example.com",
    "Laptops\nfor response",
    "Lap\x00tops",
    "Lap\ttops",
    "Lap\x1btops",
    "Lap\x85tops",
    "Lap\u2028tops",
    "Lap\u2029tops",
]


@pytest.mark.parametrize("value", BAD)
def test_the_rule_finds_every_kind_of_control_character(value):
    """Issue 9, finding 13: C0, C1 and the Unicode separators are all refused."""
    assert control_character(value)


def test_the_rule_lets_ordinary_text_through():
    """Issue 9, finding 13: accents, dashes, symbols and emoji are ordinary text."""
    for value in ["Café – Ünïcode “quotes” £9.00 €", "Rugged laptop 🚓", ""]:
        assert control_character(value) is None
        assert check_single_line(value, field="title", label="title") == value


def assert_refused(response, field, label):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["errors"][field], body
    message = body["errors"][field][0]
    # NUL is refused by the API's own fields before the rule is asked, in their words.
    assert message.startswith(f"The {label} must be a single line of text") or (
        message == "Null characters are not allowed."
    ), message


def requisition_body(product, **extra):
    return {
        "product": product.pk,
        "closes_at": (timezone.now() + datetime.timedelta(days=7)).isoformat(),
        "quantity": 5,
        "delivery_address": "Testshire HQ",
        "cost_centre": "ICT-001",
        **extra,
    }


@pytest.mark.parametrize("value", BAD)
def test_a_requisition_title_with_a_control_character_is_a_400(api, buyer, supplier, value):
    """Issue 9, finding 13: the requisition title (it heads every e-mail subject)."""
    product = ProductFactory(supplier=supplier)

    response = api.as_user(buyer).post(
        "/api/v1/joint-requisitions/", requisition_body(product, title=value), format="json"
    )

    assert_refused(response, "title", "title")
    assert not JointRequisition.objects.exists()


def test_a_cost_centre_with_a_line_break_is_a_400(api, buyer, supplier):
    """Issue 9, finding 13: the cost centre (it heads the purchase order)."""
    product = ProductFactory(supplier=supplier)

    response = api.as_user(buyer).post(
        "/api/v1/joint-requisitions/",
        requisition_body(product, cost_centre="ICT\r\n001"),
        format="json",
    )

    assert_refused(response, "cost_centre", "cost centre")
    assert not JointRequisition.objects.exists()
    assert not Participation.objects.exists()


def test_a_delivery_address_keeps_its_lines_but_not_nul(api, buyer, supplier):
    """Issue 9, finding 13: an address is several lines, but never holds NUL."""
    product = ProductFactory(supplier=supplier)
    api.as_user(buyer)

    refused = api.post(
        "/api/v1/joint-requisitions/",
        requisition_body(product, delivery_address="1 Police St\x00"),
        format="json",
    )
    assert refused.status_code == 400
    assert "delivery_address" in refused.json()["errors"]
    accepted = api.post(
        "/api/v1/joint-requisitions/",
        requisition_body(product, delivery_address="1 Police Street\r\nTestshire"),
        format="json",
    )
    assert accepted.status_code == 201, accepted.content


def new_product(**overrides) -> dict:
    return {
        "sku": "NEW-1",
        "name": "Rugged tablet",
        "summary": "10-inch rugged tablet",
        "category": "laptops",
        "unit": "each",
        "list_price": "800.00",
        "lead_time_days": 7,
        "price_breaks": [{"min_quantity": 1, "unit_price": "800.00"}],
        **overrides,
    }


@pytest.fixture
def laptops(db):
    return CategoryFactory(name="Portable computers", slug="laptops", cpv_code="30213100-6")


@pytest.mark.parametrize(
    ("field", "label"), [("name", "name"), ("sku", "SKU"), ("summary", "summary")]
)
def test_a_product_field_with_a_control_character_is_a_400(
    api, supplier_editor, laptops, field, label
):
    """Issue 9, finding 13: product names, SKUs and summaries."""
    response = api.as_user(supplier_editor).post(
        "/api/v1/products/", new_product(**{field: "Rugged\r\ntablet"}), format="json"
    )

    assert_refused(response, field, label)
    assert not Product.objects.exists()


def test_a_category_name_with_a_control_character_is_a_400(api, catalogue_manager, laptops):
    """Issue 9, finding 13: category names."""
    api.as_user(catalogue_manager)

    created = api.post(
        "/api/v1/categories/",
        {"name": "Tab\nlets", "slug": "tablets", "cpv_code": "30213200-7"},
        format="json",
    )
    changed = api.patch("/api/v1/categories/laptops/", {"name": "Lap\u2028tops"}, format="json")

    assert_refused(created, "name", "name")
    assert_refused(changed, "name", "name")
    assert not Category.objects.filter(slug="tablets").exists()
    assert Category.objects.get(slug="laptops").name == "Portable computers"


@pytest.mark.parametrize(
    ("field", "label"), [("title", "title"), ("proposed_title", "proposed title")]
)
def test_a_proposal_title_with_a_control_character_is_a_400(api, delegate, field, label):
    """Issue 9, finding 13: proposal titles and the title of a standard to establish."""
    data = {
        "action": "establish",
        "title": "A new standard",
        "proposed_reference": "NC-NEW-001",
        "proposed_title": "New standard",
        "proposed_domain": "networks",
        "text": "## Requirement",
        "rationale": "Needed.",
        field: "New\r\nstandard",
    }

    response = api.as_user(delegate).post("/api/v1/proposals/", data, format="json")

    assert_refused(response, field, label)
    assert not Proposal.objects.exists()


def test_organisation_and_user_names_refuse_control_characters_in_the_admin(admin_user):
    """Issue 9, finding 13: organisation and user names (entered through the admin)."""
    request = RequestFactory().post("/")
    request.user = admin_user
    org_form = admin_site._registry[Organisation].get_form(request)(
        data={"name": "Bad\r\nForce", "slug": "bad", "kind": "force", "officer_headcount": 10}
    )
    user = User.objects.create_user(email="someone@example.com", password="x-Long-Password-1")
    user_form = admin_site._registry[User].get_form(request, user)(
        instance=user,
        data={
            "email": "someone@example.com",
            "full_name": "Some\x1bone",
            "is_active": True,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert not org_form.is_valid()
    assert "single line" in str(org_form.errors["name"])
    assert not user_form.is_valid()
    assert "single line" in str(user_form.errors["full_name"])
    assert not Organisation.objects.filter(slug="bad").exists()
