"""The demo's register of adopted standards and the founding decision rule.

The standards live in ``register.json``; this module loads them and adds what is missing.
"""

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from accounts import audit
from standards.audit_actions import StandardsAudit
from standards.models import DecisionRule, Domain, Standard, StandardVersion, VersionStatus

DATA_FILE = Path(__file__).resolve().parent / "register.json"


@dataclass(frozen=True)
class AdoptedStandard:
    reference: str
    title: str
    domain: Domain
    body: str


def register() -> list[AdoptedStandard]:
    """The standards of ``register.json``; an unknown domain fails here, not in the database."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return [
        AdoptedStandard(
            reference=entry["reference"],
            title=entry["title"],
            domain=Domain(entry["domain"]),
            body=entry["body"],
        )
        for entry in data["standards"]
    ]


@transaction.atomic
def seed_registry(stdout=None) -> None:
    """The adopted standards and decision rule v1 (quorum 50%, 55% of forces, 65% headcount)."""
    if not DecisionRule.objects.exists():
        rule = DecisionRule.objects.create(
            version=1,
            effective_from=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            notes="The network code's founding rule.",
        )
        audit.record(
            actor=None,
            action=StandardsAudit.DECISION_RULE_CREATED,
            obj=rule,
            after=audit.snapshot(rule),
        )
    created = 0
    for adopted in register():
        standard, made = Standard.objects.get_or_create(
            reference=adopted.reference, defaults={"title": adopted.title, "domain": adopted.domain}
        )
        if made:
            version = StandardVersion.objects.create(
                standard=standard,
                version=1,
                body=adopted.body,
                status=VersionStatus.ADOPTED,
                effective_from=datetime.date(2026, 1, 1),
            )
            audit.record(
                actor=None,
                action=StandardsAudit.STANDARD_ESTABLISHED,
                obj=standard,
                after={"reference": adopted.reference, "version": version.version},
            )
            created += 1
    if stdout is not None:
        stdout.write(f"standards: {Standard.objects.count()} standards ({created} new)")
