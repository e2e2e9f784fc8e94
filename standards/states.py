"""The network code's state machines: proposals and standard versions.

A proposal is draft -> consultation -> voting -> carried | rejected, and carried ->
enacted. A standard's version is adopted until a revision supersedes it or an abolition
abolishes it (a superseded version is abolished with its standard).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from accounts import audit
from core.invariants import present
from core.state import StateMachine, move
from standards import selectors
from standards.models import (
    LIVE_STATUSES,
    Proposal,
    ProposalAction,
    ProposalStatus,
    Standard,
    StandardVersion,
    VersionStatus,
)

V = VersionStatus

# The fields of a proposal that its audit events record (the text is recorded on creation).
AUDITED_FIELDS = [
    "status",
    "standard",
    "consultation_opens_at",
    "consultation_closes_at",
    "voting_opens_at",
    "voting_closes_at",
    "decision_rule",
    "closed_at",
    "result",
    "enacted_at",
    "enacted_version",
    "enactment_error",
]

STATE_PHRASES: dict[str, str] = {
    ProposalStatus.DRAFT: "is a draft",
    ProposalStatus.CONSULTATION: "is in consultation",
    ProposalStatus.VOTING: "is open for voting",
    ProposalStatus.CARRIED: "has been carried",
    ProposalStatus.REJECTED: "has been rejected",
    ProposalStatus.ENACTED: "has been enacted",
}
MOVE_PHRASES: dict[str, str] = {
    ProposalStatus.DRAFT: "go back to draft",
    ProposalStatus.CONSULTATION: "go to consultation",
    ProposalStatus.VOTING: "open for voting",
    ProposalStatus.CARRIED: "have its vote closed",
    ProposalStatus.REJECTED: "have its vote closed",
    ProposalStatus.ENACTED: "be enacted",
}


def when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%-d %B %Y at %H:%M")


# Guards of proposals. Each takes the proposal and the caller's context (``now``).


def consultation_has_closed(
    proposal: Proposal, *, now: datetime.datetime | None = None, **context: Any
) -> str | None:
    """Voting opens once consultation has run its course."""
    now = now or timezone.now()
    closes_at = proposal.consultation_closes_at
    if closes_at is not None and now < closes_at:
        return f"Consultation is open until {when(closes_at)}; voting can open once it has closed."
    return None


def a_decision_rule_is_in_force(
    proposal: Proposal, *, now: datetime.datetime | None = None, **context: Any
) -> str | None:
    """A vote is decided by the rule in force when it opens: there must be one."""
    if selectors.rule_in_force(now or timezone.now()) is None:
        return "No decision rule is in force: voting cannot open."
    return None


def still_possible(proposal: Proposal, **context: Any) -> str | None:
    """A standard abolished, a reference taken, or another change under way for the same
    standard since the proposal was drafted: one change at a time."""
    if proposal.action == ProposalAction.ESTABLISH:
        if Standard.objects.filter(reference=proposal.proposed_reference).exists():
            return f"{proposal.proposed_reference} has been established since this was proposed."
        clash = Proposal.objects.filter(
            action=ProposalAction.ESTABLISH,
            proposed_reference=proposal.proposed_reference,
            status__in=LIVE_STATUSES,
        )
    else:
        # A constraint says a revision or an abolition names its standard.
        standard = Standard.objects.get(
            pk=present(proposal.standard_id, "A revision's or abolition's standard")
        )
        if standard.is_abolished:
            return f"{standard.reference} has been abolished."
        clash = Proposal.objects.filter(standard_id=standard.pk, status__in=LIVE_STATUSES)
    other = clash.exclude(pk=proposal.pk).first()
    if other is not None:
        return f"“{other.title}” is already under way for this standard: one change at a time."
    return None


def _proposal_refusal(proposal: Proposal, to: str) -> str:
    """A skipped or repeated step, said in the proposal's own words, with what can come next."""
    message = f"This proposal {STATE_PHRASES[proposal.status]}: it cannot {MOVE_PHRASES[to]}."
    nexts = sorted({MOVE_PHRASES[s] for s in PROPOSAL.targets(proposal)})
    message += f" Next it can {' or '.join(nexts)}." if nexts else " That is final."
    return message


PROPOSAL: StateMachine[Proposal] = StateMachine(
    model=Proposal,
    table={
        ProposalStatus.DRAFT: [move(ProposalStatus.CONSULTATION, still_possible)],
        ProposalStatus.CONSULTATION: [
            move(
                ProposalStatus.VOTING,
                consultation_has_closed,
                a_decision_rule_is_in_force,
                still_possible,
            )
        ],
        ProposalStatus.VOTING: [move(ProposalStatus.CARRIED), move(ProposalStatus.REJECTED)],
        ProposalStatus.CARRIED: [move(ProposalStatus.ENACTED)],
        ProposalStatus.REJECTED: [],
        ProposalStatus.ENACTED: [],
    },
    auditor=audit,
    audit_fields=AUDITED_FIELDS,
    describe_refusal=_proposal_refusal,
)


VERSION: StateMachine[StandardVersion] = StateMachine(
    model=StandardVersion,
    table={
        # A revision supersedes the adopted version; an abolition abolishes every version.
        V.ADOPTED: [move(V.SUPERSEDED), move(V.ABOLISHED)],
        V.SUPERSEDED: [move(V.ABOLISHED)],
        V.ABOLISHED: [],
    },
    auditor=audit,
    audit_fields=["status", "transition_ends_at"],
)
