"""Demo data for the network code: the register of adopted standards and the decision rule."""

import datetime

from django.db import transaction

from accounts import audit
from standards.models import DecisionRule, Domain, Standard, StandardVersion, VersionStatus

REGISTER: list[tuple[str, str, str, str]] = [
    (
        "NC-SEC-001",
        "Encryption of data at rest on police devices",
        Domain.DEVICE_SECURITY,
        "## Requirement\n\nEvery laptop, tablet, phone and body-worn camera that stores police "
        "information **must** encrypt it at rest with AES-256 (or stronger), with keys held in "
        "hardware.\n\n## Evidence\n\nA current certificate of assurance for the device's "
        "encryption, or an independent test report.",
    ),
    (
        "NC-IDM-001",
        "Federated sign-in for police users",
        Domain.IDENTITY,
        "## Requirement\n\nSoftware used by more than one force **must** accept sign-in through "
        "the national police identity federation using OpenID Connect, and **must not** keep "
        "its own passwords for police users.",
    ),
    (
        "NC-DEX-001",
        "Incident data exchange format",
        Domain.DATA_EXCHANGE,
        "## Requirement\n\nSystems that record incidents **must** export and import them in the "
        "common incident schema (JSON), including location, time, people and property, so that "
        "incidents can cross force boundaries without re-keying.",
    ),
    (
        "NC-NET-001",
        "Segmentation of police networks",
        Domain.NETWORKS,
        "## Requirement\n\nNetwork equipment **must** support separating operational, "
        "administrative and guest traffic into isolated segments, managed centrally, with "
        "logging to the force's security monitoring.",
    ),
    (
        "NC-EVD-001",
        "Integrity of digital evidence",
        Domain.DIGITAL_EVIDENCE,
        "## Requirement\n\nDevices and software that capture evidence **must** record a SHA-256 "
        "hash at capture and keep an unbroken, auditable chain of custody through to "
        "disclosure.",
    ),
    (
        "NC-COM-001",
        "Secure mobile messaging",
        Domain.COMMUNICATIONS,
        "## Requirement\n\nMessaging used for operational information **must** be end-to-end "
        "encrypted, centrally managed, and able to retain messages for disclosure.",
    ),
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
            actor=None, action="decision_rule.created", obj=rule, after=audit.snapshot(rule)
        )
    created = 0
    for reference, title, domain, body in REGISTER:
        standard, made = Standard.objects.get_or_create(
            reference=reference, defaults={"title": title, "domain": domain}
        )
        if made:
            version = StandardVersion.objects.create(
                standard=standard,
                version=1,
                body=body,
                status=VersionStatus.ADOPTED,
                effective_from=datetime.date(2026, 1, 1),
            )
            audit.record(
                actor=None,
                action="standard.established",
                obj=standard,
                after={"reference": reference, "version": version.version},
            )
            created += 1
    if stdout is not None:
        stdout.write(f"standards: {Standard.objects.count()} standards ({created} new)")
