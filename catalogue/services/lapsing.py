"""Conformance lapses when the network code moves on: a revision gives the products
conforming to the superseded version until the end of a transition period, an abolition
lapses them at once, and the scheduled job lapses those whose period has ended.

The enactment happens in standards, below the catalogue: it sends
:data:`standards.signals.version_superseded` and :data:`standards.signals.standard_abolished`
inside its transaction, and the receivers here (connected in
:meth:`catalogue.apps.CatalogueConfig.ready`) lock, change and audit the conformance rows
there, so they commit or roll back with it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import User
from catalogue.audit_actions import CatalogueAudit
from catalogue.models import Conformance, ConformanceStatus
from catalogue.services import compliance
from catalogue.states import CONFORMANCE
from standards.models import Standard, StandardVersion
from standards.signals import EnactmentEffect

# Conformance whose version is superseded or abolished: claims and verified ones lapse.
LAPSABLE = [ConformanceStatus.CLAIMED, ConformanceStatus.VERIFIED]
LAPSE_CHUNK = 500


def _lock_conformances(version_ids: list[int]) -> list[Conformance]:
    return list(
        Conformance.objects.select_for_update(of=("self",))
        .select_related("product__supplier")
        .filter(standard_version_id__in=version_ids, status__in=LAPSABLE)
        .order_by("pk")
    )


def schedule_lapse_on_supersession(
    sender: type,
    *,
    version: StandardVersion,
    successor: StandardVersion,
    transition_ends_at: datetime.datetime,
    actor: User | None,
    **kwargs: Any,
) -> EnactmentEffect:
    """Conformance to a superseded version lapses at the end of the transition period (or
    sooner, if it was to lapse sooner already)."""
    conformances = _lock_conformances([version.pk])
    to_schedule = [
        c for c in conformances if c.lapses_at is None or c.lapses_at > transition_ends_at
    ]
    previous = {c.pk: {"lapses_at": c.lapses_at} for c in to_schedule}
    for conformance in to_schedule:
        conformance.lapses_at = transition_ends_at
    Conformance.objects.bulk_update(to_schedule, ["lapses_at"], batch_size=LAPSE_CHUNK)
    _audit_conformances(
        to_schedule,
        actor=actor,
        action=CatalogueAudit.CONFORMANCE_LAPSE_SCHEDULED,
        before=previous,
        fields=["lapses_at"],
        note={"superseded_by": str(successor)},
    )
    return _effect(len(to_schedule), conformances)


def lapse_on_abolition(
    sender: type,
    *,
    standard: Standard,
    versions: list[StandardVersion],
    actor: User | None,
    now: datetime.datetime,
    **kwargs: Any,
) -> EnactmentEffect:
    """Conformance to an abolished standard's versions lapses at once."""
    conformances = _lock_conformances([v.pk for v in versions])
    _lapse(conformances, actor=actor, now=now, why=f"{standard.reference} abolished")
    return _effect(len(conformances), conformances)


def _effect(changed: int, conformances: list[Conformance]) -> EnactmentEffect:
    """``changed`` rows, and the products' compliance recomputed once the enactment is
    recorded."""
    product_ids = sorted({c.product_id for c in conformances})
    if not product_ids:
        return EnactmentEffect(changed)
    return EnactmentEffect(changed, then=lambda: compliance.refresh(product_ids))


def _lapse(
    conformances: list[Conformance], *, actor: User | None, now: datetime.datetime, why: str
) -> None:
    """Lapse locked conformance rows and audit them."""
    fields = ["status", "lapses_at", "lapsed_at"]
    before = {c.pk: audit.snapshot(c, fields) for c in conformances}
    for conformance in conformances:
        if conformance.lapses_at is None or conformance.lapses_at > now:
            conformance.lapses_at = now
    CONFORMANCE.apply_many(
        conformances,
        ConformanceStatus.LAPSED,
        fields=["lapses_at"],
        changes={"lapsed_at": now},
        batch_size=LAPSE_CHUNK,
    )
    _audit_conformances(
        conformances,
        actor=actor,
        action=CatalogueAudit.CONFORMANCE_LAPSED,
        before=before,
        fields=fields,
        note={"why": why},
    )


def _audit_conformances(
    conformances: list[Conformance],
    *,
    actor: User | None,
    action: CatalogueAudit,
    before: dict[int, dict],
    fields: list[str],
    note: dict[str, Any],
) -> None:
    """One audit event per supplier and standard version, listing every conformance row it
    changed with its before and after: each supplier sees its own in its trail, and an
    enactment touching thousands of products appends tens of events, not thousands."""
    groups: dict[tuple[int, int], list[Conformance]] = defaultdict(list)
    for conformance in conformances:
        groups[(conformance.product.supplier_id, conformance.standard_version_id)].append(
            conformance
        )
    for (_, version_id), rows in sorted(groups.items()):
        audit.record(
            actor=actor,
            action=action,
            object_type=StandardVersion._meta.label_lower,
            object_id=version_id,
            organisation=rows[0].product.supplier,
            before=[{"conformance": c.pk, **before[c.pk]} for c in rows],
            after={
                **note,
                "conformances": [
                    {
                        "conformance": c.pk,
                        "product": c.product_id,
                        "sku": c.product.sku,
                        **audit.snapshot(c, fields),
                    }
                    for c in rows
                ],
            },
        )


def conformance_lapse_due(*, now: datetime.datetime | None = None) -> int:
    """Lapse every claimed or verified conformance whose ``lapses_at`` has passed (the end of
    a superseded version's transition period), then recompute the products' compliance.
    Runs in chunks, each its own transaction; safe to run twice at once."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            chunk = list(
                Conformance.objects.select_for_update(of=("self",))
                .select_related("product__supplier")
                .filter(status__in=LAPSABLE, lapses_at__lte=now)
                .order_by("pk")[:LAPSE_CHUNK]
            )
            if not chunk:
                return total
            _lapse(chunk, actor=None, now=now, why="transition period ended")
            compliance.refresh(sorted({c.product_id for c in chunk}))
        total += len(chunk)
