"""The decision rule: a new version of the thresholds that decide votes."""

from __future__ import annotations

import datetime

from django.db import transaction

from accounts import audit
from accounts.models import User
from core.errors import DomainError
from standards.audit_actions import StandardsAudit
from standards.domain import rules
from standards.models import DecisionRule


@transaction.atomic
def decision_rule_create(
    *,
    actor: User | None,
    quorum,
    forces_majority,
    headcount_majority,
    effective_from: datetime.datetime,
    notes: str = "",
) -> DecisionRule:
    """A new version of the rule; proposals already voting keep the rule they opened under."""
    try:
        rules.Thresholds(
            quorum=quorum, forces_majority=forces_majority, headcount_majority=headcount_majority
        )
    except (TypeError, ValueError) as error:
        raise DomainError(str(error)) from error
    latest = DecisionRule.objects.select_for_update().order_by("-version").first()
    rule = DecisionRule.objects.create(
        version=(latest.version if latest else 0) + 1,
        quorum=quorum,
        forces_majority=forces_majority,
        headcount_majority=headcount_majority,
        effective_from=effective_from,
        notes=notes,
    )
    audit.record(
        actor=actor,
        action=StandardsAudit.DECISION_RULE_CREATED,
        obj=rule,
        after=audit.snapshot(rule),
    )
    return rule
