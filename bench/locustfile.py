"""A mixed workload for Locust (issue 11): run by bench/load_test.py, which deploys the
production configuration, issues the API tokens and writes them to LOAD_TEST_PERSONAS.

Users, each with a weight:
- buyers (one force each) search the catalogue (words, filters, the landing page, a
  misspelling), open a product, list the open requisitions, start a requisition for a
  cheap product and join other forces' (quantities of 1 to 5);
- a buyer who leads a requisition closes it once three forces have joined;
- finance approves its forces' shares of closed requisitions;
- the commercial lead signs off where needed and awards approved requisitions (the
  documents render in the Celery workers);
- delegates read the proposal in voting and cast or change their force's vote.

The users share what they started in this process (gevent is cooperative, so a check and
the change after it are not interleaved): a force never joins a requisition twice, and a
requisition is closed only when no join to it is in flight, so that every request is
valid and any failure is the system's.
"""

import datetime
import itertools
import json
import os
import random
from dataclasses import dataclass, field

from locust import HttpUser, between, task

PERSONAS = json.loads(open(os.environ["LOAD_TEST_PERSONAS"]).read())  # noqa: SIM115
WORDS = ["laptop", "rugged", "camera", "router", "firewall", "monitor", "tablet", "handset"]
PHRASES = ["rugged laptop", "wearable camera", "managed switch", "cloud records"]
TYPOS = ["lapotp", "camra", "rugedd"]
FORCES_TO_CLOSE = 3


@dataclass
class Requisition:
    pk: int
    lead: str  # the leading force's slug
    participations: dict[str, int] = field(default_factory=dict)  # force slug -> id
    joining: int = 0
    state: str = "open"  # open, closing, closed, approving, approved, awarding, awarded


REQUISITIONS: dict[int, Requisition] = {}
BUYERS = itertools.cycle(PERSONAS["buyers"])


def api_headers(token: str) -> dict:
    return {"Authorization": f"Token {token}"}


class Buyer(HttpUser):
    weight = 10
    wait_time = between(0.5, 2)

    def on_start(self):
        self.persona = next(BUYERS)
        self.headers = api_headers(self.persona["token"])
        self.force = self.persona["force"]

    def fetch(self, path, name, **params):
        return self.client.get(path, params=params, headers=self.headers, name=name)

    @task(6)
    def search(self):
        kind = random.random()
        if kind < 0.5:
            self.fetch("/api/v1/products/", "search: word", q=random.choice(WORDS))
        elif kind < 0.7:
            self.fetch(
                "/api/v1/products/",
                "search: words and filters",
                q=random.choice(PHRASES),
                compliant="true",
                max_price="2000",
            )
        elif kind < 0.85:
            self.fetch("/api/v1/products/", "search: landing, facets", facets="true")
        else:
            self.fetch("/api/v1/products/", "search: misspelt", q=random.choice(TYPOS))

    @task(2)
    def product(self):
        self.fetch(f"/api/v1/products/{random.choice(PERSONAS['products'])}/", "product")

    @task(1)
    def requisitions(self):
        self.fetch("/api/v1/joint-requisitions/", "requisitions: list")

    @task(2)
    def join_or_start(self):
        joinable = [
            r
            for r in REQUISITIONS.values()
            if r.state == "open" and self.force not in r.participations
        ]
        if joinable:
            self.join(random.choice(joinable))
        elif sum(r.lead == self.force and r.state == "open" for r in REQUISITIONS.values()) < 1:
            self.start_requisition()

    @task(2)
    def close_mine(self):
        for requisition in list(REQUISITIONS.values()):
            if (
                requisition.lead == self.force
                and requisition.state == "open"
                and requisition.joining == 0
                and len(requisition.participations) >= FORCES_TO_CLOSE
            ):
                requisition.state = "closing"
                response = self.client.post(
                    f"/api/v1/joint-requisitions/{requisition.pk}/close/",
                    headers=self.headers,
                    name="requisition: close",
                )
                requisition.state = "closed" if response.ok else "failed"
                return

    def details(self) -> dict:
        return {
            "quantity": random.randint(1, 5),
            "delivery_address": f"{self.force} headquarters, 1 Station Road",
            "cost_centre": "ICT-LOAD",
        }

    def start_requisition(self):
        closes_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7)
        response = self.client.post(
            "/api/v1/joint-requisitions/",
            json={
                "product": random.choice(PERSONAS["cheap_products"]),
                "closes_at": closes_at.isoformat(),
                "title": "Load test",
                **self.details(),
            },
            headers=self.headers,
            name="requisition: start",
        )
        if response.ok:
            body = response.json()
            requisition = Requisition(body["id"], self.force)
            for participation in body["participations"]:
                requisition.participations[self.force] = participation["id"]
            REQUISITIONS[requisition.pk] = requisition

    def join(self, requisition: Requisition):
        requisition.joining += 1
        requisition.participations[self.force] = 0  # taken: no second join from this force
        try:
            response = self.client.post(
                f"/api/v1/joint-requisitions/{requisition.pk}/participations/",
                json=self.details(),
                headers=self.headers,
                name="requisition: join",
            )
        finally:
            requisition.joining -= 1
        if response.ok:
            requisition.participations[self.force] = response.json()["id"]
        else:
            del requisition.participations[self.force]


