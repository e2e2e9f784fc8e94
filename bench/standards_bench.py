"""Benchmark of the network code: the decision rule, votes, the tally, the impact, the
proposal page, and closing and lapsing a revision that touches many products.

Runs against a throwaway test database (``test_<name>`` of DATABASE_URL, created and
destroyed here), so it never touches real data:

    python bench/standards_bench.py --products 2000 --orders 400
"""

import argparse
import os
import statistics
import sys
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-7c1e9a4f")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalogue.models import Conformance  # noqa: E402
from catalogue.services import lapsing  # noqa: E402
from standards import selectors, services  # noqa: E402
from standards.domain import rules  # noqa: E402


@contextmanager
def timed(samples: list[float]):
    start = time.perf_counter()
    yield
    samples.append((time.perf_counter() - start) * 1000)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"benchmark check failed: {message}")


def report(name: str, samples: list[float], queries: int | None = None) -> None:
    figures = f"median {statistics.median(samples):8.2f} ms  max {max(samples):8.2f} ms"
    extra = f"  queries {queries}" if queries is not None else ""
    print(f"{name:<48} n={len(samples):<5} {figures}{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    settings.AXES_ENABLED = False
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args) -> None:
    # Imported here, after main() has set PASSWORD_HASHERS: tests.factories (which the
    # helpers import too) hashes its password at import time, and Django caches the hashers.
    from tests.factories import (
        ConformanceFactory,
        ICTCompanyFactory,
        ProductFactory,
        StandardVersionFactory,
        SupplierFactory,
        member,
    )
    from tests.standards.helpers import DAY, awarded_order, delegates, draft, to_voting

    print(f"database: {connection.vendor}; products {args.products}; orders {args.orders}")

    # The pure rule over 44 forces.
    thresholds = rules.Thresholds(Decimal("0.5"), Decimal("0.55"), Decimal("0.65"))
    ballots = [rules.Ballot(i, rules.CHOICES[i % 3], 1000 + 37 * i) for i in range(1, 45)]
    samples: list[float] = []
    for _ in range(args.repeat):
        with timed(samples):
            for _ in range(1000):
                rules.decide(thresholds=thresholds, total_forces=44, ballots=ballots)
    report("decide(), 44 forces, per 1000 calls", samples)

    # A register with many conforming products and awarded orders.
    start = time.perf_counter()
    voters = delegates(44, headcount=2500)
    forces = [v.memberships.get().organisation for v in voters]
    secretary_org = ICTCompanyFactory()
    secretary = member("standards_secretary", secretary_org, email="secretary@bench.example")
    version = StandardVersionFactory(body="## Requirement\n\nEncrypt.\n" * 20)
    suppliers = [SupplierFactory() for _ in range(20)]
    products = []
    for index in range(args.products):
        product = ProductFactory(supplier=suppliers[index % 20], breaks=[(1, "100.00")])
        ConformanceFactory(product=product, standard_version=version)
        products.append(product)
    for index in range(args.orders):
        awarded_order(
            products[index % len(products)],
            {forces[(index + k) % 44]: 5 + k for k in range(10)},
            created_by=voters[0],
        )
    print(f"set-up: {time.perf_counter() - start:.1f} s")

    proposal = to_voting(
        draft(voters[0], standard=version.standard, text="## Requirement\n\nEncrypt more."),
        secretary,
        now=timezone.now() - 2 * DAY,
    )
    samples = []
    for index, voter in enumerate(voters[:30]):
        with timed(samples):
            services.vote_cast(
                proposal=proposal, delegate=voter, choice=["for", "for", "against"][index % 3]
            )
    report("vote_cast (locks the proposal, audits)", samples)

    samples = []
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as queries, timed(samples):
            selectors.proposal_tally(proposal)
    report("proposal_tally, 30 votes", samples, len(queries))

    samples = []
    for _ in range(max(3, args.repeat // 4)):
        with CaptureQueriesContext(connection) as queries, timed(samples):
            impact = selectors.compute_impact(proposal)
    report(f"compute_impact, {impact['totals']['products']} products", samples, len(queries))

    client = Client()
    client.force_login(voters[1])
    client.get(f"/standards/proposals/{proposal.pk}/")
    samples = []
    for _ in range(max(3, args.repeat // 4)):
        with CaptureQueriesContext(connection) as queries, timed(samples):
            response = client.get(f"/standards/proposals/{proposal.pk}/")
    check(response.status_code == 200, "the proposal page did not render")
    report("proposal page (tally, diff, impact)", samples, len(queries))

    samples = []
    with timed(samples):
        closed = services.proposals_close_due(now=proposal.voting_closes_at + DAY)
    check(closed == [proposal.pk], "the vote did not close")
    report(f"close + enact revision, {args.products} conformances", samples)

    version.refresh_from_db()
    samples = []
    with timed(samples):
        lapsed = lapsing.conformance_lapse_due(now=version.transition_ends_at)
    report(f"lapse {lapsed} conformances (+ compliance)", samples)
    lapsed_rows = Conformance.objects.filter(status="lapsed").count()
    check(lapsed_rows == lapsed == args.products, "not every conformance lapsed")


if __name__ == "__main__":
    main()
