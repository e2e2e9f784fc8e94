import datetime
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertTemplateUsed

from accounts.models import Role
from accounts.presentation.navigation import ROLE_CAPABILITIES
from catalogue import services
from catalogue.domain.pricing import Tier
from catalogue.models import Category, Conformance, Product, ProductRevision
from catalogue.services.search_index import refresh_search_vectors
from procurement import services as procurement_services
from tests.catalogue.conftest import make_content
from tests.factories import (
    ConformanceFactory,
    ProductFactory,
    StandardVersionFactory,
    UserFactory,
    pdf_upload,
)

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


def page(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    return response, unescape(response.content.decode()) if response.status_code == 200 else ""


# The catalogue search page.


@pytest.mark.parametrize("role", ROLES)
def test_every_role_searches_the_published_catalogue(client, request, published, draft, role):
    other_draft = ProductFactory(status="draft", name="Secret prototype laptop")
    refresh_search_vectors()

    response, html = page(client, request.getfixturevalue(role), reverse("catalogue:product_list"))

    assert response.status_code == 200
    assert "Rugged laptop" in html
    assert other_draft.name not in html


def test_the_search_page_filters_sorts_and_counts(client, buyer, supplier, laptops, phones):
    ProductFactory(supplier=supplier, name="Patrol laptop", category=laptops)
    ProductFactory(supplier=supplier, name="Patrol phone", category=phones, is_compliant=False)
    ProductFactory(
        supplier=supplier,
        name="Office laptop",
        summary="For desks",
        description="Slim.",
        category=laptops,
    )
    refresh_search_vectors()

    _, html = page(client, buyer, reverse("catalogue:product_list"), q="patrol")
    assert "2 products for “patrol”" in html
    assert "Office laptop" not in html
    assert 'Portable computers</a> <span class="nc-muted">(1)' in html  # facet

    _, html = page(client, buyer, reverse("catalogue:product_list"), q="patrol", compliant="on")
    assert "1 product for" in html and "Patrol phone" not in html

    _, html = page(
        client, buyer, reverse("catalogue:product_list"), category="30200000-1", ordering="name"
    )
    assert html.index("Office laptop") < html.index("Patrol laptop")
    assert "Patrol phone" not in html


def test_the_search_page_paginates_with_the_govuk_component(client, buyer, laptops):
    for number in range(25):
        ProductFactory(name=f"Laptop {number:02d}", category=laptops)

    _, first = page(client, buyer, reverse("catalogue:product_list"))
    _, second = page(client, buyer, reverse("catalogue:product_list"), page=2)

    assert "25 products" in first
    assert 'class="govuk-pagination"' in first
    assert 'rel="next"' in first and "Laptop 19" in first and "Laptop 20" not in first
    assert "Laptop 24" in second and 'rel="prev"' in second


def test_bad_filters_show_an_error_summary(client, buyer, published):
    response, html = page(
        client, buyer, reverse("catalogue:product_list"), category="nope", quantity="lots"
    )

    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "No category has the slug or CPV code" in html
    assert "Enter a whole number" in html
    assert "Error: Catalogue" in html


# The product page.


def test_the_product_page_shows_prices_supplier_lead_time_and_conformance(
    client, buyer, published, supplier_editor, catalogue_manager, encryption
):
    lapsing = StandardVersionFactory(standard__reference="NC-NET-001", standard__title="Networks")
    rejected = StandardVersionFactory(standard__reference="NC-IDM-001", standard__title="Sign-in")
    waiting = StandardVersionFactory(standard__reference="NC-COM-001", standard__title="Messaging")
    ConformanceFactory(product=published, standard_version=encryption, status="verified")
    ConformanceFactory(
        product=published,
        standard_version=lapsing,
        status="lapsed",
        lapsed_at=datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC),
    )
    ConformanceFactory(product=published, standard_version=rejected, status="rejected")
    ConformanceFactory(product=published, standard_version=waiting, status="claimed")

    _, html = page(
        client,
        buyer,
        reverse("catalogue:product_detail", args=[published.pk]),
        quantity="12",
    )

    assert "Acme Devices Ltd" in html
    assert "14 days" in html
    assert "£1,000.00" in html and "10 to 99" in html and "100 or more" in html
    assert "12 units at £950.00 each: <strong>£11,400.00</strong>" in html
    assert "NC-SEC-001" in html and "Verified" in html
    assert "Lapsed 1 March 2026" in html
    assert "Awaiting verification" in html
    assert "Rejected" in html
    assert "Evidence" not in html  # buyers do not get the evidence


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supplier_editor", 200),
        ("catalogue_manager", 200),
        ("other_supplier_editor", 404),
        ("buyer", 404),
        ("commercial_lead", 404),
    ],
)
def test_a_draft_product_page_is_for_its_supplier_and_catalogue_managers(
    client, request, draft, role, status
):
    response, _ = page(
        client,
        request.getfixturevalue(role),
        reverse("catalogue:product_detail", args=[draft.pk]),
    )
    assert response.status_code == status


