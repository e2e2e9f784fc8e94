from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers as drf

from accounts.models import AuditEvent, User
from catalogue import services
from catalogue.api.serializers import ProductDetailSerializer, ProductListSerializer
from catalogue.models import Category, Conformance, PriceBreak, Product, ProductRevision
from catalogue.selectors import product_detail_queryset
from catalogue.services.search_index import refresh_search_vectors
from tests.catalogue.conftest import make_content
from tests.factories import ConformanceFactory, ProductFactory, pdf_upload

pytestmark = pytest.mark.django_db

ROLES = [
    "buyer",
    "finance",
    "delegate",
    "supplier_editor",
    "other_supplier_editor",
    "catalogue_manager",
    "commercial_lead",
    "standards_secretary",
]


@pytest.fixture
def world(supplier, other_supplier, supplier_editor, other_supplier_editor, laptops):
    """Products of both suppliers in several states."""

    def make(editor, owner, sku, state):
        product = services.product_create(
            actor=editor, supplier=owner, sku=sku, content=make_content(laptops, name=sku)
        )
        if state in ("submitted", "published"):
            services.product_submit(product=product, actor=editor)
        if state == "published":
            Product.objects.filter(pk=product.pk).update(status="published")
            ProductRevision.objects.filter(product=product).update(status="approved")
            product.refresh_from_db()
        return product

    return {
        "published": make(supplier_editor, supplier, "MINE-PUB", "published"),
        "draft": make(supplier_editor, supplier, "MINE-DRAFT", "draft"),
        "submitted": make(supplier_editor, supplier, "MINE-SUB", "submitted"),
        "other_published": make(other_supplier_editor, other_supplier, "THEIRS-PUB", "published"),
        "other_draft": make(other_supplier_editor, other_supplier, "THEIRS-DRAFT", "draft"),
    }


def skus(response) -> set[str]:
    return {p["sku"] for p in response.json()["results"]}


# Reading products.


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("buyer", {"MINE-PUB", "THEIRS-PUB"}),
        ("finance", {"MINE-PUB", "THEIRS-PUB"}),
        ("delegate", {"MINE-PUB", "THEIRS-PUB"}),
        ("commercial_lead", {"MINE-PUB", "THEIRS-PUB"}),
        ("standards_secretary", {"MINE-PUB", "THEIRS-PUB"}),
        ("supplier_editor", {"MINE-PUB", "MINE-DRAFT", "MINE-SUB", "THEIRS-PUB"}),
        ("other_supplier_editor", {"MINE-PUB", "THEIRS-PUB", "THEIRS-DRAFT"}),
        (
            "catalogue_manager",
            {"MINE-PUB", "MINE-DRAFT", "MINE-SUB", "THEIRS-PUB", "THEIRS-DRAFT"},
        ),
    ],
)
def test_each_role_lists_the_products_it_may_see(api, request, world, role, expected):
    response = api.as_user(request.getfixturevalue(role)).get("/api/v1/products/")

    assert response.status_code == 200
    assert skus(response) == expected


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_a_published_product(api, request, world, role):
    response = api.as_user(request.getfixturevalue(role)).get(
        f"/api/v1/products/{world['published'].pk}/"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["sku"] == "MINE-PUB"
    assert body["price_breaks"] == [
        {"min_quantity": 1, "unit_price": "1000.00"},
        {"min_quantity": 10, "unit_price": "950.00"},
        {"min_quantity": 100, "unit_price": "900.00"},
    ]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("buyer", 404),
        ("finance", 404),
        ("delegate", 404),
        ("commercial_lead", 404),
        ("standards_secretary", 404),
        ("other_supplier_editor", 404),
        ("supplier_editor", 200),
        ("catalogue_manager", 200),
    ],
)
def test_a_draft_is_seen_only_by_its_supplier_and_catalogue_managers(
    api, request, world, role, status
):
    response = api.as_user(request.getfixturevalue(role)).get(
        f"/api/v1/products/{world['draft'].pk}/"
    )

    assert response.status_code == status


