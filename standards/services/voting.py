"""The vote: opening it, the forces' votes (cast or changed), and closing it, by the
secretary or when its window ends, counted under the rule recorded when it opened."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from accounts import audit
from accounts.models import Organisation, User
from accounts.permissions import can_vote_for, delegate_forces
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.invariants import present
from standards import selectors
from standards.audit_actions import StandardsAudit
from standards.domain import rules
from standards.models import Proposal, ProposalStatus, Vote, VoteChoice
from standards.services._common import (
    _locked,
    _now,
    _require_secretary,
    _save_transition,
    _secretary_organisation,
    _transition,
)
from standards.services.enactment import enact_or_record_failure
from standards.states import PROPOSAL
from standards.states import when as _when


@transaction.atomic
def proposal_open_voting(
    *,
    proposal: Proposal,
    actor: User,
    closes_at: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> Proposal:
    """The secretary opens the vote, once consultation has run its course, until
    ``closes_at``; the decision rule in force now is recorded and decides it."""
    _require_secretary(actor)
    now = _now(now)
    locked = _locked(proposal)
    PROPOSAL.check(locked, ProposalStatus.VOTING, now=now)
    if closes_at is None:
        raise DomainError("Enter when voting closes.", field="voting_closes_at")
    if closes_at <= now:
        raise DomainError("Voting must close in the future.", field="voting_closes_at")
    return _save_transition(
        locked,
        ProposalStatus.VOTING,
        actor=actor,
        organisation=_secretary_organisation(actor),
        changes={
            "voting_opens_at": now,
            "voting_closes_at": closes_at,
            # The machine's guard has made sure there is one.
            "decision_rule": selectors.rule_in_force(now),
        },
        now=now,
    )


@dataclass(frozen=True)
class VoteOutcome:
    """What casting did, decided under the proposal's lock: ``created`` a new vote (201),
    else found one and ``changed`` it or left it as it was (200)."""

    vote: Vote
    created: bool
    changed: bool


def _choice_of(vote: Vote) -> dict[str, Any]:
    """What a changed vote's event records: the choice and who made it."""
    return {"choice": vote.choice, "cast_by": vote.cast_by_id}


def vote_cast(
    *,
    proposal: Proposal,
    delegate: User,
    choice: str,
    force: Organisation | None = None,
    now: datetime.datetime | None = None,
) -> Vote:
    """A delegate casts (or changes) their force's one vote while voting is open."""
    return vote_record(
        proposal=proposal, delegate=delegate, choice=choice, force=force, now=now
    ).vote


@transaction.atomic
def vote_record(
    *,
    proposal: Proposal,
    delegate: User,
    choice: str,
    force: Organisation | None = None,
    now: datetime.datetime | None = None,
) -> VoteOutcome:
    """Cast or change the force's vote, saying which: two identical votes racing each other
    are one created and one unchanged, since the proposal's row lock orders them and the
    second reads the first's row after it."""
    forces = delegate_forces(delegate)
    if not forces:
        raise NotPermitted("Only a force's delegate may vote.")
    if force is None:
        if len(forces) > 1:
            raise DomainError(
                "You are the delegate of more than one force: say which force this vote is for.",
                field="force",
            )
        force = forces[0]
    elif not can_vote_for(delegate, force):
        raise NotPermitted(f"You are not the delegate of {force.name}: you cannot vote for it.")
    if choice not in VoteChoice.values:
        raise DomainError("Choose for, against or abstain.", field="choice")
    now = _now(now)
    locked = _locked(proposal)
    if not selectors.voting_is_open(locked, now):
        raise InvalidTransition("This proposal is not open for voting.")
    vote = Vote.objects.filter(proposal=locked, force=force).first()
    if vote is None:
        vote = Vote.objects.create(
            proposal=locked,
            force=force,
            choice=choice,
            cast_by=delegate,
            cast_at=now,
            updated_at=now,
        )
        audit.record(
            actor=delegate,
            action=StandardsAudit.VOTE_CAST,
            obj=vote,
            organisation=force,
            after={"proposal": locked.pk, "force": force.slug, "choice": choice},
        )
        return VoteOutcome(vote=vote, created=True, changed=True)
    if vote.choice != choice:
        with audit.audited(
            vote,
            actor=delegate,
            action=StandardsAudit.VOTE_CHANGED,
            organisation=force,
            state=_choice_of,
        ):
            vote.choice = choice
            vote.cast_by = delegate
            vote.updated_at = now
            vote.save(update_fields=["choice", "cast_by", "updated_at"])
        return VoteOutcome(vote=vote, created=False, changed=True)
    return VoteOutcome(vote=vote, created=False, changed=False)


@transaction.atomic
def proposal_close(
    *,
    proposal: Proposal,
    actor: User,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Proposal:
    """The secretary closes a vote: once its window has ended, or early with a reason.
    The result is counted under the recorded rule; a carried proposal is enacted."""
    _require_secretary(actor)
    now = _now(now)
    locked = _locked(proposal)
    PROPOSAL.check(locked, ProposalStatus.CARRIED, now=now)
    reason = (reason or "").strip()
    early = False
    if locked.voting_closes_at is not None and now < locked.voting_closes_at:
        early = True
        if not reason:
            raise DomainError(
                f"Voting is open until {_when(locked.voting_closes_at)}: give a reason for "
                "closing it early.",
                field="reason",
            )
    return _close(locked, actor=actor, now=now, early=early, reason=reason)


def proposals_close_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Close every vote whose window has ended (the scheduled job and ``close_votes``).

    Each proposal is closed in its own transaction after locking its row and re-checking
    it, so two workers running this at once close and enact each proposal once.
    """
    now = _now(now)
    due = list(
        Proposal.objects.filter(status=ProposalStatus.VOTING, voting_closes_at__lte=now)
        .order_by("voting_closes_at", "pk")
        .values_list("pk", flat=True)
    )
    closed = []
    for pk in due:
        if _close_if_due(pk, now=now):
            closed.append(pk)
    return closed


@transaction.atomic
def _close_if_due(pk: int, *, now: datetime.datetime) -> bool:
    locked = Proposal.objects.select_for_update().filter(pk=pk).first()
    if (
        locked is None
        or locked.status != ProposalStatus.VOTING
        or present(locked.voting_closes_at, "An open vote's closing time") > now
    ):
        return False  # closed by someone else while we waited for the lock
    _close(locked, actor=None, now=now, early=False, reason="")
    return True


def _close(
    locked: Proposal, *, actor: User | None, now: datetime.datetime, early: bool, reason: str
) -> Proposal:
    rule = present(locked.decision_rule, "The decision rule recorded when voting opened")
    ballots = selectors.live_ballots(locked)
    tally = rules.decide(
        thresholds=selectors.thresholds_of(rule),
        total_forces=selectors.count_forces(),
        ballots=ballots,
    )
    result = {
        "tally": tally.as_json(),
        "rule": selectors.rule_json(rule),
        "votes": [
            {"force_id": b.force_id, "choice": b.choice, "headcount": b.headcount} for b in ballots
        ],
        "closed_early": early,
        "reason": reason,
    }
    impact = selectors.compute_impact(locked, now)
    impact["final"] = True
    _transition(
        locked,
        ProposalStatus.CARRIED if tally.carried else ProposalStatus.REJECTED,
        actor=actor,
        organisation=_secretary_organisation(actor),
        changes={"closed_at": now, "result": result, "impact_snapshot": impact},
        now=now,
    )
    if tally.carried:
        enact_or_record_failure(locked, actor=actor, now=now)
    return locked
