"""Search: the same results on PostgreSQL (full text) and SQLite (containment) for whole
words; PostgreSQL-only behaviour (stemming, ranking weights, typos) is tested on its own."""

from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue import services
from catalogue.domain.pricing import unit_price_for
from catalogue.models import PriceBreak, Product
from catalogue.selectors import search
from catalogue.selectors.category_tree import CategoryTree
from catalogue.selectors.search import Ordering, SearchParams
from catalogue.services.search_index import refresh_search_vectors
from tests.catalogue.conftest import make_content
from tests.factories import (
    ConformanceFactory,
    ProductFactory,
    StandardVersionFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="PostgreSQL full-text search (stemming, ranking, trigram similarity) is not on SQLite",
)


@pytest.fixture
def shelf(laptops, phones, computers):
    """Five published products, one draft, across two suppliers and three categories."""
    brightwater = SupplierFactory(name="Brightwater Devices Ltd", slug="brightwater")
    aldgate = SupplierFactory(name="Aldgate Mobile Ltd", slug="aldgate")
    products = {
        "patrol": ProductFactory(
            supplier=brightwater,
            sku="BW-0101",
            name="Patrol rugged laptop",
            summary="Fully rugged notebook for vehicles",
            description="Sealed against dust and water, with a hot-swap battery.",
            category=laptops,
            list_price=Decimal("2000.00"),
            breaks=[(1, "2000.00"), (10, "1800.00"), (100, "1500.00")],
        ),
        "office": ProductFactory(
            supplier=brightwater,
            sku="BW-0301",
            name="Office laptop",
            summary="Business notebook",
            description="A slim machine for the back office; not rugged.",
            category=laptops,
            list_price=Decimal("900.00"),
            breaks=[(1, "900.00")],
        ),
        "monitor": ProductFactory(
            supplier=brightwater,
            sku="BW-0801",
            name="Widescreen monitor",
            summary="27-inch display",
            description="Height adjustable.",
            category=computers,
            list_price=Decimal("300.00"),
            breaks=[(1, "300.00"), (50, "250.00")],
            is_compliant=False,
        ),
        "phone": ProductFactory(
            supplier=aldgate,
            sku="AM-0101",
            name="Guardian smartphone",
            summary="Managed 5G phone",
            description="Android with a hardware key store.",
            category=phones,
            list_price=Decimal("500.00"),
            breaks=[(1, "500.00"), (10, "450.00")],
        ),
        "rugged_phone": ProductFactory(
            supplier=aldgate,
            sku="AM-0201",
            name="Guardian Rugged smartphone",
            summary="Rugged 5G phone with emergency key",
            description="Drop-tested to two metres.",
            category=phones,
            list_price=Decimal("700.00"),
            breaks=[(1, "700.00")],
        ),
        "draft": ProductFactory(
            supplier=aldgate,
            sku="AM-9999",
            name="Unreleased rugged laptop",
            status="draft",
            category=laptops,
            published_at=None,
        ),
    }
    refresh_search_vectors()
    return products


def find(shelf, **params) -> list[str]:
    """The keys of the shelf's products that the search returns, in order."""
    names = {p.pk: key for key, p in shelf.items()}
    queryset = search.apply(search.published(Product.objects.all()), SearchParams(**params))
    return [names[pk] for pk in queryset.values_list("pk", flat=True)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("smartphone", {"phone", "rugged_phone"}),  # name
        ("notebook", {"patrol", "office"}),  # summary
        ("sealed", {"patrol"}),  # description
        ("aldgate", {"phone", "rugged_phone"}),  # supplier name
        ("BW-0301", {"office"}),  # SKU
        ("bw-0301", {"office"}),  # case does not matter
        ("32250000-0", {"phone", "rugged_phone"}),  # CPV code
        ("32250000", {"phone", "rugged_phone"}),  # CPV code without its check digit
        ("rugged", {"patrol", "office", "rugged_phone"}),  # the draft is not found
        ("rugged laptop", {"patrol", "office"}),  # every word must match
        ("RUGGED Guardian", {"rugged_phone"}),
        ("guard", {"phone", "rugged_phone"}),  # a word's beginning
        ("toaster", set()),
        ("!!! ???", {"patrol", "office", "monitor", "phone", "rugged_phone"}),  # no words
    ],
)
def test_search_finds_the_same_products_on_every_database(shelf, query, expected):
    assert set(find(shelf, q=query)) == expected