def test_anonymous_requests_are_refused(api, world):
    assert api.get("/api/v1/products/").status_code == 401
    assert api.get("/api/v1/categories/").status_code == 401


def test_the_open_revision_is_shown_to_the_supplier_and_managers_only(
    api, world, supplier_editor, buyer, catalogue_manager, laptops
):
    services.product_update(
        product=world["published"],
        actor=supplier_editor,
        content=make_content(laptops, name="Mark 2"),
    )
    url = f"/api/v1/products/{world['published'].pk}/"

    mine = api.as_user(supplier_editor).get(url).json()
    theirs = api.as_user(buyer).get(url).json()
    managers = api.as_user(catalogue_manager).get(url).json()

    assert mine["open_revision"]["name"] == "Mark 2"
    assert managers["open_revision"]["status"] == "draft"
    assert theirs["open_revision"] is None
    assert theirs["name"] == "MINE-PUB"


# Creating and changing products.


def new_product(**overrides) -> dict:
    data = {
        "sku": "NEW-1",
        "name": "Rugged tablet",
        "summary": "10-inch rugged tablet",
        "category": "laptops",
        "unit": "each",
        "list_price": "800.00",
        "lead_time_days": 7,
        "price_breaks": [
            {"min_quantity": 1, "unit_price": "800.00"},
            {"min_quantity": 25, "unit_price": "760.00"},
        ],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_only_supplier_editors_create_products(api, request, laptops, role):
    response = api.as_user(request.getfixturevalue(role)).post(
        "/api/v1/products/", new_product(), format="json"
    )

    if role in ("supplier_editor", "other_supplier_editor"):
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["status"], body["sku"]) == ("draft", "NEW-1")
        assert len(body["price_breaks"]) == 2
    else:
        assert response.status_code == 403
        assert not Product.objects.exists()


def test_the_category_may_be_given_by_cpv_code_and_breaks_default_to_the_list_price(
    api, supplier_editor, laptops
):
    data = new_product(category="30213100-6")
    del data["price_breaks"]

    response = api.as_user(supplier_editor).post("/api/v1/products/", data, format="json")

    assert response.status_code == 201
    assert response.json()["category"]["slug"] == "laptops"
    assert response.json()["price_breaks"] == [{"min_quantity": 1, "unit_price": "800.00"}]


