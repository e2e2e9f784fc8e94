"""Load test (issue 11): bench/locustfile.py's mixed workload against the production
configuration, headless, at each number of users for a fixed time. Prints its figures.

    .venv/bin/python bench/load_test.py --template nc_search_100k --users 10 50 --run-time 60

It copies the template database (the demo and `catalogue_bench_data`, see
docs/performance.md) into `nc_load` (dropped at the end), uses Redis database 12 (flushed),
and starts what production runs (tests/production/stack.py: DEBUG off, a random key, the
manifest static files): gunicorn with 2 workers and two Celery workers of one process each.
It issues API tokens for the demo's buyers, finance (the highest limit of each force), the
commercial lead and delegates, then runs Locust for each number of users, sampling the CPU
of gunicorn, the workers, PostgreSQL and Locust itself once a second: the busiest is where
the bottleneck is. Locust's CSV files are left in --workdir.
"""

import argparse
import csv
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.production.stack import (  # noqa: E402
    Stack,
    drop_database,
    flush_redis,
    free_port,
    postgres_server_url,
    redis_server_url,
)

REDIS_DB = 12

PERSONAS_CODE = r"""
import json
from django.db.models import Max
from accounts.models import Membership, Role
from accounts.services.tokens import api_token_issue
from catalogue.models import Product, ProductStatus
from standards.models import Proposal

def token(user):
    return api_token_issue(user=user, client="load test").key

members = Membership.objects.select_related("user", "organisation")
buyers = [
    {"token": token(m.user), "force": m.organisation.slug}
    for m in members.filter(role=Role.BUYER).order_by("organisation__slug")
]
finance = {}
for m in members.filter(role=Role.FINANCE).order_by("organisation__slug", "-approval_limit"):
    finance.setdefault(m.organisation.slug, token(m.user))
delegates = [token(m.user) for m in members.filter(role=Role.DELEGATE).order_by("pk")]
lead = members.get(role=Role.COMMERCIAL_LEAD).user
published = Product.objects.filter(status=ProductStatus.PUBLISHED)
cheap = list(
    published.filter(is_compliant=True, list_price__lte=50)
    .exclude(sku__startswith="BENCH-")
    .values_list("pk", flat=True)[:10]
)
products = list(published.order_by("?").values_list("pk", flat=True)[:200])
voting = [p.pk for p in Proposal.objects.all() if p.status == "voting"]
print(json.dumps({
    "buyers": buyers, "finance": finance, "delegates": delegates,
    "commercial_lead": token(lead), "cheap_products": cheap, "products": products,
    "proposal": voting[0],
}))
"""


def copy_database(server_url: str, template: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )


class CpuSampler:
    """CPU seconds used by each group of processes between start() and stop()."""

    def __init__(self, groups: dict[str, list[psutil.Process]]):
        self.groups = groups
        self.before: dict[str, float] = {}

    @staticmethod
    def _used(processes: list[psutil.Process]) -> float:
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
        return total

    def start(self) -> None:
        self.started = time.monotonic()
        self.before = {name: self._used(p) for name, p in self.groups.items()}

    def stop(self) -> dict[str, float]:
        seconds = time.monotonic() - self.started
        return {
            name: (self._used(p) - self.before[name]) / seconds * 100
            for name, p in self.groups.items()
        }


def tree(popen: subprocess.Popen) -> list[psutil.Process]:
    root = psutil.Process(popen.pid)
    return [root, *root.children(recursive=True)]


def postgres_backends(database: str) -> list[psutil.Process]:
    """The server processes of this database's connections (not other databases')."""
    return [
        p
        for p in psutil.process_iter(["name", "cmdline"])
        if p.info["name"] == "postgres" and f" {database} " in " ".join(p.info["cmdline"] or [])
    ]