def test_words_in_the_name_rank_above_words_in_the_description(shelf):
    assert find(shelf, q="rugged", ordering=Ordering.RELEVANCE)[:2] in (
        ["patrol", "rugged_phone"],
        ["rugged_phone", "patrol"],
    )
    assert find(shelf, q="rugged")[-1] == "office"  # only in its description


def test_category_filter_includes_subcategories(shelf, computers, laptops):
    assert set(find(shelf, category=laptops)) == {"patrol", "office"}
    assert set(find(shelf, category=computers)) == {"patrol", "office", "monitor"}


def test_supplier_compliance_and_combined_filters(shelf):
    aldgate = shelf["phone"].supplier
    assert set(find(shelf, supplier=aldgate)) == {"phone", "rugged_phone"}
    assert set(find(shelf, compliant=False)) == {"monitor"}
    assert set(find(shelf, q="rugged", supplier=aldgate, compliant=True)) == {"rugged_phone"}


def test_standard_filter_counts_only_verified_conformance(shelf):
    version = StandardVersionFactory(standard__reference="NC-SEC-001")
    ConformanceFactory(product=shelf["patrol"], standard_version=version, status="verified")
    ConformanceFactory(product=shelf["phone"], standard_version=version, status="claimed")
    ConformanceFactory(product=shelf["office"], standard_version=version, status="lapsed")

    assert find(shelf, standard=version.standard) == ["patrol"]


def test_the_price_ceiling_applies_at_the_quantity(shelf):
    ceiling = Decimal("1800.00")
    assert "patrol" not in find(shelf, max_price=ceiling)
    assert "patrol" not in find(shelf, max_price=ceiling, quantity=9)
    assert "patrol" in find(shelf, max_price=ceiling, quantity=10)
    assert set(find(shelf, max_price=Decimal("450.00"), quantity=10)) == {"monitor", "phone"}


def test_sorting_by_price_uses_the_price_at_the_quantity(shelf):
    assert find(shelf, ordering=Ordering.PRICE) == [
        "monitor",
        "phone",
        "rugged_phone",
        "office",
        "patrol",
    ]
    assert find(shelf, ordering=Ordering.PRICE_DESC)[0] == "patrol"
    # At 100 units the patrol laptop (1,500.00) is cheaper than... still the dearest;
    # at 10 units the phone (450.00) undercuts nothing but stays second.
    assert find(shelf, ordering=Ordering.PRICE, quantity=10)[:2] == ["monitor", "phone"]


def test_without_words_results_are_in_name_order(shelf):
    assert find(shelf) == ["rugged_phone", "phone", "office", "patrol", "monitor"]


def test_facets_count_matching_products_by_category_and_supplier(shelf, laptops, phones):
    queryset = search.apply(search.published(Product.objects.all()), SearchParams(q="rugged"))

    facets = search.facet_counts(queryset, CategoryTree.load())

    assert [(f.key, f.count) for f in facets["categories"]] == [("laptops", 2), ("phones", 1)]
    assert [(f.key, f.count) for f in facets["suppliers"]] == [("brightwater", 2), ("aldgate", 1)]


def test_query_words_are_letters_and_digits_with_inner_punctuation():
    assert search.query_words("  Rugged,  LAPTOP!! 30213100-6 & ('x:*') rugged ") == [
        "rugged",
        "laptop",
        "30213100-6",
        "x",
    ]
    assert len(search.query_words(" ".join(f"w{n}" for n in range(20)))) == search.MAX_QUERY_WORDS


def test_operators_in_a_query_cannot_break_the_search(shelf):
    # Only the words count: "laptop" and "office", both required.
    assert set(find(shelf, q="laptop:* | !office & (")) == {"office"}


# The published content only: what buyers see.