def test_a_supplier_cannot_create_a_product_for_another_supplier(
    api, supplier_editor, other_supplier, laptops
):
    response = api.as_user(supplier_editor).post(
        "/api/v1/products/", new_product(supplier=other_supplier.slug), format="json"
    )

    assert response.status_code == 403
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"list_price": "0.00"}, "list_price"),
        ({"list_price": "-3"}, "list_price"),
        ({"list_price": "ten pounds"}, "list_price"),
        ({"list_price": "1.005"}, "list_price"),
        ({"lead_time_days": "soon"}, "lead_time_days"),
        ({"lead_time_days": -2}, "lead_time_days"),
        ({"category": "no-such-category"}, "category"),
        ({"category": "30213100-7"}, "category"),
        ({"unit": "bushel"}, "unit"),
        ({"sku": "has spaces"}, "sku"),
        ({"name": ""}, "name"),
        (
            {
                "price_breaks": [
                    {"min_quantity": 1, "unit_price": "800.00"},
                    {"min_quantity": 10, "unit_price": "850.00"},
                ]
            },
            "price_breaks",
        ),
        ({"price_breaks": [{"min_quantity": 2, "unit_price": "800.00"}]}, "price_breaks"),
        ({"price_breaks": [{"min_quantity": 1, "unit_price": "700.00"}]}, "price_breaks"),
        (
            {"price_breaks": [{"min_quantity": 0, "unit_price": "800.00"}]},
            "price_breaks.0.min_quantity",
        ),
        (
            {"price_breaks": [{"min_quantity": 1, "unit_price": "-1"}]},
            "price_breaks.0.unit_price",
        ),
        ({"price_breaks": "cheap"}, "price_breaks"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(
    api, supplier_editor, laptops, overrides, field
):
    response = api.as_user(supplier_editor).post(
        "/api/v1/products/", new_product(**overrides), format="json"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(key == field or key.startswith(f"{field}.") for key in errors), errors
    assert not Product.objects.exists()
    assert not PriceBreak.objects.exists()


def test_a_sku_clash_is_a_400_on_the_sku(api, supplier_editor, laptops):
    api.as_user(supplier_editor).post("/api/v1/products/", new_product(), format="json")

    response = api.post("/api/v1/products/", new_product(name="Other"), format="json")

    assert response.status_code == 400
    assert "sku" in response.json()["errors"]
    assert Product.objects.count() == 1


def test_malformed_json_is_a_400(api, supplier_editor):
    response = api.as_user(supplier_editor).post(
        "/api/v1/products/", data="{nope", content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("role", "target", "status"),
    [
        ("supplier_editor", "draft", 200),
        ("supplier_editor", "published", 200),
        ("supplier_editor", "submitted", 409),
        ("other_supplier_editor", "draft", 404),
        ("other_supplier_editor", "published", 403),
        ("buyer", "published", 403),
        ("buyer", "draft", 404),
        ("catalogue_manager", "draft", 403),
        ("commercial_lead", "published", 403),
    ],
)
def test_only_the_supplier_changes_its_products(api, request, world, role, target, status):
    product = world[target]

    response = api.as_user(request.getfixturevalue(role)).patch(
        f"/api/v1/products/{product.pk}/", {"name": "Renamed"}, format="json"
    )

    assert response.status_code == status, response.json()
    if status != 200:
        assert Product.objects.get(pk=product.pk).name == product.name


def test_patching_a_published_product_proposes_a_revision(api, world, supplier_editor):
    product = world["published"]

    response = api.as_user(supplier_editor).patch(
        f"/api/v1/products/{product.pk}/", {"list_price": "990.00"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["list_price"] == "1000.00"  # buyers still see this
    assert body["open_revision"]["list_price"] == "990.00"
    # The first break follows the list price.
    assert body["open_revision"]["price_breaks"][0] == {
        "min_quantity": 1,
        "unit_price": "990.00",
    }


def test_a_list_price_below_a_later_break_is_refused(api, world, supplier_editor):
    response = api.as_user(supplier_editor).patch(
        f"/api/v1/products/{world['draft'].pk}/", {"list_price": "960.00"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["price_breaks"][0] == {"min_quantity": 1, "unit_price": "960.00"}

    response = api.patch(
        f"/api/v1/products/{world['draft'].pk}/", {"list_price": "940.00"}, format="json"
    )
    assert response.status_code == 400
    assert "price_breaks" in response.json()["errors"]


# The lifecycle actions.


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supplier_editor", 200),
        ("other_supplier_editor", 404),
        ("buyer", 404),
        ("catalogue_manager", 403),
    ],
)
def test_submit(api, request, world, role, status):
    response = api.as_user(request.getfixturevalue(role)).post(
        f"/api/v1/products/{world['draft'].pk}/submit/"
    )

    assert response.status_code == status
    expected = "submitted" if status == 200 else "draft"
    assert Product.objects.get(pk=world["draft"].pk).status == expected


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("catalogue_manager", 200),
        ("supplier_editor", 403),
        ("other_supplier_editor", 404),
        ("buyer", 404),
        ("commercial_lead", 404),
    ],
)
def test_approve(api, request, world, role, status):
    response = api.as_user(request.getfixturevalue(role)).post(
        f"/api/v1/products/{world['submitted'].pk}/approve/"
    )

    assert response.status_code == status
    expected = "published" if status == 200 else "submitted"
    assert Product.objects.get(pk=world["submitted"].pk).status == expected


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("catalogue_manager", 200),
        ("supplier_editor", 403),
        ("other_supplier_editor", 404),
        ("buyer", 404),
    ],
)
def test_reject(api, request, world, role, status):
    response = api.as_user(request.getfixturevalue(role)).post(
        f"/api/v1/products/{world['submitted'].pk}/reject/", {"reason": "Incomplete."}
    )

    assert response.status_code == status
    product = Product.objects.get(pk=world["submitted"].pk)
    if status == 200:
        assert (product.status, product.rejection_reason) == ("rejected", "Incomplete.")
    else:
        assert product.status == "submitted"