class Finance(HttpUser):
    """Finance of every force (one token per force): approves the shares of closed
    requisitions."""

    fixed_count = 1
    wait_time = between(1, 3)

    @task
    def approve(self):
        closed = [r for r in REQUISITIONS.values() if r.state == "closed"]
        if not closed:
            self.client.get(
                "/api/v1/participations/",
                headers=api_headers(PERSONAS["finance"][PERSONAS["buyers"][0]["force"]]),
                name="participations: list",
            )
            return
        requisition = random.choice(closed)
        requisition.state = "approving"
        ok = True
        for force, participation in requisition.participations.items():
            response = self.client.post(
                f"/api/v1/participations/{participation}/approve/",
                json={"comment": "Within budget"},
                headers=api_headers(PERSONAS["finance"][force]),
                name="participation: approve",
            )
            ok = ok and response.ok
        requisition.state = "approved" if ok else "failed"


class CommercialLead(HttpUser):
    fixed_count = 1
    wait_time = between(1, 3)

    def on_start(self):
        self.headers = api_headers(PERSONAS["commercial_lead"])

    @task
    def award(self):
        approved = [r for r in REQUISITIONS.values() if r.state == "approved"]
        if not approved:
            self.client.get("/api/v1/orders/", headers=self.headers, name="orders: list")
            return
        requisition = approved[0]
        requisition.state = "awarding"
        path = f"/api/v1/joint-requisitions/{requisition.pk}/"
        current = self.client.get(path, headers=self.headers, name="requisition: detail")
        if current.ok and current.json().get("needs_sign_off"):
            self.client.post(
                f"{path}sign-off/",
                json={"reasons": "Separate operational needs in each force (load test)."},
                headers=self.headers,
                name="requisition: sign off",
            )
        response = self.client.post(f"{path}award/", headers=self.headers, name="award")
        requisition.state = "awarded" if response.ok else "failed"


class Delegate(HttpUser):
    weight = 3
    wait_time = between(1, 3)

    def on_start(self):
        self.token = random.choice(PERSONAS["delegates"])
        self.headers = api_headers(self.token)

    @task(2)
    def read(self):
        proposal = PERSONAS["proposal"]
        self.client.get(f"/api/v1/proposals/{proposal}/", headers=self.headers, name="proposal")
        self.client.get(
            f"/api/v1/proposals/{proposal}/tally/", headers=self.headers, name="proposal: tally"
        )

    @task(1)
    def vote(self):
        self.client.post(
            f"/api/v1/proposals/{PERSONAS['proposal']}/votes/",
            json={"choice": random.choice(["for", "against", "abstain"])},
            headers=self.headers,
            name="proposal: vote",
        )