# Supplier self-service.


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supplier_editor", 200),
        ("buyer", 403),
        ("catalogue_manager", 403),
        ("finance", 403),
    ],
)
def test_your_listings_is_for_supplier_editors(client, request, draft, role, status):
    response, html = page(
        client, request.getfixturevalue(role), reverse("catalogue:supplier_product_list")
    )

    assert response.status_code == status
    if status == 200:
        assert "Rugged laptop" in html and "Draft" in html


def test_your_listings_shows_only_your_suppliers_products(
    client, draft, other_supplier_editor, other_supplier, laptops
):
    services.product_create(
        actor=other_supplier_editor,
        supplier=other_supplier,
        sku="R-1",
        content=make_content(laptops, name="Rival tablet"),
    )

    _, html = page(client, other_supplier_editor, reverse("catalogue:supplier_product_list"))

    assert "Rival tablet" in html
    assert "Rugged laptop" not in html


def product_form(default_category, **overrides) -> dict:
    data = {
        "sku": "TAB-1",
        "name": "Rugged tablet",
        "summary": "Tablet",
        "description": "",
        "category": str(default_category.pk),
        "unit": "each",
        "list_price": "600.00",
        "lead_time_days": "10",
        "break_2_quantity": "10",
        "break_2_unit_price": "570.00",
        "break_3_quantity": "",
        "break_3_unit_price": "",
    }
    data.update(overrides)
    return data


def test_a_supplier_creates_a_product_with_price_breaks_on_the_page(
    client, supplier_editor, laptops
):
    client.force_login(supplier_editor)

    response = client.post(reverse("catalogue:product_create"), product_form(laptops))

    product = Product.objects.get(sku="TAB-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalogue:product_detail", args=[product.pk])
    assert list(product.price_breaks.values_list("min_quantity", "unit_price")) == [
        (1, Decimal("600.00")),
        (10, Decimal("570.00")),
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"break_2_unit_price": "650.00"}, "cannot rise"),
        ({"break_2_quantity": "", "break_2_unit_price": "570.00"}, "enter a minimum quantity"),
        ({"list_price": "-1"}, "greater than or equal to 0.01"),
        ({"sku": "has space"}, "Use letters, digits"),
        ({"category": "999999"}, "Select a valid choice"),
    ],
)
def test_the_product_form_shows_errors_and_saves_nothing(
    client, supplier_editor, laptops, overrides, message
):
    client.force_login(supplier_editor)

    response = client.post(reverse("catalogue:product_create"), product_form(laptops, **overrides))

    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert message in html
    assert not Product.objects.exists()


def test_buyers_cannot_open_the_create_page(client, buyer, laptops):
    client.force_login(buyer)

    assert client.get(reverse("catalogue:product_create")).status_code == 403
    assert (
        client.post(reverse("catalogue:product_create"), product_form(laptops)).status_code == 403
    )
    assert not Product.objects.exists()