def test_a_rejection_without_a_reason_is_a_400(api, world, catalogue_manager):
    response = api.as_user(catalogue_manager).post(
        f"/api/v1/products/{world['submitted'].pk}/reject/", {}
    )

    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


def test_approving_something_not_submitted_is_a_409(api, world, catalogue_manager):
    response = api.as_user(catalogue_manager).post(f"/api/v1/products/{world['draft'].pk}/approve/")
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supplier_editor", 200),
        ("catalogue_manager", 200),
        ("other_supplier_editor", 403),
        ("buyer", 403),
        ("standards_secretary", 403),
    ],
)
def test_withdraw(api, request, world, role, status):
    response = api.as_user(request.getfixturevalue(role)).post(
        f"/api/v1/products/{world['published'].pk}/withdraw/", {"reason": "End of life."}
    )

    assert response.status_code == status
    expected = "withdrawn" if status == 200 else "published"
    assert Product.objects.get(pk=world["published"].pk).status == expected


@pytest.mark.parametrize(
    ("role", "status"),
    [("supplier_editor", 200), ("other_supplier_editor", 403), ("catalogue_manager", 403)],
)
def test_discard_revision(api, request, world, supplier_editor, laptops, role, status):
    services.product_update(
        product=world["published"],
        actor=supplier_editor,
        content=make_content(laptops, name="Mark 2"),
    )

    response = api.as_user(request.getfixturevalue(role)).post(
        f"/api/v1/products/{world['published'].pk}/discard-revision/"
    )

    assert response.status_code == status
    discarded = ProductRevision.objects.filter(status="discarded").exists()
    assert discarded == (status == 200)


def test_the_whole_review_journey_through_the_api(api, supplier_editor, catalogue_manager, laptops):
    created = api.as_user(supplier_editor).post("/api/v1/products/", new_product()).json()
    api.post(f"/api/v1/products/{created['id']}/submit/")
    api.as_user(catalogue_manager).post(f"/api/v1/products/{created['id']}/approve/")
    api.as_user(supplier_editor).patch(
        f"/api/v1/products/{created['id']}/", {"name": "Rugged tablet 2"}, format="json"
    )
    api.post(f"/api/v1/products/{created['id']}/submit/")

    revisions = api.get(f"/api/v1/products/{created['id']}/revisions/").json()
    comparison = api.get(f"/api/v1/products/{created['id']}/compare/").json()

    assert [(r["number"], r["status"]) for r in revisions] == [(2, "submitted"), (1, "approved")]
    assert comparison["old"] == "live"
    assert comparison["new"] == "2"
    assert comparison["changed_fields"] == ["name"]
    name = next(f for f in comparison["fields"] if f["field"] == "name")
    assert (name["old"], name["new"]) == ("Rugged tablet", "Rugged tablet 2")
    assert {b["change"] for b in comparison["price_breaks"]} == {"unchanged"}

    approved = api.as_user(catalogue_manager).post(f"/api/v1/products/{created['id']}/approve/")
    assert approved.json()["name"] == "Rugged tablet 2"
    between = api.get(f"/api/v1/products/{created['id']}/compare/?from=1&to=2").json()
    assert between["changed_fields"] == ["name"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supplier_editor", 200),
        ("catalogue_manager", 200),
        ("other_supplier_editor", 403),
        ("buyer", 403),
        ("finance", 403),
    ],
)
def test_revisions_and_comparisons_are_for_the_supplier_and_managers(
    api, request, world, role, status
):
    user = request.getfixturevalue(role)
    product = world["published"]

    assert api.as_user(user).get(f"/api/v1/products/{product.pk}/revisions/").status_code == status
    assert api.get(f"/api/v1/products/{product.pk}/compare/").status_code == status


