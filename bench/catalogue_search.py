"""Benchmark: catalogue search through the API, and the raw SQL of the same requests.

Needs PostgreSQL filled by ``manage.py catalogue_bench_data`` (see docs/performance.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_catalogue_bench \\
        .venv/bin/python bench/catalogue_search.py --requests 300

Each request is ``GET /api/v1/products/?q=<word>&<filter>&<filter>`` with a buyer's
token, through Django's test client (the whole stack: authentication, permissions,
filtering, pagination, serialisation; no network). The requests vary the word and the
two filters. Then each request's SQL (captured from a run of the same request) is
executed directly with a cursor and timed. Prints median and 95th percentile of both,
and their ratio.
"""

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-7c1e9a4f")
os.environ.setdefault("AXES_ENABLED", "false")

warnings.filterwarnings("ignore", message="No directory at")  # STATIC_ROOT is not built here

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import Membership, Role  # noqa: E402
from accounts.services.tokens import api_token_issue  # noqa: E402
from catalogue.management.commands.catalogue_bench_data import KINDS, NOUNS, kind_of  # noqa: E402
from catalogue.models import Product, ProductStatus  # noqa: E402
from catalogue.selectors.category_tree import CategoryTree  # noqa: E402

TARGET_MEDIAN_MS = 40
TARGET_P95_MS = 80


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def requests_for(count: int, rng: random.Random, *, sort: bool = False) -> list[dict]:
    """Varied searches as a buyer would make them: a word from one category's vocabulary
    (a noun or an adjective) and two different filters; the category filter is mostly that
    category or one above it. In order of relevance, or with ``sort`` by price, newest or
    name."""
    tree = CategoryTree.load()
    by_cpv = {c.cpv_code: c for c in tree.by_id.values()}
    cpvs = [cpv for cpv in NOUNS if cpv in by_cpv]
    suppliers = list(
        Product.objects.filter(status=ProductStatus.PUBLISHED)
        .values_list("supplier__slug", flat=True)
        .distinct()
    )

    def category_for(cpv: str) -> dict:
        if rng.random() < 0.3:
            category = rng.choice(list(by_cpv.values()))
        else:
            category = by_cpv[cpv]
            ancestors = tree.ancestors(category.pk)
            if ancestors and rng.random() < 0.5:
                category = rng.choice(ancestors)
        return {"category": rng.choice([category.slug, category.cpv_code])}

    filters = {
        "category": category_for,
        "supplier": lambda cpv: {"supplier": rng.choice(suppliers)},
        "compliant": lambda cpv: {"compliant": "true"},
        "max_price": lambda cpv: {
            "max_price": str(rng.choice([100, 250, 500, 1000, 2500])),
            "quantity": str(rng.choice([1, 10, 50, 250])),
        },
        "standard": lambda cpv: {
            "standard": rng.choice(["NC-SEC-001", "NC-IDM-001", "NC-NET-001"])
        },
    }
    names = list(filters)
    chosen = []
    for _ in range(count):
        cpv = rng.choice(cpvs)
        adjectives, _ = KINDS[kind_of(cpv)]
        params = {"q": rng.choice(NOUNS[cpv] + adjectives)}
        for name in rng.sample(names, 2):
            params.update(filters[name](cpv))
        if sort:
            params["ordering"] = rng.choice(["price", "-price", "newest", "name"])
        chosen.append(params)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--sort",
        action="store_true",
        help="Sort each search by price, newest or name instead of relevance.",
    )
    parser.add_argument(
        "--slowest", type=int, default=0, help="Also print the N slowest requests and their SQL."
    )
    arguments = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL.")
    published = Product.objects.filter(status=ProductStatus.PUBLISHED).count()
    setup_test_environment()
    settings.SECURE_SSL_REDIRECT = False
    settings.DEBUG = False

    buyer = Membership.objects.filter(role=Role.BUYER).select_related("user").first()
    if buyer is None:
        sys.exit("No buyer: run `python manage.py seed_demo --force` first.")
    issued = api_token_issue(user=buyer.user, client="catalogue search benchmark")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")

    rng = random.Random(arguments.seed)  # noqa: S311 (benchmark inputs)
    warmup = requests_for(arguments.warmup, rng, sort=arguments.sort)
    measured = requests_for(arguments.requests, rng, sort=arguments.sort)

    for params in warmup:
        client.get("/api/v1/products/", params)

    api_ms: list[float] = []
    results: list[int] = []
    for params in measured:
        started = time.perf_counter()
        response = client.get("/api/v1/products/", params)
        api_ms.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"{params} -> {response.status_code}: {response.content[:300]!r}")
        results.append(response.json()["count"])

    sql_ms: list[float] = []
    queries_per_request: list[int] = []
    per_statement: list[list[tuple[float, str]]] = []
    for params in measured:
        with CaptureQueriesContext(connection) as captured:
            client.get("/api/v1/products/", params)
        statements = [q["sql"] for q in captured.captured_queries if "catalogue_" in q["sql"]]
        queries_per_request.append(len(captured.captured_queries))
        timings = []
        with connection.cursor() as cursor:
            for sql in statements:
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                timings.append(((time.perf_counter() - started) * 1000, sql))
        sql_ms.append(sum(t for t, _ in timings))
        per_statement.append(timings)

    api_median, api_p95 = statistics.median(api_ms), percentile(api_ms, 0.95)
    sql_median, sql_p95 = statistics.median(sql_ms), percentile(sql_ms, 0.95)
    print(f"Catalogue search benchmark: {published:,} published products, PostgreSQL")
    print(
        f"{len(measured)} requests (after {len(warmup)} warm-up): a query word and two filters, "
        f"{'sorted by price, newest or name' if arguments.sort else 'by relevance'}; "
        f"matches per request: median {statistics.median(results):,.0f}, "
        f"p95 {percentile(results, 0.95):,}, max {max(results):,} (counts stop at 1,000)"
    )
    print(
        f"SQL queries per request: {min(queries_per_request)} to {max(queries_per_request)} "
        "(including authentication)"
    )
    print(f"API  median {api_median:7.2f} ms   p95 {api_p95:7.2f} ms   max {max(api_ms):7.2f} ms")
    print(f"SQL  median {sql_median:7.2f} ms   p95 {sql_p95:7.2f} ms   max {max(sql_ms):7.2f} ms")
    print(f"API/SQL  median {api_median / sql_median:5.2f}   p95 {api_p95 / sql_p95:5.2f}")
    if arguments.slowest:
        order = sorted(range(len(measured)), key=lambda i: -api_ms[i])[: arguments.slowest]
        for index in order:
            print(f"\n{api_ms[index]:.1f} ms API, {results[index]:,} matches: {measured[index]}")
            for took, sql in per_statement[index]:
                print(f"  {took:7.2f} ms  {sql[:600]}")
    met = api_median < TARGET_MEDIAN_MS and api_p95 < TARGET_P95_MS
    print(
        f"Targets (median < {TARGET_MEDIAN_MS} ms, p95 < {TARGET_P95_MS} ms): "
        f"{'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
