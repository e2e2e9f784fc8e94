"""The one state-machine mechanism: every model with a status moves through a ``StateMachine``.

Each model has one transition table: for each status, the statuses it may become and the
named guards that must all agree. A guard is a function of the instance and the context
the caller passes (the time, the user, ...) that returns ``None`` to allow the move or a
sentence saying why not; the first refusal becomes an ``InvalidTransition`` (409) with that
sentence. ``apply`` validates, sets the fields that change with the status, saves and
audits; ``apply_many`` does the same for a batch in one query (the caller audits the batch
once, so the cost does not grow with the number of rows). Nothing else assigns a status:
``tests/core/test_state.py`` reads the source to make sure.

Core sits below the app that keeps the audit trail, so the auditor is handed in by the
app that declares the machine (``accounts.audit`` satisfies ``Auditor``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from django.db import models
from django.utils import timezone

from core.errors import InvalidTransition

M = TypeVar("M", bound=models.Model)

# A guard answers "may this instance make this move now?": None for yes, or the reason why not.
Guard = Callable[..., str | None]


class Auditor(Protocol):
    def snapshot(
        self, instance: models.Model, fields: list[str] | None = None
    ) -> dict[str, Any]: ...

    def to_json(self, value: Any) -> Any: ...

    def record(
        self,
        *,
        actor: Any,
        action: str,
        obj: models.Model,
        organisation: Any = None,
        before: Any = None,
        after: Any = None,
    ) -> Any: ...


@dataclass(frozen=True)
class Move:
    """One allowed move to ``target``, with the guards that must all allow it."""

    target: str
    guards: tuple[Guard, ...] = ()


def move(target: str, *guards: Guard) -> Move:
    return Move(target=str(target), guards=tuple(guards))


@dataclass
class StateMachine(Generic[M]):
    """The transition table of one model and the one way its status changes."""

    model: type[M]
    table: Mapping[str, Sequence[Move]]
    auditor: Auditor
    field_name: str = "status"
    # The fields an audit event records (None: every concrete field).
    audit_fields: list[str] | None = None
    # "This product is published: it cannot become withdrawn." unless a model says better.
    describe_refusal: Callable[[M, str], str] | None = None
    _moves: dict[str, dict[str, Move]] = field(init=False, repr=False)

    def _choices(self) -> dict[str, str]:
        status_field = self.model._meta.get_field(self.field_name)
        if not isinstance(status_field, models.Field):
            raise TypeError(f"{self.model.__name__}.{self.field_name} is not a field.")
        return {str(value): str(label) for value, label in status_field.flatchoices}

    def __post_init__(self) -> None:
        choices = set(self._choices())
        self._moves = {}
        for source, moves in self.table.items():
            if str(source) not in choices:
                raise ValueError(f"{self.model.__name__} has no status {source!r}.")
            targets: dict[str, Move] = {}
            for one in moves:
                if one.target not in choices:
                    raise ValueError(f"{self.model.__name__} has no status {one.target!r}.")
                targets[one.target] = one
            self._moves[str(source)] = targets
        missing = choices - set(self._moves)
        if missing:
            raise ValueError(f"{self.model.__name__}'s table leaves out {sorted(missing)}.")

    # Questions.

    def status_of(self, instance: M) -> str:
        return str(getattr(instance, self.field_name))

    def targets(self, instance: M) -> list[str]:
        """The statuses this instance's status may become, guards aside."""
        return list(self._moves[self.status_of(instance)])

    def label(self, status: str) -> str:
        return self._choices().get(status, status).lower()

    def refusal(self, instance: M, to: str, **context: Any) -> str | None:
        """Why ``instance`` may not become ``to`` now, or None when it may."""
        one = self._moves[self.status_of(instance)].get(str(to))
        if one is None:
            if self.describe_refusal is not None:
                return self.describe_refusal(instance, str(to))
            name = self.model._meta.verbose_name
            return (
                f"This {name} is {self.label(self.status_of(instance))}: "
                f"it cannot become {self.label(str(to))}."
            )
        for guard in one.guards:
            reason = guard(instance, **context)
            if reason:
                return reason
        return None

    def can(self, instance: M, to: str, **context: Any) -> bool:
        return self.refusal(instance, to, **context) is None

    def check(self, instance: M, to: str, **context: Any) -> None:
        reason = self.refusal(instance, to, **context)
        if reason:
            raise InvalidTransition(reason, field=self.field_name)

    # Changes.

    def apply(
        self,
        instance: M,
        to: str,
        *,
        actor: Any,
        action: str | None = None,
        organisation: Any = None,
        changes: Mapping[str, Any] | None = None,
        details: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> M:
        """Validate, change, save and audit one status change (and the fields with it)."""
        self.check(instance, to, **(context or {}))
        before = self.auditor.snapshot(instance, self.audit_fields)
        for name, value in (changes or {}).items():
            setattr(instance, name, value)
        setattr(instance, self.field_name, str(to))
        instance.save()
        after = self.auditor.snapshot(instance, self.audit_fields)
        if details:
            after = {**after, **self.auditor.to_json(dict(details))}
        self.auditor.record(
            actor=actor,
            action=action or f"{self.model._meta.model_name}.{to}",
            obj=instance,
            organisation=organisation,
            before=before,
            after=after,
        )
        return instance

    def apply_many(
        self,
        instances: Sequence[M],
        to: str,
        *,
        fields: Iterable[str] = (),
        context: Mapping[str, Any] | None = None,
    ) -> None:
        """Validate and save a batch of status changes in one query; the caller audits the
        batch in one event."""
        if not instances:
            return
        for instance in instances:
            self.check(instance, to, **(context or {}))
        for instance in instances:
            setattr(instance, self.field_name, str(to))
        update = [self.field_name, *fields]
        # bulk_update skips auto_now, so a model with ``updated_at`` gets it set here.
        updated_at = next(
            (f for f in self.model._meta.concrete_fields if f.name == "updated_at"), None
        )
        if updated_at is not None:
            now = timezone.now()
            for instance in instances:
                setattr(instance, updated_at.attname, now)
            update.append("updated_at")
        self.model._default_manager.bulk_update(instances, update)