def test_search_covers_the_published_content_not_a_pending_revision(
    published, supplier_editor, catalogue_manager, laptops
):
    services.product_update(
        product=published,
        actor=supplier_editor,
        content=make_content(
            laptops, name="Toughbook Xtreme", summary="Tough", description="For the road."
        ),
    )
    services.product_submit(product=published, actor=supplier_editor)
    base = search.published(Product.objects.all())

    assert search.apply(base, SearchParams(q="toughbook")).count() == 0
    assert search.apply(base, SearchParams(q="rugged")).count() == 1

    services.product_approve(product=published, actor=catalogue_manager)

    assert search.apply(base, SearchParams(q="toughbook")).count() == 1
    assert search.apply(base, SearchParams(q="rugged")).count() == 0


# PostgreSQL only.


@postgres_only
def test_postgres_stems_words(shelf):
    assert set(find(shelf, q="laptops")) == {"patrol", "office"}
    assert set(find(shelf, q="smartphones")) == {"phone", "rugged_phone"}


@postgres_only
def test_postgres_keeps_the_search_vector_with_weights(shelf):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM catalogue_product WHERE id = %s", [shelf["patrol"].pk]
        )
        vector = cursor.fetchone()[0]
    assert "'patrol':1A" in vector
    assert "'brightwat':" in vector and "C" in vector.split("'brightwat':")[1].split(" ")[0]
    assert "'30213100'" in vector


@postgres_only
def test_postgres_ranks_a_name_match_above_a_description_match(shelf):
    assert find(shelf, q="rugged", ordering=Ordering.RELEVANCE)[-1] == "office"
    assert find(shelf, q="notebook", ordering=Ordering.RELEVANCE) in (
        ["office", "patrol"],
        ["patrol", "office"],
    )


@postgres_only
def test_postgres_finds_near_misses_by_trigram_similarity(shelf):
    assert find(shelf, q="smartfone") == []
    queryset = search.apply(
        search.published(Product.objects.all()), SearchParams(q="smartfone"), similar=True
    )
    names = {p.pk: key for key, p in shelf.items()}
    assert {names[pk] for pk in queryset.values_list("pk", flat=True)} == {
        "phone",
        "rugged_phone",
    }


@postgres_only
@pytest.mark.parametrize(
    ("words", "corrected"),
    [
        (["smartfone"], ["smartphone"]),
        (["lapotp"], ["laptop"]),
        (["rugedd", "lapotp"], ["rugged", "laptop"]),
        (["rugged", "lapotp"], ["rugged", "laptop"]),  # known words are kept
        (["guard", "notebok"], ["guard", "notebook"]),  # a known word's beginning is known
        (["xylophone"], None),  # nothing near enough that starts with the same letter
        (["unreleased"], None),  # only published products' words are known
        (["bw-0301"], None),  # SKUs and codes are not corrected
    ],
)
def test_postgres_did_you_mean_corrects_unknown_words_from_the_vocabulary(shelf, words, corrected):
    assert search.did_you_mean(words) == corrected


# The price rule in SQL agrees with catalogue.domain.pricing.


breaks_strategy = st.lists(
    st.tuples(st.integers(min_value=2, max_value=500), st.integers(min_value=1, max_value=50)),
    max_size=5,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=breaks_strategy,
    quantity=st.integers(min_value=1, max_value=3000),
    ceiling=st.integers(min_value=1, max_value=20000),
)
def test_sql_price_at_quantity_agrees_with_the_pricing_rule(laptops, steps, quantity, ceiling):
    # Valid breaks: quantities strictly increase, prices never rise.
    price = Decimal("10000.00")
    tiers = [(1, price)]
    minimum = 1
    for gap, cut in steps:
        minimum += gap
        price = max(Decimal("0.01"), price - Decimal(cut))
        tiers.append((minimum, price))
    product = ProductFactory(category=laptops, list_price=tiers[0][1], breaks=tiers)
    breaks = list(PriceBreak.objects.filter(product=product))
    expected = unit_price_for(breaks, quantity)

    row = Product.objects.filter(pk=product.pk).annotate(
        at=search.unit_price_at(quantity), under=search.price_at_most(quantity, Decimal(ceiling))
    )
    at, under = row.values_list("at", "under").get()

    assert Decimal(at) == expected
    assert bool(under) == (expected <= Decimal(ceiling))
