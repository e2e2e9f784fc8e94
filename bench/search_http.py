"""Benchmark: catalogue search over HTTP through gunicorn, as in production, and its raw SQL.

Needs a PostgreSQL database filled with the demo and `catalogue_bench_data`
(docs/performance.md, "Search at 100,000 and 1,000,000 products over HTTP"):

    .venv/bin/python bench/search_http.py --database nc_search_100k --requests 400

It starts gunicorn (2 workers, config/gunicorn.py) on the database with the production
settings as tests/production/stack.py runs them: DEBUG off, a strong random key, the
manifest static files (collected once into --static-root), plain http on 127.0.0.1 only
through SECURE_SSL_REDIRECT and the secure-cookie flags; no Redis (the cache is per process).
It signs in as a demo buyer (the sign-in page for the HTML pages, an API token for the
API) and sends the requests one after another with `requests`, each to the JSON API
(`/api/v1/products/`) and the HTML page with its facets (`/catalogue/`): single words,
two-word phrases, misspellings ("did you mean"), a word that matches nothing, words with
filters, sorted, page 2, and the landing page with no query. It prints the 50th and 95th
percentiles and the maximum per kind, per surface and overall.

Then the same requests run in this process through Django's test client, their SQL is
captured, and each SELECT is executed again with a cursor and timed: the request's raw SQL
time. "HTTP/SQL" is each request's time over its own SQL time (the median of the ratios).
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.production.stack import Stack, free_port, postgres_server_url  # noqa: E402

API = "/api/v1/products/"
PAGE = "/catalogue/"
BUYER = "buyer@lancashire.police.example"
PASSWORD = "network-code-demo"  # noqa: S105 (seed_demo's documented demo password)
TARGETS = {"api": 80.0, "page": 150.0}  # p95, ms (issue 11, at 100,000 products)
TYPOS = ["lapotp", "camra", "rugedd", "smartfone", "routr", "firewal", "tablte", "moniter"]
NO_MATCH = ["xylophone", "zqvwx", "submarine periscope"]
KINDS = ["word", "phrase", "typo", "no match", "filters", "sorted", "page 2", "landing"]
# Out of 20 requests to each surface: how many of each kind.
MIX = {
    "word": 4,
    "phrase": 3,
    "typo": 2,
    "no match": 1,
    "filters": 4,
    "sorted": 2,
    "page 2": 2,
    "landing": 2,
}


@dataclass
class Request:
    surface: str  # "api" or "page"
    kind: str
    params: dict
    http_ms: float = 0.0
    sql_ms: float = 0.0
    queries: int = 0
    count: str = ""
    statements: list[tuple[float, str]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return API if self.surface == "api" else PAGE


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def mix(count: int, rng: random.Random, vocabulary: dict) -> list[Request]:
    """`count` requests, half to each surface, kinds in the proportions of MIX, shuffled."""
    kinds = [kind for kind, n in MIX.items() for _ in range(n)]
    chosen = []
    for number in range(count):
        surface = "api" if number % 2 == 0 else "page"
        kind = kinds[(number // 2) % len(kinds)]
        chosen.append(Request(surface, kind, params_for(kind, rng, vocabulary)))
    rng.shuffle(chosen)
    return chosen


def params_for(kind: str, rng: random.Random, v: dict) -> dict:
    cpv = rng.choice(list(v["nouns"]))
    noun = rng.choice(v["nouns"][cpv])
    adjective = rng.choice(v["adjectives"][cpv])
    word = rng.choice([noun, noun, adjective, rng.choice(v["brands"])])
    if kind == "word":
        return {"q": word}
    if kind == "phrase":
        return {"q": f"{adjective} {noun}"}
    if kind == "typo":
        return {"q": rng.choice(TYPOS)}
    if kind == "no match":
        return {"q": rng.choice(NO_MATCH)}
    if kind == "filters":
        filters = [
            {"category": rng.choice([v["category"][cpv], cpv])},
            {"supplier": rng.choice(v["suppliers"])},
            {"compliant": "true"},
            {"max_price": str(rng.choice([100, 250, 500, 1000])), "quantity": "10"},
            {"standard": rng.choice(["NC-SEC-001", "NC-IDM-001", "NC-NET-001"])},
        ]
        params = {"q": word}
        for extra in rng.sample(filters, 2):
            params.update(extra)
        return params
    if kind == "sorted":
        return {"q": word, "ordering": rng.choice(["price", "-price", "newest", "name"])}
    if kind == "page 2":
        return {"q": rng.choice([noun, adjective]), "page": "2"}
    return {}  # landing: the catalogue with no query


def vocabulary() -> dict:
    from catalogue.management.commands.catalogue_bench_data import (  # after setup in main()
        BRANDS,
        NOUNS,
        kind_of,
    )
    from catalogue.management.commands.catalogue_bench_data import (  # after setup in main()
        KINDS as PRODUCT_KINDS,
    )
    from catalogue.models import Category, Product  # after setup in main()
    from catalogue.selectors.search import published  # after setup in main()

    slugs = dict(Category.objects.values_list("cpv_code", "slug"))
    nouns = {cpv: words for cpv, words in NOUNS.items() if cpv in slugs}
    suppliers = list(
        published(Product.objects.all())
        .order_by()
        .values_list("supplier__slug", flat=True)
        .distinct()
    )
    return {
        "nouns": nouns,
        "adjectives": {cpv: PRODUCT_KINDS[kind_of(cpv)][0] for cpv in nouns},
        "category": {cpv: slugs[cpv] for cpv in nouns},
        "brands": [b.lower() for b in BRANDS[:20]],
        "suppliers": suppliers,
    }


def sign_in(base: str) -> tuple[requests.Session, requests.Session]:
    pages = requests.Session()
    pages.get(f"{base}/accounts/sign-in/").raise_for_status()
    response = pages.post(
        f"{base}/accounts/sign-in/",
        data={
            "username": BUYER,
            "password": PASSWORD,
            "csrfmiddlewaretoken": pages.cookies["csrftoken"],
            "next": "/",
        },
        headers={"Referer": f"{base}/accounts/sign-in/"},
        allow_redirects=False,
    )
    if response.status_code != 302:
        sys.exit(f"Signing in failed: {response.status_code} {response.text[:300]}")
    api = requests.Session()
    response = api.post(
        f"{base}/api/v1/auth/token/",
        json={"email": BUYER, "password": PASSWORD, "client": "search benchmark"},
    )
    response.raise_for_status()
    api.headers["Authorization"] = f"Token {response.json()['token']}"
    return pages, api


COUNT_IN_PAGE = re.compile(r"(More than [\d,]+|[\d,]+) products?")


def timed_http(base: str, sessions: dict, request: Request) -> None:
    started = time.perf_counter()
    response = sessions[request.surface].get(f"{base}{request.path}", params=request.params)
    request.http_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        sys.exit(f"{request.surface} {request.params} -> {response.status_code}")
    if request.surface == "api":
        data = response.json()
        request.count = f"{data['count']}{'' if data['count_is_exact'] else '+'} {data['match']}"
    else:
        found = COUNT_IN_PAGE.search(response.text)
        request.count = found.group(1) if found else "?"


def timed_sql(requests_: list[Request], buyer_token: str) -> None:
    """Each request through the test client with its queries captured, then each SELECT
    executed again and timed."""
    from django.contrib.auth import get_user_model  # after setup in main()
    from django.db import connection  # after setup in main()
    from django.test import Client  # after setup in main()
    from django.test.utils import (  # after setup in main()
        CaptureQueriesContext,
        setup_test_environment,
    )

    setup_test_environment()
    user = get_user_model().objects.get(email=BUYER)
    clients = {"api": Client(HTTP_AUTHORIZATION=f"Token {buyer_token}"), "page": Client()}
    clients["page"].force_login(user)
    for request in requests_:
        with CaptureQueriesContext(connection) as captured:
            response = clients[request.surface].get(request.path, request.params)
        if response.status_code != 200:
            sys.exit(f"test client: {request.params} -> {response.status_code}")
        request.queries = len(captured.captured_queries)
        timings = []
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                timings.append(((time.perf_counter() - started) * 1000, sql))
        request.sql_ms = sum(t for t, _ in timings)
        request.statements = timings


def report(requests_: list[Request], published: int, database: str) -> bool:
    print(
        f"Catalogue search over HTTP: {published:,} published products, database {database}, "
        f"gunicorn 2 workers, DEBUG off; {len(requests_)} requests, one at a time"
    )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = (
        f"{'surface':7} {'kind':9} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f" {'SQL p50':>8} {'SQL p95':>8} {'HTTP/SQL':>8} {'queries':>8}"
    )
    print(header)
    print("-" * len(header))

    def line(surface: str, kind: str, group: list[Request]) -> None:
        http = [r.http_ms for r in group]
        sql = [r.sql_ms for r in group]
        ratios = [r.http_ms / r.sql_ms for r in group if r.sql_ms > 0]
        queries = sorted({r.queries for r in group})
        query_range = str(queries[0]) if len(queries) == 1 else f"{queries[0]}-{queries[-1]}"
        print(
            f"{surface:7} {kind:9} {len(group):4d} {statistics.median(http):8.1f} "
            f"{percentile(http, 0.95):8.1f} {max(http):8.1f} {statistics.median(sql):8.1f} "
            f"{percentile(sql, 0.95):8.1f} {statistics.median(ratios):8.2f} {query_range:>8}"
        )

    met = True
    for surface in ("api", "page"):
        by_kind: dict[str, list[Request]] = defaultdict(list)
        for request in requests_:
            if request.surface == surface:
                by_kind[request.kind].append(request)
        for kind in KINDS:
            if by_kind[kind]:
                line(surface, kind, by_kind[kind])
        everything = [r for r in requests_ if r.surface == surface]
        line(surface, "all", everything)
        met = met and percentile([r.http_ms for r in everything], 0.95) <= TARGETS[surface]
        print()
    line("both", "all", requests_)
    print(
        f"Targets at 100,000 products (p95: API <= {TARGETS['api']:.0f} ms, page <= "
        f"{TARGETS['page']:.0f} ms): {'met' if met else 'NOT met'}"
    )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="nc_search_100k")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--static-root",
        default="/tmp/nc_search_http/static",  # noqa: S108 (a benchmark's scratch directory)
        help="Collected static files (collectstatic runs once if missing).",
    )
    parser.add_argument("--slowest", type=int, default=0, help="Print the N slowest requests.")
    parser.add_argument("--no-sql", action="store_true", help="Skip the raw SQL timing.")
    arguments = parser.parse_args()

    server = postgres_server_url() or "postgres://postgres@127.0.0.1:5432"
    workdir = Path(arguments.static_root).parent / arguments.database
    stack = Stack(
        arguments.database,
        None,
        workdir,
        server,
        None,
        static_root=Path(arguments.static_root),
    )
    # This process runs Django with the same settings as gunicorn (for the SQL side).
    os.environ.update(stack.env())
    import django  # after setup in main()

    django.setup()
    from catalogue.models import Product, ProductStatus  # after setup in main()

    published = Product.objects.filter(status=ProductStatus.PUBLISHED).count()
    if published == 0:
        sys.exit(f"No published products in {arguments.database}: see the module docstring.")
    if not (stack.static_root / "staticfiles.json").exists():
        stack.manage("collectstatic", "--no-input")

    rng = random.Random(arguments.seed)
    words = vocabulary()
    warmup = mix(arguments.warmup, rng, words)
    measured = mix(arguments.requests, rng, words)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        stack.start_gunicorn(port, workers=arguments.workers)
        pages, api = sign_in(base)
        sessions = {"api": api, "page": pages}
        for request in warmup:
            timed_http(base, sessions, request)
        for request in measured:
            timed_http(base, sessions, request)
    finally:
        stack.stop_all()

    if not arguments.no_sql:
        timed_sql(measured, api.headers["Authorization"].split()[1])
    else:
        for request in measured:
            request.sql_ms = request.http_ms
    report(measured, published, arguments.database)
    if arguments.slowest:
        for request in sorted(measured, key=lambda r: -r.http_ms)[: arguments.slowest]:
            print(
                f"\n{request.http_ms:.1f} ms HTTP, {request.sql_ms:.1f} ms SQL, "
                f"{request.queries} queries, {request.count}: {request.surface} {request.params}"
            )
            for took, sql in sorted(request.statements, reverse=True)[:4]:
                print(f"  {took:7.2f} ms  {sql[:400]}")


if __name__ == "__main__":
    main()
