"""Benchmarks of joint requisitions (issue 4). Prints its figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_procurement \\
        .venv/bin/python bench/requisitions.py --runs 50

It creates a fresh database (test_<name>), runs, and drops it again:
1. closing a requisition with 44 participating forces: the time of each close (median and
   spread over --runs closes) and its number of queries, which must not grow with the
   number of forces (compared with a 2-force close);
2. 44 forces joining one requisition at once from 44 threads, each with its own database
   connection, then a close: the final total must equal the sum of what was accepted.
"""

import argparse
import datetime
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-7c1e9a4f")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from core.errors import DomainError  # noqa: E402
from procurement import services  # noqa: E402

FORCES = 44


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {message}")


def setup_world():
    # Imported here, after main() has set PASSWORD_HASHERS: tests.factories hashes its
    # password at import time, and Django caches the hashers it used.
    from tests.factories import ForceFactory, SupplierFactory, compliant_product, member

    forces = [
        ForceFactory(slug=f"bench-{i:02d}", name=f"Bench Police {i:02d}") for i in range(FORCES)
    ]
    buyers = [
        member(Role.BUYER, f, email=f"buyer@bench-{i:02d}.example") for i, f in enumerate(forces)
    ]
    product = compliant_product(supplier=SupplierFactory(), name="Bench laptop")
    return forces, buyers, product


def open_with(forces, buyers, product, count):
    """A requisition with ``count`` participating forces (set-up: not timed)."""
    requisition = services.requisition_start(
        user=buyers[0],
        force=forces[0],
        product=product,
        closes_at=timezone.now() + datetime.timedelta(days=1),
        quantity=3,
        delivery_address="HQ",
        cost_centre="C0",
    )
    for index in range(1, count):
        services.participation_join(
            requisition=requisition,
            user=buyers[index],
            force=forces[index],
            quantity=index + 1,
            delivery_address=f"Stores {index}",
            cost_centre=f"C{index}",
        )
    return requisition


def bench_close(forces, buyers, product, runs):
    times, queries = [], set()
    small = open_with(forces, buyers, product, 2)
    with CaptureQueriesContext(connection) as captured:
        services.requisition_close(requisition=small, user=buyers[0])
    small_queries = len(captured)
    for _ in range(runs):
        requisition = open_with(forces, buyers, product, FORCES)
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            services.requisition_close(requisition=requisition, user=buyers[0])
            times.append((time.perf_counter() - start) * 1000)
        queries.add(len(captured))
        requisition.refresh_from_db()
        check(
            requisition.participations.filter(status="awaiting_approval").count() == FORCES,
            "every force's share is awaiting approval",
        )
        check(
            sum(p.share + p.vat for p in requisition.participations.all()) == requisition.total,
            "the shares add up to the order total",
        )
    times.sort()
    print(f"close, {FORCES} forces, {runs} runs:")
    print(
        f"  median {statistics.median(times):.1f} ms, min {times[0]:.1f} ms, "
        f"p90 {times[int(len(times) * 0.9) - 1]:.1f} ms, max {times[-1]:.1f} ms"
    )
    print(f"  queries per close: {sorted(queries)} with {FORCES} forces, {small_queries} with 2")
    check(queries == {small_queries}, "the number of queries grows with the number of forces")
    return statistics.median(times)


def bench_concurrent_joins(forces, buyers, product):
    requisition = services.requisition_start(
        user=buyers[0],
        force=forces[0],
        product=product,
        closes_at=timezone.now() + datetime.timedelta(days=1),
        quantity=1,
        delivery_address="HQ",
        cost_centre="C0",
    )
    barrier = threading.Barrier(FORCES)
    accepted: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()

    def join(index):
        quantity = 10 + index
        try:
            barrier.wait(timeout=60)
            if index == 0:  # the lead changes its quantity while the others join
                participation = requisition.participations.get(force=forces[0])
                services.participation_change(
                    participation=participation, user=buyers[0], quantity=quantity
                )
            else:
                services.participation_join(
                    requisition=requisition,
                    user=buyers[index],
                    force=forces[index],
                    quantity=quantity,
                    delivery_address="Stores",
                    cost_centre="C",
                )
            with lock:
                accepted.append(quantity)
        except DomainError as error:
            with lock:
                refused.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=join, args=(i,)) for i in range(FORCES)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = (time.perf_counter() - start) * 1000
    services.requisition_close(requisition=requisition, user=buyers[0])
    requisition.refresh_from_db()
    print(f"{FORCES} concurrent connections joining, then a close:")
    print(
        f"  {len(accepted)} accepted, {len(refused)} refused in {elapsed:.0f} ms "
        f"({elapsed / FORCES:.1f} ms per join, serialised by the requisition's row lock)"
    )
    print(
        f"  total quantity at close {requisition.total_quantity}, "
        f"sum of accepted quantities {sum(accepted)}"
    )
    check(requisition.total_quantity == sum(accepted), "a join was lost or half-counted")
    check(requisition.participations.count() == FORCES, "every force has one participation")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; the figures that matter are PostgreSQL's", file=sys.stderr)
    # E-mail tasks are queued (after commit) on an in-memory broker, as a request would
    # queue them on Redis; a worker, not the close, builds and sends them.
    celery_app.conf.task_always_eager = False
    settings.TASKS_IN_PROCESS = False  # queued on the broker, not run on a background thread
    celery_app.conf.broker_url = "memory://localhost/"
    celery_app.conf.result_backend = None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        forces, buyers, product = setup_world()
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        bench_close(forces, buyers, product, args.runs)
        bench_concurrent_joins(forces, buyers, product)
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
