"""Benchmarks of contract documents (issue 5). Prints its figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_documents \\
        REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/documents.py

It creates a fresh database (test_<name>), awards a joint requisition of 44 forces through
the services, and:
1. renders the call-off contract (44 forces, several pages) --renders times with WeasyPrint
   in this process: median, spread, pages and pages per second;
2. with REDIS_URL set, starts one Celery worker with 2 prefork processes on a queue of its
   own, awards a second such requisition and times award to every document done, against
   the sum of the documents' own render times divided by the 2 processes.
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-7c1e9a4f")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from config.celery import ping  # noqa: E402
from procurement import services  # noqa: E402
from procurement.models import DocumentStatus  # noqa: E402
from procurement.presentation.rendering import render_pdf  # noqa: E402
from procurement.services import documents as document_services  # noqa: E402

FORCES = 44


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {message}")


def awarded_order(label: str):
    """A requisition of 44 forces taken through the services to award."""
    # Imported here, after main() has set PASSWORD_HASHERS: tests.factories hashes its
    # password at import time, and Django caches the hashers it used.
    from tests.factories import (
        ForceFactory,
        ICTCompanyFactory,
        SupplierFactory,
        compliant_product,
        member,
    )

    ict_company = ICTCompanyFactory()
    commercial = member(Role.COMMERCIAL_LEAD, ict_company, email=f"commercial-{label}@ict.example")
    forces, buyers, approvers = [], [], []
    for i in range(FORCES):
        force = ForceFactory(slug=f"{label}-{i:02d}", name=f"{label.title()} Police Force {i:02d}")
        forces.append(force)
        buyers.append(member(Role.BUYER, force, email=f"buyer@{label}-{i:02d}.example"))
        approvers.append(
            member(
                Role.FINANCE,
                force,
                email=f"finance@{label}-{i:02d}.example",
                approval_limit=Decimal("10000000.00"),
            )
        )
    product = compliant_product(supplier=SupplierFactory(), name=f"Bench laptop {label}")
    requisition = services.requisition_start(
        user=buyers[0],
        force=forces[0],
        product=product,
        closes_at=timezone.now() + datetime.timedelta(days=1),
        quantity=5,
        delivery_address=f"{forces[0].name} Stores\nHeadquarters Road\nAB1 2CD",
        cost_centre="CC-0000",
    )
    for i in range(1, FORCES):
        services.participation_join(
            requisition=requisition,
            user=buyers[i],
            force=forces[i],
            quantity=5 + i,
            delivery_address=f"{forces[i].name} Stores\nHeadquarters Road\nAB{i} 2CD",
            cost_centre=f"CC-{i:04d}",
        )
    services.requisition_close(requisition=requisition, user=buyers[0])
    for participation, approver in zip(
        requisition.participations.order_by("force__slug"), approvers, strict=True
    ):
        services.participation_approve(participation=participation, approver=approver)
    requisition.refresh_from_db()
    if requisition.needs_sign_off:
        services.requisition_sign_off(requisition=requisition, user=commercial)
    return requisition, commercial


def bench_render(renders: int) -> float:
    requisition, commercial = awarded_order("render")
    order = _award(requisition, commercial)
    contract = order.documents.get(kind="contract")
    times, pages = [], None
    for _ in range(renders):
        start = time.perf_counter()
        pdf = render_pdf(document_services.TEMPLATES["contract"], {"doc": contract.snapshot})
        times.append(time.perf_counter() - start)
        pages = pdf.page_count
    median = statistics.median(times)
    print(f"call-off contract, {FORCES} forces, {renders} renders in this process:")
    print(
        f"  median {median * 1000:.0f} ms, min {min(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms; {pages} pages, {pages / median:.1f} pages/s"
    )
    return median


def _award(requisition, commercial):
    """Award with tasks queued but not run (no worker listens to this broker)."""
    return services.requisition_award(requisition=requisition, user=commercial)


def database_url() -> str:
    data = connection.settings_dict
    user = quote(data.get("USER") or "")
    password = quote(data.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return (
        f"postgres://{credentials}{data.get('HOST') or '127.0.0.1'}:"
        f"{data.get('PORT') or 5432}/{data['NAME']}"
    )


def bench_award_to_done(media_root: Path) -> None:
    queue = f"bench-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "MEDIA_ROOT": str(media_root),
    }
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "-Q",
            queue,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={queue}@%h",
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        celery_app.conf.task_default_queue = queue
        celery_app.conf.task_always_eager = False
        ping.apply_async(queue=queue).get(timeout=60)  # the worker is up
        requisition, commercial = awarded_order("award")
        start = time.perf_counter()
        order = services.requisition_award(requisition=requisition, user=commercial)
        deadline = time.monotonic() + 300
        while order.documents.exclude(status=DocumentStatus.DONE).exists():
            check(time.monotonic() < deadline, "documents were not done within 5 minutes")
            check(not order.documents.filter(status=DocumentStatus.FAILED).exists(), "a failure")
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        documents = list(order.documents.all())
        render_sum = sum((d.finished_at - d.started_at).total_seconds() for d in documents)
        ideal = render_sum / 2
        print(f"award to every document done, {len(documents)} documents, 1 worker x 2 processes:")
        print(
            f"  {elapsed:.2f} s; sum of render times {render_sum:.2f} s, / 2 processes = "
            f"{ideal:.2f} s; ratio {elapsed / ideal:.2f} (target at most 1.5)"
        )
        order.refresh_from_db()
        check(order.status == "contracted", "the order is contracted")
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=10)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run this against PostgreSQL: workers share the database.")
    # Tasks and e-mails are queued after commit, as a request would queue them.
    celery_app.conf.task_always_eager = False
    settings.TASKS_IN_PROCESS = False  # queued on the broker, not run on a background thread
    if not settings.REDIS_URL:
        celery_app.conf.broker_url = "memory://localhost/"
        celery_app.conf.result_backend = None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    media_root = Path(settings.MEDIA_ROOT) / f"bench-{uuid.uuid4().hex[:8]}"
    media_root.mkdir(parents=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media_root)},
        },
    }
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        unconsumed = f"bench-unconsumed-{uuid.uuid4().hex[:8]}"
        if settings.REDIS_URL:
            # Keep the render benchmark's queued tasks away from any worker.
            celery_app.conf.task_default_queue = unconsumed
        bench_render(args.renders)
        if settings.REDIS_URL:
            with celery_app.connection_for_write() as broker:
                broker.default_channel.queue_purge(unconsumed)
        if settings.REDIS_URL:
            bench_award_to_done(media_root)
        else:
            print("award to done: skipped (set REDIS_URL to run it with real workers)")
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
