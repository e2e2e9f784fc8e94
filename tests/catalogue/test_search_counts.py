"""The search vocabulary and the facet counts (issue 11): kept up to date by PostgreSQL's
triggers whatever writes the products, and equal to a fresh count of the published products
after creates, publications, revisions approved, compliance changes and withdrawals."""

import re
from collections import Counter

import pytest
from django.db import connection  # noqa: F401 (the skipif condition uses it)
from django.db.models import Count

from catalogue import services
from catalogue.models import FacetCount, Product, ProductStatus, SearchTerm
from catalogue.selectors import search
from catalogue.selectors.category_tree import CategoryTree
from catalogue.selectors.search import SearchParams
from catalogue.services import compliance
from catalogue.services.search_index import refresh_search_vectors
from tests.catalogue.conftest import make_content
from tests.factories import ProductFactory, SupplierFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="the counts are kept by PostgreSQL triggers (SQLite counts every time)",
    ),
]


def fresh_vocabulary() -> dict[str, int]:
    counts: Counter[str] = Counter()
    for name, summary in Product.objects.filter(status=ProductStatus.PUBLISHED).values_list(
        "name", "summary"
    ):
        words = set(re.findall(r"[a-z]+", f"{name} {summary}".lower()))
        counts.update(word for word in words if len(word) >= 3)
    return dict(counts)


def fresh_facets() -> dict[tuple[int, int, bool], int]:
    return {
        (row["category_id"], row["supplier_id"], row["is_compliant"]): row["n"]
        for row in Product.objects.filter(status=ProductStatus.PUBLISHED)
        .values("category_id", "supplier_id", "is_compliant")
        .annotate(n=Count("pk"))
    }


def kept_vocabulary() -> dict[str, int]:
    return dict(SearchTerm.objects.values_list("term", "products"))


def kept_facets() -> dict[tuple[int, int, bool], int]:
    return {
        (f.category_id, f.supplier_id, f.is_compliant): f.products for f in FacetCount.objects.all()
    }


def assert_counts_are_fresh() -> None:
    assert kept_vocabulary() == fresh_vocabulary()
    assert kept_facets() == fresh_facets()


def test_counts_follow_the_listing_workflow(
    supplier_editor, supplier, catalogue_manager, laptops, phones
):
    draft = services.product_create(
        actor=supplier_editor, supplier=supplier, sku="LT-1", content=make_content(laptops)
    )
    assert "rugged" not in kept_vocabulary()  # a draft is not searchable
    services.product_submit(product=draft, actor=supplier_editor)
    product = services.product_approve(product=draft, actor=catalogue_manager)
    assert kept_vocabulary()["rugged"] == 1
    assert_counts_are_fresh()

    # A change to the published listing counts once a catalogue manager approves it.
    changed = make_content(phones, name="Tactical handset", summary="Handset for patrol")
    services.product_update(product=product, actor=supplier_editor, content=changed)
    assert "handset" not in kept_vocabulary()
    services.product_submit(product=product, actor=supplier_editor)
    services.product_approve(product=product, actor=catalogue_manager)
    assert kept_vocabulary()["handset"] == 1
    assert "rugged" not in kept_vocabulary()
    assert kept_facets() == {(phones.pk, supplier.pk, product.is_compliant): 1}
    assert_counts_are_fresh()

    services.product_withdraw(product=product, actor=supplier_editor, reason="Discontinued")
    assert kept_vocabulary() == {} and kept_facets() == {}
    assert_counts_are_fresh()


def test_counts_follow_bulk_writes_and_compliance(laptops, phones):
    aldgate = SupplierFactory(slug="aldgate")
    products = [
        ProductFactory(name=f"Rugged laptop {n}", category=laptops, is_compliant=n % 2 == 0)
        for n in range(6)
    ]
    Product.objects.bulk_create(
        [
            Product(
                supplier=aldgate,
                sku=f"BULK-{n}",
                status=ProductStatus.PUBLISHED,
                name=f"Guardian smartphone {n}",
                summary="Managed phone",
                category=phones,
                list_price="100.00",
                lead_time_days=5,
            )
            for n in range(4)
        ]
    )
    assert_counts_are_fresh()

    compliance.refresh([p.pk for p in products])  # an UPDATE of many rows
    Product.objects.filter(supplier=aldgate).update(category=laptops)
    Product.objects.filter(pk=products[0].pk).update(status=ProductStatus.WITHDRAWN)
    refresh_search_vectors()  # touches every row, changes no counted column
    assert_counts_are_fresh()

    Product.objects.filter(pk=products[1].pk).delete()
    assert_counts_are_fresh()
    assert kept_vocabulary()["smartphone"] == 4


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"category": "computers"},
        {"category": "phones"},
        {"supplier": "aldgate"},
        {"compliant": True},
        {"compliant": False, "category": "laptops"},
    ],
)
def test_facets_from_the_kept_counts_equal_counted_facets(laptops, phones, params):
    aldgate = SupplierFactory(slug="aldgate")
    for n in range(5):
        ProductFactory(name=f"Rugged laptop {n}", category=laptops, is_compliant=n < 2)
        ProductFactory(name=f"Smartphone {n}", category=phones, supplier=aldgate)
    ProductFactory(name="Draft phone", category=phones, status=ProductStatus.DRAFT)
    tree = CategoryTree.load()
    given = dict(params)
    if "category" in given:
        given["category"] = tree.find(given["category"])
    if "supplier" in given:
        given["supplier"] = aldgate
    search_params = SearchParams(**given)
    queryset = search.apply(search.published(Product.objects.all()), search_params, tree=tree)

    kept = search.facet_counts(queryset, tree, search_params, published_only=True)
    counted = search.facet_counts(queryset, tree, search_params)

    assert kept == counted
    assert sum(f.count for f in kept["categories"]) == queryset.count()