def test_editing_a_published_product_on_the_page_saves_a_revision(
    client, published, supplier_editor, laptops
):
    client.force_login(supplier_editor)
    url = reverse("catalogue:product_edit", args=[published.pk])

    form = client.get(url)
    assert 'value="LT-1"' in form.content.decode() and "disabled" in form.content.decode()
    response = client.post(
        url, product_form(laptops, sku="LT-1", name="Rugged laptop mark 2", list_price="1000.00")
    )

    assert response.status_code == 302
    assert Product.objects.get(pk=published.pk).name == "Rugged laptop"
    assert ProductRevision.objects.get(product=published, status="draft").name == (
        "Rugged laptop mark 2"
    )


@pytest.mark.parametrize(
    ("role", "target", "status"),
    [
        ("other_supplier_editor", "draft", 404),
        ("other_supplier_editor", "published", 403),
        ("buyer", "published", 403),
        ("catalogue_manager", "published", 403),
    ],
)
def test_others_cannot_edit_a_product(client, request, draft, role, target, status, laptops):
    if target == "published":
        services.product_submit(product=draft, actor=request.getfixturevalue("supplier_editor"))
        services.product_approve(product=draft, actor=request.getfixturevalue("catalogue_manager"))
    client.force_login(request.getfixturevalue(role))
    url = reverse("catalogue:product_edit", args=[draft.pk])

    assert client.get(url).status_code == status
    assert client.post(url, product_form(laptops, sku="LT-1", name="Hacked")).status_code == status
    assert Product.objects.get(pk=draft.pk).name == "Rugged laptop"


def test_submit_and_withdraw_buttons(client, draft, supplier_editor, catalogue_manager):
    client.force_login(supplier_editor)
    client.post(reverse("catalogue:product_submit", args=[draft.pk]))
    assert Product.objects.get(pk=draft.pk).status == "submitted"

    services.product_approve(product=draft, actor=catalogue_manager)
    url = reverse("catalogue:product_withdraw", args=[draft.pk])
    empty = client.post(url, {"reason": ""})
    assert "govuk-error-summary" in empty.content.decode()
    client.post(url, {"reason": "Replaced by a newer model."})
    assert Product.objects.get(pk=draft.pk).status == "withdrawn"


def test_submitting_twice_is_a_conflict_page_that_gives_the_reason(client, draft, supplier_editor):
    client.force_login(supplier_editor)
    client.post(reverse("catalogue:product_submit", args=[draft.pk]))

    response = client.post(reverse("catalogue:product_submit", args=[draft.pk]))

    assert response.status_code == 409
    assertTemplateUsed(response, "409.html")
    assert "cannot become submitted" in unescape(response.content.decode())


def test_another_supplier_cannot_submit_or_withdraw(client, draft, other_supplier_editor):
    client.force_login(other_supplier_editor)

    assert client.post(reverse("catalogue:product_submit", args=[draft.pk])).status_code == 404
    assert client.get(reverse("catalogue:product_withdraw", args=[draft.pk])).status_code == 404
    assert Product.objects.get(pk=draft.pk).status == "draft"


def test_discarding_changes_on_the_page(client, published, supplier_editor, laptops):
    services.product_update(
        product=published, actor=supplier_editor, content=make_content(laptops, name="Mark 2")
    )
    client.force_login(supplier_editor)

    client.post(reverse("catalogue:revision_discard", args=[published.pk]))

    assert ProductRevision.objects.get(number=2).status == "discarded"


# Conformance claims and evidence.


def test_a_supplier_uploads_a_conformance_claim(client, published, supplier_editor, encryption):
    client.force_login(supplier_editor)
    url = reverse("catalogue:conformance_claim", args=[published.pk])

    response = client.post(url, {"standard": str(encryption.pk), "evidence": pdf_upload()})

    assert response.status_code == 302
    assert Conformance.objects.get().status == "claimed"


