"""Signals the network code sends for higher apps to act on (standards imports none of them).

Both are sent inside the enactment's transaction, after the standard's own rows are locked
and changed, with ``send`` (not ``send_robust``): a receiver locks, changes and audits its
own rows there, so they commit or roll back with the enactment, and a failure in a receiver
fails the enactment. Each receiver returns an :class:`EnactmentEffect`.

``version_superseded``: a revision superseded ``version`` with ``successor``; what depends
on the old version has until ``transition_ends_at``. Arguments: ``version``, ``successor``,
``transition_ends_at``, ``actor`` (None for the scheduler) and ``now``.

``standard_abolished``: ``standard`` and its ``versions`` are abolished at ``now``.
Arguments: ``standard``, ``versions``, ``actor`` and ``now``.

Catalogue connects both (conformance lapsing: ``catalogue/services/lapsing.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

version_superseded = Signal()
standard_abolished = Signal()


@dataclass(frozen=True)
class EnactmentEffect:
    """What a receiver did: how many of its rows it changed (for the standard's audit event)
    and what to run once the enactment itself is recorded, still inside its transaction."""

    changed: int
    then: Callable[[], object] | None = None


def effects_of(signal: Signal, *, sender: type, **arguments) -> list[EnactmentEffect]:
    """Send ``signal`` and collect what its receivers did."""
    responses: list[tuple[Any, Any]] = signal.send(sender=sender, **arguments)
    return [effect for _, effect in responses if isinstance(effect, EnactmentEffect)]
