"""How long the award request takes without Redis (issue 11): before, with its documents
rendered inside the request (Celery's eager mode); after, on the background thread. Prints
its figures.

    SECRET_KEY=<a strong key> .venv/bin/python bench/award_request.py [--forces 4 12] [--runs 3]

As ``make run`` runs: a fresh SQLite file (in a temporary directory), no REDIS_URL, the
award page's POST through Django's full middleware stack (the test client). For each number
of forces and each mode it awards ``--runs`` requisitions and reports the request's median,
the time from the POST to every document done, and the median of the order page's GET
while documents render in the background (what the GIL costs other requests). With
``--processes`` it also renders the same documents in one thread and in a pool of two
processes, to compare.
"""

import argparse
import datetime
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.pop("REDIS_URL", None)  # without Redis: the point of this benchmark
os.environ.setdefault("DEBUG", "true")  # as make run
WORKDIR = None  # a temporary directory of this run's own, removed at the end
if "DATABASE_URL" not in os.environ:
    WORKDIR = Path(tempfile.mkdtemp(prefix="bench-award-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(WORKDIR / "media")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from core.background import runner  # noqa: E402
from procurement import services  # noqa: E402
from procurement.models import DocumentStatus, Order  # noqa: E402
from procurement.presentation.rendering import render_pdf  # noqa: E402
from procurement.services.documents import TEMPLATES  # noqa: E402

MODES = ("in the request (before)", "background thread (after)")


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {message}")


def approved_requisition(label: str, forces: int):
    """A requisition of ``forces`` forces taken through the services to approval."""
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
    commercial = member(Role.COMMERCIAL_LEAD, ict_company, email=f"commercial@{label}.example")
    members = []
    for i in range(forces):
        force = ForceFactory(slug=f"{label}-{i:02d}", name=f"{label.title()} Police Force {i:02d}")
        buyer = member(Role.BUYER, force, email=f"buyer@{label}-{i:02d}.example")
        approver = member(
            Role.FINANCE,
            force,
            email=f"finance@{label}-{i:02d}.example",
            approval_limit=Decimal("10000000.00"),
        )
        members.append((force, buyer, approver))
    product = compliant_product(supplier=SupplierFactory(), name=f"Bench laptop {label}")
    force, buyer, _ = members[0]
    requisition = services.requisition_start(
        user=buyer,
        force=force,
        product=product,
        closes_at=timezone.now() + datetime.timedelta(days=1),
        quantity=5,
        delivery_address=f"{force.name} Stores\nHeadquarters Road\nAB1 2CD",
        cost_centre="CC-0000",
    )
    for i, (force, buyer, _) in enumerate(members[1:], start=1):
        services.participation_join(
            requisition=requisition,
            user=buyer,
            force=force,
            quantity=5 + i,
            delivery_address=f"{force.name} Stores\nHeadquarters Road\nAB{i} 2CD",
            cost_centre=f"CC-{i:04d}",
        )
    services.requisition_close(requisition=requisition, user=members[0][1])
    approvers = {force.pk: approver for force, _, approver in members}
    for participation in requisition.participations.all():
        services.participation_approve(
            participation=participation, approver=approvers[participation.force_id]
        )
    requisition.refresh_from_db()
    if requisition.needs_sign_off:
        services.requisition_sign_off(requisition=requisition, user=commercial)
    return requisition, commercial


def award_once(label: str, forces: int, eager: bool):
    """The award POST's duration, POST to every document done, the order page's GETs
    meanwhile and afterwards."""
    requisition, commercial = approved_requisition(label, forces)
    client = Client()
    client.force_login(commercial)
    celery_app.conf.task_always_eager = eager
    start = time.perf_counter()
    response = client.post(reverse("procurement:requisition_award", args=[requisition.pk]))
    request_seconds = time.perf_counter() - start
    check(response.status_code == 302, f"award answered {response.status_code}")
    order = Order.objects.get(joint_requisition=requisition)
    page_gets = []
    deadline = time.monotonic() + 600
    next_get = time.monotonic()
    while order.documents.exclude(status=DocumentStatus.DONE).exists():
        check(not order.documents.filter(status=DocumentStatus.FAILED).exists(), "a failure")
        check(time.monotonic() < deadline, "documents were not done within 10 minutes")
        if time.monotonic() >= next_get:  # as often as the page's own poll (1.5 s)
            next_get = time.monotonic() + 1.5
            page_start = time.perf_counter()
            page = client.get(reverse("procurement:order_detail", args=[order.pk]))
            page_gets.append(time.perf_counter() - page_start)
            check(page.status_code == 200, f"order page answered {page.status_code}")
        time.sleep(0.02)
    done_seconds = time.perf_counter() - start
    check(order.documents.count() == forces + 1, "a contract and a purchase order per force")
    runner.wait_idle(timeout=60)  # e-mails and publication after the last document
    idle_gets = []
    for _ in range(5):  # the same page with nothing rendering, to compare
        page_start = time.perf_counter()
        client.get(reverse("procurement:order_detail", args=[order.pk]))
        idle_gets.append(time.perf_counter() - page_start)
    return request_seconds, done_seconds, page_gets, idle_gets


def _render(kind: str, snapshot: dict) -> int:
    return render_pdf(TEMPLATES[kind], {"doc": snapshot}).page_count


def compare_pools(forces: int) -> None:
    """The same documents rendered by one thread, then by a pool of two processes."""
    order = Order.objects.filter(lines__isnull=False).distinct().order_by("-pk")
    order = next(o for o in order if o.lines.count() == forces)
    work = [(d.kind, d.snapshot) for d in order.documents.order_by("pk")]
    start = time.perf_counter()
    pages = sum(_render(kind, snapshot) for kind, snapshot in work)
    one_thread = time.perf_counter() - start
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_render, *zip(*work, strict=True)))
    two_processes = time.perf_counter() - start
    print(
        f"  rendering its {len(work)} documents ({pages} pages): one thread {one_thread:.2f} s; "
        f"a pool of two (forked) processes {two_processes:.2f} s"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forces", type=int, nargs="+", default=[4, 12])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", action="store_true", help="Compare a process pool.")
    args = parser.parse_args()
    check(settings.TASKS_IN_PROCESS, "run without REDIS_URL")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    logging.getLogger("axes").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    print(f"database: {settings.DATABASES['default']['NAME']}; no Redis")
    rows = []
    for forces in args.forces:
        for eager in (True, False):
            results = [
                award_once(f"f{forces}-{'e' if eager else 'b'}{run}", forces, eager)
                for run in range(args.runs)
            ]
            rows.append((forces, eager, results))
    print()
    print(
        "| forces | documents | documents rendered | award request (median) | "
        "award to all documents done (median) | order page while rendering (median) | "
        "order page idle (median) |"
    )
    print("|---|---|---|---|---|---|---|")
    for forces, eager, results in rows:
        request = statistics.median(r[0] for r in results)
        done = statistics.median(r[1] for r in results)
        gets = [g for r in results for g in r[2]]
        page = f"{statistics.median(gets) * 1000:.0f} ms ({len(gets)} GETs)" if gets else "-"
        idle = statistics.median(g for r in results for g in r[3])
        print(
            f"| {forces} | {forces + 1} | {MODES[0] if eager else MODES[1]} | "
            f"{request * 1000:.0f} ms | {done:.2f} s | {page} | {idle * 1000:.0f} ms |"
        )
    if args.processes:
        print()
        for forces in args.forces:
            print(f"{forces} forces:")
            compare_pools(forces)


if __name__ == "__main__":
    try:
        main()
    finally:
        if WORKDIR is not None:
            shutil.rmtree(WORKDIR, ignore_errors=True)