def test_a_non_pdf_claim_shows_an_error(client, published, supplier_editor, encryption):
    client.force_login(supplier_editor)
    url = reverse("catalogue:conformance_claim", args=[published.pk])
    fake = SimpleUploadedFile("evidence.pdf", b"<html>not a pdf</html>", "application/pdf")

    response = client.post(url, {"standard": str(encryption.pk), "evidence": fake})

    assert response.status_code == 200
    assert "is not a PDF" in response.content.decode()
    assert not Conformance.objects.exists()


def test_an_oversized_claim_is_refused_before_reading_it(
    client, published, supplier_editor, encryption, settings
):
    settings.CATALOGUE_EVIDENCE_MAX_BYTES = 10
    client.force_login(supplier_editor)
    big = pdf_upload(content=b"%PDF-1.4\n" + b"0" * 100_000)

    response = client.post(
        reverse("catalogue:conformance_claim", args=[published.pk]),
        {"standard": str(encryption.pk), "evidence": big},
    )

    assert response.status_code == 400
    assert "smaller than" in response.content.decode()
    assert not Conformance.objects.exists()


def test_only_the_supplier_claims_on_the_page(client, published, buyer, other_supplier_editor):
    for user in (buyer, other_supplier_editor):
        client.force_login(user)
        url = reverse("catalogue:conformance_claim", args=[published.pk])
        assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supplier_editor", 200),
        ("catalogue_manager", 200),
        ("standards_secretary", 200),
        ("buyer", 403),
        ("other_supplier_editor", 403),
    ],
)
def test_the_evidence_download_is_permission_checked(
    client, request, published, supplier_editor, encryption, role, status
):
    claim = services.conformance_claim(
        product=published,
        standard_version=encryption,
        evidence_file=pdf_upload("proof.pdf", b"%PDF-1.4 proof"),
        actor=supplier_editor,
    )
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("catalogue:conformance_evidence", args=[claim.pk]))

    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == b"%PDF-1.4 proof"
        assert 'filename="proof.pdf"' in response["Content-Disposition"]


# CSV import.


def test_the_import_page_reports_bad_rows_by_line_and_saves_nothing(
    client, supplier_editor, laptops
):
    client.force_login(supplier_editor)
    text = (
        "sku,name,category,unit,list_price\n"
        "A-1,Good,laptops,each,10.00\n"
        "A-2,Bad,nowhere,each,10.00\n"
        "A-3,Worse,laptops,each,zero\n"
    )

    response = client.post(
        reverse("catalogue:product_import"),
        {"file": SimpleUploadedFile("l.csv", text.encode(), "text/csv")},
    )

    html = unescape(response.content.decode())
    assert "2 rows of the file have problems: nothing was saved." in html
    assert "Rows to correct (2)" in html
    assert '<td class="govuk-table__cell">3</td>' in html
    assert '<td class="govuk-table__cell">4</td>' in html
    assert not Product.objects.exists()


def test_the_import_page_creates_drafts(client, supplier_editor, laptops):
    client.force_login(supplier_editor)
    text = "sku,name,category,unit,list_price\nA-1,Good,laptops,each,10.00\n"

    response = client.post(
        reverse("catalogue:product_import"),
        {"file": SimpleUploadedFile("l.csv", text.encode(), "text/csv")},
    )

    assert "Upload complete" in response.content.decode()
    assert Product.objects.get().status == "draft"


@pytest.mark.parametrize(("role", "status"), [("supplier_editor", 200), ("buyer", 403)])
def test_the_import_page_and_template_are_for_supplier_editors(client, request, role, status):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("catalogue:product_import")).status_code == status
    template = client.get(reverse("catalogue:product_import_template"))
    assert template.status_code == status
    if status == 200:
        assert template["Content-Type"].startswith("text/csv")
        assert template.content.decode().startswith("sku,name,summary")


# The review queue.


