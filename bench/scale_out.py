"""Several machines, shown on one (docs/operations.md, "Several machines"). Prints its figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/scale_out.py

It deploys the production configuration (tests/production/stack.py: DEBUG off, a random key,
collectstatic, its own database `nc_scale_out` and Redis database 14, dropped and flushed at
the end) with the demo data, and then runs what several machines would:
- two gunicorn instances (2 workers each) on two ports, sharing the database, Redis and one
  media directory, as two web machines behind a proxy;
- two Celery workers (1 process each) on the same queue, as two worker machines;
- two beats, of which RedBeat's lock lets one schedule.
A client keeps one cookie jar, as a browser behind a proxy does, and alternates its requests
between the two instances: it signs in on one and carries on on the other, signs off
and awards two requisitions, and follows the orders' pages until every
document is rendered. Failed token requests alternate between the instances too: the
throttle counts them in Redis, shared by both. At the end it counts documents and files and
checks each file's SHA-256: none lost, none duplicated.
"""

import argparse
import hashlib
import http.cookiejar
import re
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import psycopg

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.production.stack import (  # noqa: E402
    Stack,
    free_port,
    postgres_server_url,
    redis_server_url,
    wait_until,
)

REDIS_DB = 14
COMMERCIAL = "commercial@ictco.example"
PASSWORD = "network-code-demo"  # noqa: S105 (seed_demo's documented demo password)
AWARD = ["Smartphones for roads policing", "Laptops for the regional organised crime units"]


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {message}")


