"""The audit trail: one helper writes every event; one function verifies the chain.

Each event's hash is the SHA-256 of the previous event's hash and the event's own
content, so an edited, inserted or removed row breaks the chain. Appending locks the
chain head until the transaction commits, so call ``record`` after the service has
locked and changed its own rows (the head is always the last lock taken).
"""

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from accounts.models import AuditChainHead, AuditEvent, Organisation, User

GENESIS_HASH = "0" * 64


class AuditAction(StrEnum):
    """What an event records, as ``<object>.<what happened>``. Each app lists its own actions
    in a subclass (``procurement.audit_actions.ProcurementAudit``); :func:`record` takes
    nothing else, so an action is named once and can be searched for."""


def to_json(value: Any) -> Any:
    """Normalise a value to plain JSON (Decimals and dates as strings), as it is stored."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a model instance, for an event's before/after."""
    data = {}
    for model_field in instance._meta.concrete_fields:
        if fields is not None and model_field.name not in fields:
            continue
        data[model_field.attname] = model_field.value_from_object(instance)
    return to_json(data)


def event_hash(
    *,
    sequence: int,
    occurred_at,
    actor_id: int | None,
    actor_label: str,
    organisation_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    content = {
        "sequence": sequence,
        "occurred_at": occurred_at.isoformat(),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "organisation_id": organisation_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": before,
        "after": after,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _hash_of(event: AuditEvent) -> str:
    return event_hash(
        sequence=event.sequence,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        organisation_id=event.organisation_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        before=event.before,
        after=event.after,
        prev_hash=event.prev_hash,
    )


@transaction.atomic
def record(
    *,
    actor: User | None,
    action: AuditAction,
    obj: models.Model | None = None,
    organisation: Organisation | None = None,
    before: Any = None,
    after: Any = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
) -> AuditEvent:
    """Append one event to the chain. Runs inside the caller's transaction."""
    if not isinstance(action, AuditAction):
        raise TypeError(f"An audit action is an AuditAction member, not {action!r}.")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    if not object_type:
        raise ValueError("An audit event needs an object or an object_type.")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    if actor is not None and not actor.is_authenticated:
        actor = None
    event = AuditEvent(
        sequence=head.sequence + 1,
        occurred_at=timezone.now(),
        actor=actor,
        actor_label=actor.email if actor else "system",
        organisation=organisation,
        action=action.value,
        object_type=object_type,
        object_id=str(object_id if object_id is not None else ""),
        before=to_json(before),
        after=to_json(after),
        prev_hash=head.hash,
    )
    event.hash = _hash_of(event)
    event.save()
    head.sequence = event.sequence
    head.hash = event.hash
    head.save(update_fields=["sequence", "hash"])
    return event


@dataclass
class AuditedChange:
    """What :func:`audited` records when its block ends: ``details`` are added to the after
    state (what the row alone does not say: shares, reasons, counts)."""

    before: Any
    details: dict[str, Any] = field(default_factory=dict)


@contextmanager
def audited(
    instance: models.Model,
    *,
    actor: User | None,
    action: AuditAction,
    organisation: Organisation | None = None,
    fields: list[str] | None = None,
    state: Callable[[Any], Any] | None = None,
    only_changes: bool = False,
) -> Iterator[AuditedChange]:
    """One audited change: the state before, the block that changes and saves (or deletes)
    the instance, then one event with the state after. An exception in the block records
    nothing. ``state`` replaces the snapshot of ``fields`` where an event says more than one
    row (a product with its price breaks); ``only_changes`` records only the fields that
    changed, and no event when none did."""
    state_of = state or (lambda obj: snapshot(obj, fields))
    object_type, object_id = instance._meta.label_lower, instance.pk
    change = AuditedChange(before=state_of(instance))
    yield change
    deleted = instance.pk is None
    before, after = change.before, None if deleted else state_of(instance)
    if only_changes and isinstance(before, dict) and isinstance(after, dict):
        before, after = (
            {k: v for k, v in before.items() if after.get(k) != v},
            {k: v for k, v in after.items() if before.get(k) != v},
        )
        if not before and not after and not change.details:
            return
    if change.details:
        after = {**(after or {}), **to_json(change.details)}
    record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id if deleted else instance.pk,
        organisation=organisation,
        before=before,
        after=after,
    )


def audited_update(
    instance: models.Model,
    *,
    actor: User | None,
    action: AuditAction,
    changes: dict[str, Any],
    organisation: Organisation | None = None,
    fields: list[str] | None = None,
    details: dict[str, Any] | None = None,
) -> models.Model:
    """Set ``changes`` on an instance the caller has locked and checked, save and audit it."""
    with audited(
        instance, actor=actor, action=action, organisation=organisation, fields=fields
    ) as change:
        for name, value in changes.items():
            setattr(instance, name, value)
        instance.save()
        change.details.update(details or {})
    return instance


@dataclass(frozen=True)
class ChainProblem:
    sequence: int | None
    message: str

    def __str__(self) -> str:
        where = f"event #{self.sequence}" if self.sequence is not None else "chain"
        return f"{where}: {self.message}"


def verify_chain() -> tuple[int, list[ChainProblem]]:
    """Walk the whole chain in order. Returns (events checked, problems found)."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        checked += 1
        if event.sequence != expected_sequence:
            problems.append(
                ChainProblem(
                    event.sequence,
                    f"sequence jumps from {expected_sequence - 1} to {event.sequence}: "
                    "events are missing",
                )
            )
        if event.prev_hash != expected_prev:
            problems.append(
                ChainProblem(event.sequence, "previous hash does not match the event before it")
            )
        if _hash_of(event) != event.hash:
            problems.append(
                ChainProblem(event.sequence, "content does not match its hash: it was edited")
            )
        expected_prev = event.hash
        expected_sequence = event.sequence + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence, head.hash) != (expected_sequence - 1, expected_prev):
        problems.append(
            ChainProblem(
                None,
                f"the chain head records event #{head.sequence} but the last event is "
                f"#{expected_sequence - 1}: events were removed from the end",
            )
        )
    return checked, problems