@pytest.mark.parametrize("role", ROLES)
def test_the_review_queue_is_for_catalogue_managers(
    client, request, draft, supplier_editor, encryption, role
):
    services.product_submit(product=draft, actor=supplier_editor)
    services.conformance_claim(
        product=draft,
        standard_version=encryption,
        evidence_file=pdf_upload(),
        actor=supplier_editor,
    )

    response, html = page(client, request.getfixturevalue(role), reverse("catalogue:review_queue"))

    if role == "catalogue_manager":
        assert response.status_code == 200
        assert "New listings (1)" in html
        assert "Conformance claims (1)" in html
    else:
        assert response.status_code == 403


def test_a_manager_approves_a_change_after_seeing_the_comparison(
    client, published, supplier_editor, catalogue_manager, laptops
):
    services.product_update(
        product=published,
        actor=supplier_editor,
        content=make_content(laptops, name="Rugged laptop mark 2"),
    )
    services.product_submit(product=published, actor=supplier_editor)
    client.force_login(catalogue_manager)
    url = reverse("catalogue:review_product", args=[published.pk])

    html = unescape(client.get(url).content.decode())
    assert "What would change" in html and "Rugged laptop mark 2" in html

    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 302
    assert Product.objects.get(pk=published.pk).name == "Rugged laptop mark 2"


def test_a_rejection_on_the_review_page_needs_a_reason(
    client, draft, supplier_editor, catalogue_manager
):
    services.product_submit(product=draft, actor=supplier_editor)
    client.force_login(catalogue_manager)
    url = reverse("catalogue:review_product", args=[draft.pk])

    empty = client.post(url, {"decision": "reject", "reason": ""})
    assert "govuk-error-summary" in empty.content.decode()
    assert Product.objects.get(pk=draft.pk).status == "submitted"

    client.post(url, {"decision": "reject", "reason": "Add the battery life."})
    assert Product.objects.get(pk=draft.pk).rejection_reason == "Add the battery life."


@pytest.mark.parametrize("role", ["supplier_editor", "buyer", "other_supplier_editor"])
def test_only_managers_decide_on_review_pages(
    client, request, draft, supplier_editor, encryption, role
):
    services.product_submit(product=draft, actor=supplier_editor)
    claim = services.conformance_claim(
        product=draft,
        standard_version=encryption,
        evidence_file=pdf_upload(),
        actor=supplier_editor,
    )
    client.force_login(request.getfixturevalue(role))

    assert (
        client.post(
            reverse("catalogue:review_product", args=[draft.pk]), {"decision": "approve"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("catalogue:review_conformance", args=[claim.pk]), {"decision": "verify"}
        ).status_code
        == 403
    )
    assert Product.objects.get(pk=draft.pk).status == "submitted"
    assert Conformance.objects.get(pk=claim.pk).status == "claimed"


def test_a_manager_verifies_a_claim_on_its_page(
    client, published, supplier_editor, catalogue_manager, encryption
):
    claim = services.conformance_claim(
        product=published,
        standard_version=encryption,
        evidence_file=pdf_upload(),
        actor=supplier_editor,
    )
    client.force_login(catalogue_manager)

    html = client.get(reverse("catalogue:review_conformance", args=[claim.pk])).content.decode()
    assert claim.evidence_sha256 in html
    client.post(reverse("catalogue:review_conformance", args=[claim.pk]), {"decision": "verify"})

    assert Conformance.objects.get(pk=claim.pk).status == "verified"
    assert Product.objects.get(pk=published.pk).is_compliant


# Revisions.


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supplier_editor", 200),
        ("catalogue_manager", 200),
        ("buyer", 403),
        ("other_supplier_editor", 403),
    ],
)
def test_revision_history_and_comparison_pages(
    client, request, published, supplier_editor, laptops, role, status
):
    services.product_update(
        product=published,
        actor=supplier_editor,
        content=make_content(
            laptops, list_price=Decimal("990.00"), price_breaks=(Tier(1, Decimal("990.00")),)
        ),
    )
    client.force_login(request.getfixturevalue(role))

    history = client.get(reverse("catalogue:revision_list", args=[published.pk]))
    comparison = client.get(
        reverse("catalogue:revision_compare", args=[published.pk]), {"from": "1", "to": "2"}
    )

    assert (history.status_code, comparison.status_code) == (status, status)
    if status == 200:
        html = unescape(comparison.content.decode())
        assert "£990.00" in html and "Removed" in html and "Changed" in html