def test_comparing_an_unknown_revision_is_a_400_naming_the_parameter(api, world, supplier_editor):
    response = api.as_user(supplier_editor).get(
        f"/api/v1/products/{world['published'].pk}/compare/?from=99"
    )
    assert response.status_code == 400
    assert "from" in response.json()["errors"]


# Search through the API.


def test_search_parameters_filter_and_order(api, buyer, supplier, laptops, phones):
    ProductFactory(
        supplier=supplier,
        name="Rugged laptop",
        category=laptops,
        list_price=Decimal("900.00"),
        breaks=[(1, "900.00"), (10, "700.00")],
    )
    ProductFactory(
        supplier=supplier,
        name="Rugged phone",
        category=phones,
        list_price=Decimal("750.00"),
        breaks=[(1, "750.00")],
    )
    refresh_search_vectors()
    api.as_user(buyer)

    found = api.get("/api/v1/products/", {"q": "rugged", "ordering": "price", "quantity": 10})
    body = found.json()

    assert found.status_code == 200
    assert [p["name"] for p in body["results"]] == ["Rugged laptop", "Rugged phone"]
    assert [p["unit_price"] for p in body["results"]] == ["700.00", "750.00"]
    assert body["match"] == "exact"
    cheap = api.get("/api/v1/products/", {"max_price": "800", "category": "30200000-1"}).json()
    assert [p["name"] for p in cheap["results"]] == []
    cheap = api.get("/api/v1/products/", {"max_price": "800", "quantity": 10}).json()
    assert {p["name"] for p in cheap["results"]} == {"Rugged laptop", "Rugged phone"}
    faceted = api.get("/api/v1/products/", {"q": "rugged", "facets": "true"}).json()
    assert faceted["facets"]["categories"] == [
        {"key": "phones", "label": "Mobile telephones", "count": 1},
        {"key": "laptops", "label": "Portable computers", "count": 1},
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"supplier": "nope"}, "supplier"),
        ({"standard": "NC-XXX-999"}, "standard"),
        ({"max_price": "cheap"}, "max_price"),
        ({"max_price": "-1"}, "max_price"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "1.5"}, "quantity"),
        ({"compliant": "perhaps"}, "compliant"),
        ({"ordering": "colour"}, "ordering"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_search_parameters_are_400s_naming_them(api, buyer, params, field):
    response = api.as_user(buyer).get("/api/v1/products/", params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="trigram similarity is PostgreSQL's"
)
def test_a_misspelt_search_returns_near_matches_marked_as_such(api, buyer, laptops):
    ProductFactory(name="Guardian smartphone", category=laptops)
    refresh_search_vectors()

    body = api.as_user(buyer).get("/api/v1/products/", {"q": "smartfone"}).json()

    assert body["match"] == "similar"
    assert [p["name"] for p in body["results"]] == ["Guardian smartphone"]


def _count_queries(api, user, params) -> int:
    api.as_user(User.objects.get(pk=user.pk))  # a fresh user: memberships not yet cached
    with CaptureQueriesContext(connection) as captured:
        response = api.get("/api/v1/products/", params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page_size", [5, 50])
@pytest.mark.parametrize("products", [1, 50])
def test_a_product_list_takes_a_constant_number_of_queries(
    api, buyer, supplier, laptops, django_assert_max_num_queries, page_size, products
):
    for number in range(products):
        product = ProductFactory(
            supplier=supplier, name=f"Rugged laptop {number}", category=laptops
        )
        ConformanceFactory(product=product)
    refresh_search_vectors()
    api.as_user(buyer)
    params = {"q": "rugged", "category": "laptops", "compliant": "true", "page_size": page_size}

    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/products/", params)

    assert response.status_code == 200
    assert len(response.json()["results"]) == min(products, page_size)


def test_the_number_of_list_queries_does_not_grow_with_the_data(api, buyer, supplier, laptops):
    ProductFactory(supplier=supplier, name="Rugged laptop", category=laptops)
    refresh_search_vectors()
    params = {"q": "rugged", "supplier": supplier.slug, "max_price": "5000", "page_size": 50}
    few = _count_queries(api, buyer, params)
    for number in range(60):
        ProductFactory(supplier=supplier, name=f"Rugged laptop {number}", category=laptops)
    refresh_search_vectors()

    assert _count_queries(api, buyer, params) == few


# Categories.


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_category_tree(api, request, computers, laptops, role):
    response = api.as_user(request.getfixturevalue(role)).get("/api/v1/categories/")

    assert response.status_code == 200
    assert {(c["slug"], c["parent"]) for c in response.json()["results"]} == {
        ("computers", None),
        ("laptops", "computers"),
    }
    assert api.get("/api/v1/categories/laptops/").json()["cpv_code"] == "30213100-6"


@pytest.mark.parametrize("role", ROLES)
def test_only_catalogue_managers_create_and_change_categories(
    api, request, computers, laptops, role
):
    user = request.getfixturevalue(role)
    created = api.as_user(user).post(
        "/api/v1/categories/",
        {"name": "Tablets", "slug": "tablets", "cpv_code": "30213200-7", "parent": "computers"},
        format="json",
    )
    changed = api.patch("/api/v1/categories/laptops/", {"name": "Laptops"}, format="json")

    if role == "catalogue_manager":
        assert (created.status_code, changed.status_code) == (201, 200)
        assert Category.objects.get(slug="laptops").name == "Laptops"
    else:
        assert (created.status_code, changed.status_code) == (403, 403)
        assert not Category.objects.filter(slug="tablets").exists()


def test_an_invalid_cpv_code_is_a_400(api, catalogue_manager):
    response = api.as_user(catalogue_manager).post(
        "/api/v1/categories/",
        {"name": "Tablets", "slug": "tablets", "cpv_code": "30213200-1"},
        format="json",
    )

    assert response.status_code == 400
    assert "cpv_code" in response.json()["errors"]
    assert "check digit" in response.json()["errors"]["cpv_code"][0]


def test_moving_a_category_under_its_descendant_is_a_400(
    api, catalogue_manager, computers, laptops
):
    response = api.as_user(catalogue_manager).patch(
        "/api/v1/categories/computers/", {"parent": "laptops"}, format="json"
    )

    assert response.status_code == 400
    assert "parent" in response.json()["errors"]
    assert Category.objects.get(slug="computers").parent is None


def test_moving_a_category_through_the_api_is_audited(
    api, catalogue_manager, computers, laptops, phones
):
    response = api.as_user(catalogue_manager).patch(
        "/api/v1/categories/laptops/", {"parent": "phones"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["parent"] == "phones"
    assert AuditEvent.objects.filter(action="category.moved").count() == 1


# Conformance claims.


@pytest.fixture
def claim(world, supplier_editor, encryption):
    return services.conformance_claim(
        product=world["published"],
        standard_version=encryption,
        evidence_file=pdf_upload("cert.pdf", b"%PDF-1.4 certificate"),
        actor=supplier_editor,
    )


@pytest.fixture
def draft_claim(world, supplier_editor, encryption):
    return services.conformance_claim(
        product=world["draft"],
        standard_version=encryption,
        evidence_file=pdf_upload(),
        actor=supplier_editor,
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supplier_editor", 201),
        ("other_supplier_editor", 403),
        ("buyer", 403),
        ("catalogue_manager", 403),
    ],
)
def test_only_the_supplier_claims_conformance(api, request, world, encryption, role, status):
    response = api.as_user(request.getfixturevalue(role)).post(
        "/api/v1/conformances/",
        {"product": world["published"].pk, "standard": "NC-SEC-001", "evidence": pdf_upload()},
        format="multipart",
    )

    assert response.status_code == status
    assert Conformance.objects.exists() == (status == 201)
    if status == 201:
        assert response.json()["status"] == "claimed"
        assert response.json()["evidence_url"].endswith("/evidence/")


def test_claiming_for_another_suppliers_draft_is_a_404(
    api, world, other_supplier_editor, encryption
):
    response = api.as_user(other_supplier_editor).post(
        "/api/v1/conformances/",
        {"product": world["draft"].pk, "standard": "NC-SEC-001", "evidence": pdf_upload()},
        format="multipart",
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"evidence": pdf_upload("x.pdf", b"GIF89a not a pdf")}, "evidence"),
        ({"evidence": pdf_upload("x.exe", b"%PDF-1.4")}, "evidence"),
        ({"standard": "NC-XXX-999"}, "standard"),
        ({"product": "seven"}, "product"),
    ],
)
def test_bad_claims_are_400s_naming_the_field(
    api, world, supplier_editor, encryption, overrides, field
):
    data = {"product": world["published"].pk, "standard": "NC-SEC-001", "evidence": pdf_upload()}
    data.update(overrides)

    response = api.as_user(supplier_editor).post("/api/v1/conformances/", data, format="multipart")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Conformance.objects.exists()


