"""The catalogue's core journeys in a real browser, and its pages' accessibility."""

import pytest

from catalogue import services
from catalogue.services.search_index import refresh_search_vectors
from tests.browser.conftest import serious_violations, sign_in
from tests.catalogue.conftest import make_content
from tests.factories import PASSWORD, CategoryFactory, ConformanceFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def laptops(db):
    parent = CategoryFactory(name="Computer equipment", slug="computers", cpv_code="30200000-1")
    return CategoryFactory(
        name="Portable computers", slug="laptops", cpv_code="30213100-6", parent=parent
    )


@pytest.fixture
def catalogue(laptops, supplier):
    products = [
        ProductFactory(
            supplier=supplier,
            name=name,
            summary=summary,
            category=laptops,
            breaks=[(1, "100.00"), (10, "90.00"), (100, "80.00")],
        )
        for name, summary in [
            ("Patrol rugged laptop", "Rugged laptop for vehicles"),
            ("Office laptop", "Slim laptop for desks"),
            ("Control room workstation", "Drives four screens"),
        ]
    ]
    for product in products:
        ConformanceFactory(product=product)
    refresh_search_vectors()
    return products


def test_a_buyer_searches_and_opens_a_product(page, buyer, catalogue):
    sign_in(page, buyer.email, PASSWORD)
    page.get_by_role("link", name="Catalogue").first.click()

    page.get_by_label("Search products").fill("rugged")
    page.get_by_role("button", name="Search", exact=True).click()

    assert page.get_by_role("heading", name="1 product for “rugged”").is_visible()
    page.get_by_role("link", name="Patrol rugged laptop").click()
    assert page.get_by_role("heading", name="Patrol rugged laptop", level=1).is_visible()
    assert page.get_by_role("table", name="Price breaks").is_visible()
    page.get_by_label("Price for a quantity").fill("12")
    page.get_by_role("button", name="Work out the price").click()
    assert "12 units at £90.00 each" in page.locator("main").inner_text()


def test_a_supplier_submits_a_product_and_a_catalogue_manager_approves_it(
    page, browser, live_server, supplier_editor, catalogue_manager, laptops
):
    sign_in(page, supplier_editor.email, PASSWORD)
    page.goto("/catalogue/listings/")
    page.get_by_role("button", name="Add a product").click()
    page.get_by_label("SKU").fill("TAB-10")
    page.get_by_label("Name").fill("Rugged 10-inch tablet")
    page.get_by_label("Summary").fill("Tablet with barcode reader")
    page.get_by_label("Category").select_option(label="– Portable computers (30213100-6)")
    page.get_by_label("List price").fill("640.00")
    page.get_by_label("Lead time in days").fill("10")
    page.get_by_label("Minimum quantity for break 2").fill("25")
    page.get_by_label("Unit price for break 2").fill("600.00")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("heading", name="Rugged 10-inch tablet").is_visible()
    page.get_by_role("button", name="Submit for review").click()
    assert "Submitted for review" in page.locator("main").inner_text()

    manager = browser.new_context(base_url=live_server.url).new_page()
    sign_in(manager, catalogue_manager.email, PASSWORD)
    manager.goto("/catalogue/review/")
    manager.get_by_role("link", name="Rugged 10-inch tablet").click()
    assert manager.get_by_role("table", name="Price breaks").is_visible()
    manager.get_by_role("button", name="Approve and publish").click()
    assert "approved and published" in manager.locator("main").inner_text()
    manager.context.close()

    page.goto("/catalogue/?q=tablet")
    assert page.get_by_role("link", name="Rugged 10-inch tablet").is_visible()


def test_catalogue_pages_have_no_serious_accessibility_violations(
    page, buyer, catalogue_manager, supplier_editor, catalogue, laptops
):
    draft = services.product_create(
        actor=supplier_editor,
        supplier=catalogue[0].supplier,
        sku="NEW-1",
        content=make_content(laptops, name="New tablet"),
    )
    services.product_submit(product=draft, actor=supplier_editor)
    services.product_update(
        product=catalogue[0],
        actor=supplier_editor,
        content=make_content(laptops, name="Patrol rugged laptop mark 2"),
    )
    services.product_submit(product=catalogue[0], actor=supplier_editor)

    sign_in(page, buyer.email, PASSWORD)
    page.goto("/catalogue/?q=laptop&quantity=10")
    assert serious_violations(page) == []
    page.goto(f"/catalogue/products/{catalogue[0].pk}/")
    assert serious_violations(page) == []

    page.context.clear_cookies()
    sign_in(page, catalogue_manager.email, PASSWORD)
    for path in (
        "/catalogue/review/",
        f"/catalogue/review/products/{draft.pk}/",
        f"/catalogue/review/products/{catalogue[0].pk}/",
        f"/catalogue/products/{catalogue[0].pk}/revisions/compare/",
    ):
        page.goto(path)
        assert serious_violations(page) == [], path

    page.context.clear_cookies()
    sign_in(page, supplier_editor.email, PASSWORD)
    for path in ("/catalogue/listings/", "/catalogue/listings/new/", "/catalogue/listings/import/"):
        page.goto(path)
        assert serious_violations(page) == [], path