# Categories.


@pytest.mark.parametrize("role", ROLES)
def test_every_role_browses_categories(client, request, computers, laptops, role):
    response, html = page(client, request.getfixturevalue(role), reverse("catalogue:category_list"))

    assert response.status_code == 200
    assert "30213100-6" in html
    assert ("Add a category" in html) == (role == "catalogue_manager")


def test_a_manager_moves_a_category_and_a_cycle_is_refused_on_the_form(
    client, catalogue_manager, computers, laptops, phones
):
    client.force_login(catalogue_manager)
    url = reverse("catalogue:category_edit", args=["computers"])
    data = {
        "name": "Computer equipment",
        "slug": "computers",
        "cpv_code": "30200000-1",
        "description": "",
        "parent": str(laptops.pk),
    }

    response = client.post(url, data)
    assert "own subcategories" in unescape(response.content.decode())
    assert Category.objects.get(slug="computers").parent is None

    client.post(url, {**data, "parent": str(phones.pk)})
    assert Category.objects.get(slug="computers").parent == phones


def test_categories_cannot_be_changed_by_others(client, supplier_editor, computers):
    client.force_login(supplier_editor)
    assert client.get(reverse("catalogue:category_create")).status_code == 403
    assert client.get(reverse("catalogue:category_edit", args=["computers"])).status_code == 403


# Navigation.


@pytest.mark.parametrize("role", [Role.BUYER, Role.CATALOGUE_MANAGER, Role.SUPPLIER_EDITOR])
def test_the_home_page_links_to_the_catalogue_pages(role):
    catalogue = [c for c in ROLE_CAPABILITIES[role] if c.url_name.startswith("catalogue:")]
    assert catalogue and all(c.href for c in catalogue)


def test_staff_can_look_up_the_catalogue_in_the_admin_but_not_change_it(
    client, published, encryption, supplier_editor
):

    services.conformance_claim(
        product=published,
        standard_version=encryption,
        evidence_file=pdf_upload(),
        actor=supplier_editor,
    )
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    for path in ("category", "product", "productrevision", "conformance"):
        listing = client.get(f"/admin/catalogue/{path}/")
        assert listing.status_code == 200
        assert b"to view | Django site admin" in listing.content  # view only
        assert client.get(f"/admin/catalogue/{path}/add/").status_code == 403
    detail = client.get(f"/admin/catalogue/product/{published.pk}/change/")
    assert detail.status_code == 200
    assert b"Rugged laptop" in detail.content
    assert client.post(f"/admin/catalogue/product/{published.pk}/delete/").status_code == 403


def test_form_errors_show_next_to_their_fields_and_all_at_once(client, supplier_editor, laptops):
    client.force_login(supplier_editor)
    data = product_form(laptops, category="", break_2_unit_price="650.00")

    html = unescape(client.post(reverse("catalogue:product_create"), data).content.decode())

    assert '<p id="id_category_error" class="govuk-error-message">' in html
    assert "Choose the product's category." in html
    assert "the unit price cannot rise with quantity" in html  # the price-break rule too
    assert 'href="#id_category"' in html and 'href="#price-breaks"' in html


def test_a_buyer_can_start_or_join_a_requisition_from_a_product_page(client, buyer, other_buyer):

    product = ProductFactory()
    requisition = procurement_services.requisition_start(
        user=other_buyer,
        force=other_buyer.memberships.get().organisation,
        product=product,
        closes_at=timezone.now() + datetime.timedelta(days=7),
        quantity=5,
        delivery_address="HQ",
        cost_centre="C1",
    )
    client.force_login(buyer)

    page = client.get(f"/catalogue/products/{product.pk}/").content.decode()

    assert f"/requisitions/new/?product={product.pk}" in page
    assert f"/requisitions/{requisition.pk}/" in page