class Client:
    """One browser: one cookie jar, each request to the next instance in turn."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self.turn = 0
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )
        self.log: list[tuple[int, str, str, int, float]] = []

    def request(self, method: str, path: str, data: dict | None = None, port: int | None = None):
        port = port or self.ports[self.turn % len(self.ports)]
        self.turn += 1
        body = None
        headers = {}
        if data is not None:
            data = {"csrfmiddlewaretoken": self.csrf_token(), **data}
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        url = f"http://127.0.0.1:{port}{path}"
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        self.log.append((port, method, path, status, time.perf_counter() - started))
        return status, text

    def csrf_token(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by the client itself, on the next instance."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def error_of(page: str) -> str:
    found = re.search(r"<main.*?<h1[^>]*>(.*?)</main>", page, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip() if found else page[:500]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--beat-seconds",
        type=int,
        default=45,
        help="How long the two beats run before their sends are counted (default 45).",
    )
    arguments = parser.parse_args()
    server, redis_server = postgres_server_url(), redis_server_url()
    check(server is not None, "DATABASE_URL must point at PostgreSQL")
    check(redis_server is not None, "REDIS_URL must be set")
    workdir = Path(tempfile.mkdtemp(prefix="nc-scale-out-"))
    stack = Stack("nc_scale_out", REDIS_DB, workdir, server or "", redis_server)
    try:
        run(stack, arguments.beat_seconds)
    except BaseException:
        sys.stderr.write(stack.logs())
        raise
    finally:
        stack.destroy()


def run(stack: Stack, beat_seconds: int) -> None:
    started = time.monotonic()
    stack.create()
    stack.manage("seed_demo", "--force")
    print(f"deployed (migrate, collectstatic, seed_demo) in {time.monotonic() - started:.0f} s")
    ports = [free_port(), free_port()]
    for port in ports:
        stack.start_gunicorn(port, workers=2, name=f"web-{port}")
    workers = [stack.start_worker(name=f"worker-{n}") for n in (1, 2)]
    # The scheduled jobs every 10 seconds rather than every minute, to count their runs.
    beats = [stack.start_beat(name=f"beat-{n}", SCHEDULED_JOBS_INTERVAL="10") for n in (1, 2)]
    beats_started = time.monotonic()
    print(f"web instances on ports {ports[0]} and {ports[1]}, 2 workers, 2 beats")

    client = Client(ports)
    db = psycopg.connect(stack.database_url, autocommit=True)

    # Sign in on one instance, carry on on the other: the session is in the database.
    client.request("GET", "/accounts/sign-in/")
    status, _ = client.request(
        "POST", "/accounts/sign-in/", {"username": COMMERCIAL, "password": PASSWORD, "next": "/"}
    )
    check(status == 302, f"sign-in answered {status}")
    status, page = client.request("GET", "/requisitions/commercial/")
    check(status == 200 and "Sign out" in page, "the other instance does not know the session")
    print(f"signed in on :{client.log[1][0]}, carried on on :{client.log[2][0]}: 200")

    ids = {
        title: db.execute(
            "SELECT id FROM procurement_jointrequisition WHERE title = %s", [title]
        ).fetchone()[0]
        for title in AWARD
    }
    for title, pk in ids.items():  # both reach the procurement threshold
        status, page = client.request(
            "POST",
            f"/requisitions/{pk}/sign-off/",
            {"reasons": "Separate operational needs, checked with the forces."},
        )
        check(status == 302, f"sign-off of {title!r} answered {status}: {error_of(page)}")
    orders = []
    for title, pk in ids.items():
        status, page = client.request("POST", f"/requisitions/{pk}/award/", {})
        check(status == 302, f"award of {title!r} answered {status}: {error_of(page)}")
        orders.append(
            db.execute(
                "SELECT id FROM procurement_order WHERE joint_requisition_id = %s", [pk]
            ).fetchone()[0]
        )
    awarded_at = time.monotonic()

    # Follow the orders' pages, alternating instances, until every document is done.
    def all_done() -> bool:
        for order in orders:
            status, _ = client.request("GET", f"/requisitions/orders/{order}/")
            check(status == 200, f"the order page answered {status}")
        return (
            db.execute(
                "SELECT count(*) FROM procurement_document WHERE status <> 'done'"
            ).fetchone()[0]
            == 0
        )

    wait_until(all_done, timeout=180, message="documents were not all rendered", interval=0.5)
    rendered_in = time.monotonic() - awarded_at

    # Failed token requests, alternating: the throttle is counted in Redis, for both.
    first_throttled = None
    for attempt in range(1, 31):
        status, _ = client.request(
            "POST", "/api/v1/auth/token/", {"username": COMMERCIAL, "password": "wrong"}
        )
        if status == 429:
            first_throttled = attempt
            break

    # Two beats, one lock: each scheduled job is sent once a minute, not twice.
    time.sleep(max(0.0, beats_started + beat_seconds - time.monotonic()))
    beat_elapsed = time.monotonic() - beats_started

    # Documents and files: none lost, none duplicated, each as recorded.
    documents = db.execute(
        "SELECT order_id, kind, force_id, version, file, sha256 FROM procurement_document"
    ).fetchall()
    keys = Counter((o, k, f, v) for o, k, f, v, _, _ in documents)
    files = sorted(p for p in (stack.media_root / "documents").rglob("*") if p.is_file())
    named = {name for *_, name, _ in documents}
    mismatched = [
        name
        for *_, name, sha256 in documents
        if hashlib.sha256((stack.media_root / name).read_bytes()).hexdigest() != sha256
    ]
    rendered_by = Counter()
    for worker in workers:
        rendered_by[worker.name] = len(
            re.findall(r"procurement\.render_document\[[^\]]+\] received", worker.text())
        )
    locks = [beat.name for beat in beats if "beat: Acquired lock" in beat.text()]
    sent = {
        beat.name: beat.text().count("Sending due task close-due-requisitions") for beat in beats
    }
    db.close()

    by_port = Counter(port for port, *_ in client.log)
    errors = [entry for entry in client.log if entry[3] >= 500]
    print(
        f"requests: {len(client.log)}, "
        + ", ".join(f":{port} {count}" for port, count in sorted(by_port.items()))
        + f", 5xx: {len(errors)}"
    )
    for port in ports:
        times = sorted(t for p, _, _, _, t in client.log if p == port)
        print(
            f"  :{port} median {1000 * statistics.median(times):.0f} ms, slowest "
            f"{1000 * times[-1]:.0f} ms"
        )
    print(
        f"documents: {len(documents)} rows, {len(set(keys))} distinct, "
        f"{len(files)} files, {len(named)} named, {len(mismatched)} SHA-256 mismatches"
    )
    print(
        f"the two awards' documents rendered in {rendered_in:.1f} s; by worker: "
        + ", ".join(f"{name} {count}" for name, count in sorted(rendered_by.items()))
    )
    print(
        f"beats holding the lock: {', '.join(locks)}; close-due-requisitions (every 10 s) sent "
        + ", ".join(f"{count} times by {name}" for name, count in sent.items())
        + " "
        f"in {beat_elapsed:.0f} s"
    )
    print(
        f"failed token requests alternating between instances: 429 from attempt {first_throttled}"
    )

    check(not errors, f"server errors: {errors}")
    check(max(keys.values()) == 1, "a document is duplicated")
    check(len(files) == len(documents) == len(named), "files and documents do not match")
    check(not mismatched, f"files differ from their SHA-256: {mismatched}")
    check(all(rendered_by.values()), "a worker rendered nothing")
    check(len(locks) == 1, f"beats holding the lock: {locks}")
    check(
        0 < sum(sent.values()) <= beat_elapsed // 10 + 1,
        f"close-due-requisitions sent {sent} in {beat_elapsed:.0f} s",
    )
    check(first_throttled is not None, "the throttle never answered 429")


if __name__ == "__main__":
    main()