def test_an_oversized_evidence_upload_is_refused_before_it_is_read(
    api, world, supplier_editor, encryption, settings
):
    settings.CATALOGUE_EVIDENCE_MAX_BYTES = 10
    big = pdf_upload(content=b"%PDF-1.4\n" + b"x" * 200_000)

    response = api.as_user(supplier_editor).post(
        "/api/v1/conformances/",
        {"product": world["published"].pk, "standard": "NC-SEC-001", "evidence": big},
        format="multipart",
    )

    assert response.status_code == 400
    assert "evidence" in response.json()["errors"]


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("supplier_editor", {"MINE-PUB", "MINE-DRAFT"}),
        ("catalogue_manager", {"MINE-PUB", "MINE-DRAFT"}),
        ("buyer", {"MINE-PUB"}),
        ("other_supplier_editor", {"MINE-PUB"}),
    ],
)
def test_claims_are_listed_for_the_products_each_role_sees(
    api, request, claim, draft_claim, role, visible
):
    response = api.as_user(request.getfixturevalue(role)).get("/api/v1/conformances/")

    assert response.status_code == 200
    product_skus = {
        Product.objects.get(pk=row["product"]).sku for row in response.json()["results"]
    }
    assert product_skus == visible


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("catalogue_manager", 200),
        ("supplier_editor", 403),
        ("other_supplier_editor", 403),
        ("buyer", 403),
    ],
)
def test_only_catalogue_managers_verify_or_reject_claims(api, request, claim, role, status):
    user = request.getfixturevalue(role)

    verified = api.as_user(user).post(f"/api/v1/conformances/{claim.pk}/verify/")

    assert verified.status_code == status
    rejected = api.post(f"/api/v1/conformances/{claim.pk}/reject/", {"reason": "Expired."})
    assert rejected.status_code == status
    expected = "rejected" if status == 200 else "claimed"
    assert Conformance.objects.get(pk=claim.pk).status == expected


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supplier_editor", 200),
        ("catalogue_manager", 200),
        ("commercial_lead", 200),
        ("standards_secretary", 200),
        ("other_supplier_editor", 403),
        ("buyer", 403),
        ("finance", 403),
    ],
)
def test_evidence_downloads_only_for_the_supplier_and_the_ict_company(
    api, request, claim, role, status
):
    response = api.as_user(request.getfixturevalue(role)).get(
        f"/api/v1/conformances/{claim.pk}/evidence/"
    )

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == b"%PDF-1.4 certificate"


