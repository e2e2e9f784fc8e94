"""Helpers the network code's services share: the time, the secretary, the proposal's lock
and its machine, and the organisation a user acts for."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organisation, Role, User
from accounts.permissions import is_standards_secretary, organisations_with_role
from core.errors import DomainError, InvalidTransition, NotPermitted
from standards.audit_actions import StandardsAudit
from standards.models import Proposal
from standards.states import PROPOSAL


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _secretary_organisation(user: User | None) -> Organisation | None:
    if user is None:
        return None
    organisations = organisations_with_role(user, Role.STANDARDS_SECRETARY)
    return organisations[0] if organisations else None


def _require_secretary(user: User) -> None:
    if not is_standards_secretary(user):
        raise NotPermitted("Only the standards secretary may do this.")


def _locked(proposal: Proposal) -> Proposal:
    """The proposal's row, locked until the transaction ends, as it now stands."""
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


def _transition(
    proposal: Proposal,
    to: str,
    *,
    actor: User | None,
    organisation: Organisation | None = None,
    changes: dict[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> Proposal:
    """Move a locked proposal through its machine (checked against the table and its guards
    at ``now``), saved and audited as ``proposal.<status>``."""
    return PROPOSAL.apply(
        proposal,
        to,
        actor=actor,
        action=StandardsAudit(f"proposal.{to}"),
        organisation=organisation,
        changes=changes,
        context={"now": now},
    )


def _choose(
    given: Organisation | None, allowed: list[Organisation], *, field: str, what: str
) -> Organisation:
    """The organisation the user acts for: the one given (if theirs) or their only one."""
    if given is not None:
        if all(o.pk != given.pk for o in allowed):
            raise NotPermitted(f"You cannot {what} for {given.name}.")
        return given
    if len(allowed) > 1:
        raise DomainError(f"You can {what} for more than one organisation: say which.", field=field)
    return allowed[0]


def _save_transition(proposal: Proposal, to: str, **kwargs) -> Proposal:
    """A transition into a live status, where the database's one-live-proposal constraints
    may refuse a racing twin."""
    try:
        with transaction.atomic():
            return _transition(proposal, to, **kwargs)
    except IntegrityError as error:
        raise InvalidTransition(
            "Another proposal for this standard got under way at the same moment."
        ) from error