def run_locust(stack, port, users, run_time, personas, workdir) -> tuple[list[dict], dict]:
    prefix = workdir / f"locust-{users}"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(PROJECT / "bench" / "locustfile.py"),
        "--headless",
        f"--users={users}",
        f"--spawn-rate={users}",
        f"--run-time={run_time}s",
        f"--host=http://127.0.0.1:{port}",
        f"--csv={prefix}",
        "--only-summary",
        "--loglevel=WARNING",
    ]
    env = {**os.environ, "LOAD_TEST_PERSONAS": str(personas)}
    log = (workdir / f"locust-{users}.log").open("w")
    locust = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    time.sleep(2)
    groups = {
        "gunicorn (2 workers)": [
            p for n in stack.processes if n.name == "web" for p in tree(n.popen)
        ],
        "Celery (2 workers)": [
            p for n in stack.processes if n.name.startswith("worker") for p in tree(n.popen)
        ],
        "PostgreSQL (this database's connections)": postgres_backends(stack.name),
    }
    sampler = CpuSampler(groups)
    sampler.start()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust.wait()  # Locust's own CPU: from its resource usage once it has exited
    cpu = sampler.stop()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (children.ru_utime - children_before.ru_utime) + (
        children.ru_stime - children_before.ru_stime
    )
    cpu["Locust"] = used / (time.monotonic() - sampler.started) * 100
    with open(f"{prefix}_stats.csv") as stats:
        rows = list(csv.DictReader(stats))
    return rows, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--template", default="nc_search_100k")
    parser.add_argument("--users", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--run-time", type=int, default=60)
    parser.add_argument(
        "--workdir",
        default="/tmp/nc_load_test",  # noqa: S108 (a benchmark's scratch directory)
    )
    parser.add_argument(
        "--static-root",
        default="/tmp/nc_search_http/static",  # noqa: S108 (shared with search_http.py)
    )
    arguments = parser.parse_args()
    server = postgres_server_url() or "postgres://postgres@127.0.0.1:5432"
    redis_server = redis_server_url() or "redis://127.0.0.1:6379"
    workdir = Path(arguments.workdir)
    stack = Stack(
        "nc_load", REDIS_DB, workdir, server, redis_server, static_root=Path(arguments.static_root)
    )
    copy_database(server, arguments.template, stack.name)
    flush_redis(stack.redis_url)
    try:
        if not (stack.static_root / "staticfiles.json").exists():
            stack.manage("collectstatic", "--no-input")
        stack.manage("migrate", "--no-input")
        personas = workdir / "personas.json"
        output = stack.manage("shell", "-c", PERSONAS_CODE).stdout
        personas.write_text(output.strip().splitlines()[-1])
        port = free_port()
        stack.start_gunicorn(port, workers=2, name="web")
        stack.start_worker("worker1")
        stack.start_worker("worker2")
        time.sleep(3)
        for users in arguments.users:
            rows, cpu = run_locust(stack, port, users, arguments.run_time, personas, workdir)
            report(users, arguments.run_time, rows, cpu)
        # The awarded documents render in the workers: wait for the last ones.
        deadline = time.monotonic() + 120
        with psycopg.connect(stack.database_url, autocommit=True) as connection:
            while True:
                documents = connection.execute(
                    "SELECT status, count(*) FROM procurement_document GROUP BY 1 ORDER BY 1"
                ).fetchall()
                if all(status in ("done", "failed") for status, _ in documents):
                    break
                if time.monotonic() > deadline:
                    break
                time.sleep(1)
        print(f"\nDocuments at the end (status, count): {documents}")
    finally:
        stack.stop_all()
        drop_database(server, stack.name)
        flush_redis(stack.redis_url)


def report(users: int, run_time: int, rows: list[dict], cpu: dict[str, float]) -> None:
    print(
        f"\n{users} users for {run_time} s (load average now "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})"
    )
    header = (
        f"{'endpoint':32} {'requests':>9} {'failures':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        name = "all" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        print(
            f"{name:32} {row['Request Count']:>9} {row['Failure Count']:>9} "
            f"{float(row['Requests/s']):7.1f} {row['50%']:>7} {row['95%']:>7}"
        )
    print("CPU (% of one core, averaged): " + ", ".join(f"{k} {v:.0f}%" for k, v in cpu.items()))


if __name__ == "__main__":
    main()
