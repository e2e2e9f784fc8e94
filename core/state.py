"""The one state-machine mechanism: every model with a status moves through a ``StateMachine``.

Each model has one transition table: for each status, the statuses it may become and the
named guards that must all agree. A guard is a function of the instance and the context
the caller passes (the time, the user, ...) that returns ``None`` to allow the move or a
sentence saying why not; the first refusal becomes an ``InvalidTransition`` (409) with that
sentence. ``apply`` validates, sets the fields that change with the status, saves and
audits; ``apply_many`` does the same for a batch in one query (the caller audits the batch
once, so the cost does not grow with the number of rows), and ``change`` does it for one row
whose move the caller records in a larger event (a product published with its revision
approved). Nothing else assigns a status: ``tests/core/test_no_status_assignment.py`` reads
the source to make sure.

Each app declares its machines in its ``states`` module (found by ``CoreConfig.ready``);
``machine_for`` answers "which machine moves this object?" for pages and templates.

Core sits below the app that keeps the audit trail, so the auditor is handed in by the
app that declares the machine (``accounts.audit`` satisfies ``Auditor``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from django.db import models
from django.utils import timezone

from core.errors import InvalidTransition

M = TypeVar("M", bound=models.Model)

# A guard answers "may this instance make this move now?": None for yes, or the reason why not.
# It takes the instance and the caller's context as keywords (and ignores what it does not use).
Guard = Callable[..., str | None]

# Every machine declared, by model: the registry pages, templates and tests ask.
MACHINES: dict[type[models.Model], StateMachine[Any]] = {}


class Auditor(Protocol):
    def snapshot(
        self, instance: models.Model, fields: list[str] | None = None
    ) -> dict[str, Any]: ...

    def to_json(self, value: Any) -> Any: ...

    def record(
        self,
        *,
        actor: Any,
        action: Any,
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

    @property
    def guard_names(self) -> list[str]:
        return [getattr(guard, "__name__", repr(guard)) for guard in self.guards]


def move(target: str, *guards: Guard) -> Move:
    return Move(target=str(target), guards=tuple(guards))


@dataclass
class StateMachine(Generic[M]):
    """The transition table of one model and the one way its status changes.

    The table maps each status to the moves out of it. Every status of the field's choices
    appears in it, as a source or as a target; a status with no moves out is final.
    """

    model: type[M]
    table: Mapping[str, Sequence[Move]]
    auditor: Auditor
    field_name: str = "status"
    # The fields an audit event records (None: every concrete field).
    audit_fields: list[str] | None = None
    # The refusal of a move the table does not have, when the model says it better than
    # "This product is published: it cannot become withdrawn." (None: say that).
    describe_refusal: Callable[[M, str], str | None] | None = None
    # Whether ``machine_for`` finds it (a test's throwaway machine is not registered).
    register: bool = True
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
                if one.target in targets:
                    raise ValueError(
                        f"{self.model.__name__}'s table names {source!r} -> {one.target!r} twice."
                    )
                targets[one.target] = one
            self._moves[str(source)] = targets
        named = set(self._moves) | {t for moves in self._moves.values() for t in moves}
        missing = choices - named
        if missing:
            raise ValueError(f"{self.model.__name__}'s table leaves out {sorted(missing)}.")
        for final in choices - set(self._moves):
            self._moves[final] = {}
        if self.register:
            MACHINES[self.model] = self

    # Questions.

    def status_of(self, instance: M) -> str:
        return str(getattr(instance, self.field_name))

    def targets(self, instance: M) -> list[str]:
        """The statuses this instance's status may become, guards aside."""
        return list(self._moves.get(self.status_of(instance), {}))

    def is_final(self, status: str) -> bool:
        return not self._moves.get(str(status))

    def transitions(self) -> Iterator[tuple[str, str, list[str]]]:
        """Every move of the table as (from, to, guard names): for documentation."""
        for source, moves in self._moves.items():
            for target, one in moves.items():
                yield source, target, one.guard_names

    def summary(self) -> str:
        """The table on one line, "a -> b [guard], c; b -> c", as docs/state-machines.md
        shows it (a test keeps the two the same)."""
        moves = [
            f"{source} -> "
            + ", ".join(
                f"{target} [{', '.join(one.guard_names)}]" if one.guards else target
                for target, one in targets.items()
            )
            for source, targets in self._moves.items()
            if targets
        ]
        return "; ".join(moves)

    def label(self, status: str) -> str:
        return self._choices().get(status, status).lower()

    def _refusal(self, instance: M, to: str, context: Mapping[str, Any]) -> tuple[str | None, bool]:
        """The refusal, and whether it is the table's (rather than a guard's)."""
        one = self._moves.get(self.status_of(instance), {}).get(str(to))
        if one is None:
            described = self.describe_refusal(instance, str(to)) if self.describe_refusal else None
            if described:
                return described, True
            name = self.model._meta.verbose_name
            return (
                f"This {name} is {self.label(self.status_of(instance))}: "
                f"it cannot become {self.label(str(to))}."
            ), True
        for guard in one.guards:
            reason = guard(instance, **context)
            if reason:
                return reason, False
        return None, False

    def refusal(self, instance: M, to: str, **context: Any) -> str | None:
        """Why ``instance`` may not become ``to`` now, or None when it may."""
        return self._refusal(instance, to, context)[0]

    def can(self, instance: M, to: str, **context: Any) -> bool:
        return self.refusal(instance, to, **context) is None

    def check(self, instance: M, to: str, **context: Any) -> None:
        """Raise the refusal as a 409: the table's against the status field, a guard's (about
        something else: a time, a limit, another object) against the request as a whole."""
        reason, by_table = self._refusal(instance, to, context)
        if reason:
            raise InvalidTransition(reason, field=self.field_name if by_table else None)

    # Changes.

    def _set(self, instance: M, to: str, changes: Mapping[str, Any] | None) -> None:
        for name, value in (changes or {}).items():
            if name == self.field_name:
                raise ValueError(f"The {self.field_name} changes only through the move itself.")
            setattr(instance, name, value)
        setattr(instance, self.field_name, str(to))

    def change(
        self,
        instance: M,
        to: str,
        *,
        changes: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> M:
        """Validate, change and save one status change whose caller records it in a larger
        audit event (one event for a product published and its revision approved)."""
        self.check(instance, to, **(context or {}))
        self._set(instance, to, changes)
        instance.save()
        return instance

    def apply(
        self,
        instance: M,
        to: str,
        *,
        actor: Any,
        action: str,
        organisation: Any = None,
        changes: Mapping[str, Any] | None = None,
        details: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> M:
        """Validate, change, save and audit one status change (and the fields with it)."""
        self.check(instance, to, **(context or {}))
        before = self.auditor.snapshot(instance, self.audit_fields)
        self._set(instance, to, changes)
        instance.save()
        after = self.auditor.snapshot(instance, self.audit_fields)
        if details:
            after = {**after, **self.auditor.to_json(dict(details))}
        self.auditor.record(
            actor=actor,
            action=action,
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
        changes: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        batch_size: int | None = None,
    ) -> None:
        """Validate and save a batch of status changes in one query; the caller audits the
        batch in one event. ``changes`` are set on every instance; ``fields`` names the other
        fields the caller has already set on them, to be saved too."""
        if not instances:
            return
        for instance in instances:
            self.check(instance, to, **(context or {}))
        for instance in instances:
            self._set(instance, to, changes)
        update = list(dict.fromkeys([self.field_name, *fields, *(changes or {})]))
        # bulk_update skips auto_now, so a model with ``updated_at`` gets it set here.
        updated_at = next(
            (f for f in self.model._meta.concrete_fields if f.name == "updated_at"), None
        )
        if updated_at is not None and "updated_at" not in update:
            now = timezone.now()
            for instance in instances:
                setattr(instance, updated_at.attname, now)
            update.append("updated_at")
        self.model._default_manager.bulk_update(instances, update, batch_size=batch_size)


def machine_for(instance_or_model: models.Model | type[models.Model]) -> StateMachine[Any]:
    """The machine that moves this model's status (LookupError if it has none)."""
    model = instance_or_model if isinstance(instance_or_model, type) else type(instance_or_model)
    for klass in model.__mro__:
        if klass in MACHINES:
            return MACHINES[klass]
    raise LookupError(f"{model.__name__} has no state machine.")
