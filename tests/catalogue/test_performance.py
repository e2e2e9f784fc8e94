"""What keeps search fast: capped counts, the similarity fallback only for misspellings,
JIT off on PostgreSQL, and the benchmark's data generator."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection  # noqa: F401 (the skipif conditions use it)
from django.urls import reverse

from catalogue.domain.pricing import price_break_errors
from catalogue.models import PriceBreak, Product, ProductRevision
from catalogue.selectors import search
from catalogue.services.search_index import refresh_search_vectors
from tests.factories import ProductFactory, SupplierFactory

pytestmark = pytest.mark.django_db

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def many_laptops(laptops, supplier):
    # Search reads the SKU and the supplier's name too: the factories' defaults carry
    # sequence numbers ("SKU-00103", "Supplier 103 Ltd") that depend on how many tests ran
    # before, and matched "laptop 03" in a second product after some test files.
    for number in range(12):
        ProductFactory(
            name=f"Rugged laptop {number:02d}",
            category=laptops,
            supplier=supplier,
            sku=f"RL-{number:02d}",
        )
    refresh_search_vectors()


def test_the_api_stops_counting_at_the_limit_and_says_so(api, buyer, many_laptops, monkeypatch):
    monkeypatch.setattr(search.CappedPaginator, "count_limit", 10)

    capped = api.as_user(buyer).get("/api/v1/products/", {"q": "rugged", "page_size": 5}).json()
    exact = api.get("/api/v1/products/", {"q": "laptop 03", "page_size": 5}).json()

    assert (capped["count"], capped["count_is_exact"]) == (10, False)
    assert len(capped["results"]) == 5 and capped["next"]
    assert (exact["count"], exact["count_is_exact"]) == (1, True)


def test_the_search_page_says_more_than_when_the_count_is_capped(
    client, buyer, many_laptops, monkeypatch
):
    monkeypatch.setattr(search.CappedPaginator, "count_limit", 10)
    client.force_login(buyer)

    html = client.get(reverse("catalogue:product_list"), {"q": "rugged"}).content.decode()

    assert "More than 10 products" in html


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="trigram similarity is PostgreSQL's"
)
def test_filters_that_exclude_every_match_do_not_trigger_a_similarity_search(api, buyer, laptops):
    ProductFactory(name="Guardian smartphone", category=laptops)
    refresh_search_vectors()
    nobody = SupplierFactory(slug="nobody")

    body = (
        api.as_user(buyer)
        .get("/api/v1/products/", {"q": "smartphone", "supplier": nobody.slug})
        .json()
    )

    assert (body["count"], body["match"]) == (0, "exact")


def test_postgresql_connections_turn_jit_off_unless_asked():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default'].get('OPTIONS', {}).get('options'))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DB_JIT"}}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": ""}

    def run(**extra) -> str:
        return subprocess.run(  # noqa: S603
            [sys.executable, "-c", code],
            cwd=PROJECT_DIR,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()

    assert run(DATABASE_URL="postgres://nc@db.internal:5432/nc") == "-c jit=off"
    assert run(DATABASE_URL="postgres://nc@db.internal:5432/nc", DB_JIT="1") == "None"
    assert run(DATABASE_URL="sqlite:////tmp/x.sqlite3") == "None"


def test_the_benchmark_generator_makes_valid_published_products(demo):
    before = Product.objects.count()

    call_command("catalogue_bench_data", "--products", "40", stdout=StringIO())
    call_command("catalogue_bench_data", "--products", "40", stdout=StringIO())  # no more

    generated = Product.objects.filter(sku__startswith="BENCH-")
    assert generated.count() == 40 == Product.objects.count() - before
    assert set(generated.values_list("status", flat=True)) == {"published"}
    for product in generated.select_related("published_revision"):
        breaks = list(PriceBreak.objects.filter(product=product).order_by("min_quantity"))
        assert price_break_errors(breaks, product.list_price) == []
        assert product.published_revision.number == 1
    assert ProductRevision.objects.filter(product__in=generated).count() == 40
    assert generated.filter(is_compliant=True).exists()
    word = generated.first().name.split(" ")[1]
    found = search.apply(search.published(Product.objects.all()), search.SearchParams(q=word))
    assert found.filter(sku__startswith="BENCH-").exists()


def test_with_a_capped_count_facets_count_the_first_matches_found(
    api, buyer, client, many_laptops, monkeypatch
):
    monkeypatch.setattr(search.CappedPaginator, "count_limit", 5)
    monkeypatch.setattr(search, "COUNT_LIMIT", 5)
    client.force_login(buyer)

    body = api.as_user(buyer).get("/api/v1/products/", {"q": "rugged", "facets": "true"}).json()
    html = client.get(reverse("catalogue:product_list"), {"q": "rugged"}).content.decode()

    assert body["count_is_exact"] is False
    assert sum(f["count"] for f in body["facets"]["categories"]) == 5
    assert "Counts of the first 5 products found." in html


@pytest.mark.parametrize("ordering", ["name", "price", "-price", "newest"])
@pytest.mark.parametrize("limit", [3, 1000])
def test_sorted_searches_give_the_true_order_beyond_the_candidates(
    many_laptops, monkeypatch, ordering, limit
):
    """With more matches than the candidates (limit 3), sorting still reads every match."""
    monkeypatch.setattr(search, "COUNT_LIMIT", limit)
    everything = search.published(Product.objects.all()).filter(name__icontains="rugged")
    expected = {
        "name": everything.order_by("name", "pk"),
        "price": everything.order_by("list_price", "name", "pk"),
        "-price": everything.order_by("-list_price", "name", "pk"),
        "newest": everything.order_by("-published_at", "-created_at", "-pk"),
    }[ordering]

    found = search.apply(
        search.published(Product.objects.all()), search.SearchParams(q="rugged", ordering=ordering)
    )

    assert list(found.values_list("pk", flat=True)) == list(expected.values_list("pk", flat=True))