def test_evidence_of_another_suppliers_draft_is_a_404(api, draft_claim, other_supplier_editor):
    response = api.as_user(other_supplier_editor).get(
        f"/api/v1/conformances/{draft_claim.pk}/evidence/"
    )
    assert response.status_code == 404


def test_evidence_is_not_served_from_a_public_media_url(client, claim):
    assert client.get("/media/" + claim.evidence.name).status_code == 404


# CSV import through the API.


def csv_file(text: str, name: str = "listings.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


GOOD_CSV = (
    "sku,name,category,unit,list_price,break_2_quantity,break_2_unit_price\n"
    "CSV-1,Laptop one,30213100-6,each,100.00,10,90.00\n"
    "CSV-2,Laptop two,laptops,each,200.00,,\n"
)


@pytest.mark.parametrize(
    ("role", "status"),
    [("supplier_editor", 201), ("buyer", 403), ("catalogue_manager", 403), ("finance", 403)],
)
def test_only_supplier_editors_import(api, request, laptops, role, status):
    response = api.as_user(request.getfixturevalue(role)).post(
        "/api/v1/products/import/", {"file": csv_file(GOOD_CSV)}, format="multipart"
    )

    assert response.status_code == status
    if status == 201:
        assert response.json()["created"] == ["CSV-1", "CSV-2"]
    assert Product.objects.count() == (2 if status == 201 else 0)


def test_an_import_with_a_bad_row_reports_it_and_saves_nothing(api, supplier_editor, laptops):
    text = GOOD_CSV + "CSV-3,Laptop three,99999999-9,each,-1,,\n"

    response = api.as_user(supplier_editor).post(
        "/api/v1/products/import/", {"file": csv_file(text)}, format="multipart"
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["line 4"]
    assert any("category" in message for message in errors["line 4"])
    assert any("list_price" in message for message in errors["line 4"])
    assert not Product.objects.exists()


def test_the_openapi_schema_describes_the_catalogue(api, buyer):
    response = api.as_user(buyer).get("/api/schema/?format=json")

    paths = response.json()["paths"]
    for path in (
        "/api/v1/categories/",
        "/api/v1/products/",
        "/api/v1/products/{id}/approve/",
        "/api/v1/products/import/",
        "/api/v1/conformances/{id}/evidence/",
    ):
        assert path in paths


def test_the_fast_product_representations_match_drfs_generic_ones(
    rf, published, supplier_editor, encryption, laptops
):
    services.conformance_claim(
        product=published,
        standard_version=encryption,
        evidence_file=pdf_upload(),
        actor=supplier_editor,
    )
    services.product_update(
        product=published, actor=supplier_editor, content=make_content(laptops, name="Mark 2")
    )
    product = product_detail_queryset(Product.objects.all()).get(pk=published.pk)
    request = rf.get("/")
    request.user = supplier_editor
    context = {
        "quantity": 10,
        "request": request,
        "open_revision": product.revisions.get(number=2),
    }

    for serializer_class in (ProductListSerializer, ProductDetailSerializer):
        serializer = serializer_class(product, context=context)
        generic = drf.ModelSerializer.to_representation(serializer, product)
        assert serializer.data == generic
        assert list(serializer.data) == list(generic)


def test_catalogue_managers_list_what_awaits_review(
    api, world, catalogue_manager, supplier_editor, laptops
):
    services.product_update(
        product=world["published"],
        actor=supplier_editor,
        content=make_content(laptops, name="Mark 2"),
    )
    services.product_submit(product=world["published"], actor=supplier_editor)

    waiting = api.as_user(catalogue_manager).get("/api/v1/products/", {"awaiting_review": "true"})
    others = api.get("/api/v1/products/", {"awaiting_review": "false"})

    assert skus(waiting) == {"MINE-SUB", "MINE-PUB"}
    assert skus(others) == {"MINE-DRAFT", "THEIRS-PUB", "THEIRS-DRAFT"}
