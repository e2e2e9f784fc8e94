"""Writes for the network code: proposals through their lifecycle, comments, votes,
closing and enactment.

Every change of status goes through the machines of :mod:`standards.states` (proposals and
standard versions), which check the move against the table and its guards, save and audit.
What depends on a standard's versions in higher apps (conformance, in the catalogue) is
changed by their receivers of :mod:`standards.signals`, inside the enactment's transaction.

Services lock the proposal row before they decide anything about it, and re-check its state
after the lock, so a vote, a close and an enactment racing each other are serialised by the
database.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts import audit
from accounts.models import Organisation, Role, User
from accounts.permissions import (
    can_vote_for,
    commenting_forces,
    delegate_forces,
    is_standards_secretary,
    organisations_with_role,
    proposer_organisations,
)
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.invariants import present
from core.limits import MAX_COMMENT_LENGTH, MAX_DOCUMENT_TEXT_LENGTH
from core.text import single_line_errors
from standards import rules, selectors
from standards.audit_actions import StandardsAudit
from standards.models import (
    DecisionRule,
    Domain,
    Proposal,
    ProposalAction,
    ProposalComment,
    ProposalStatus,
    Standard,
    StandardVersion,
    VersionStatus,
    Vote,
    VoteChoice,
)
from standards.signals import (
    EnactmentEffect,
    effects_of,
    standard_abolished,
    version_superseded,
)
from standards.states import PROPOSAL, STATE_PHRASES, VERSION
from standards.states import when as _when

REFERENCE_PATTERN = re.compile(r"^NC-[A-Z]{2,5}-\d{3}$")


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


# Proposals.


def _validate_target(
    *,
    action: str,
    standard: Standard | None,
    text: str,
    proposed_reference: str,
    proposed_title: str,
    proposed_domain: str,
    errors: dict[str, list[str]],
) -> None:
    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if action == ProposalAction.ESTABLISH:
        if standard is not None:
            add("standard", "A proposal to establish a standard names a new reference instead.")
        if not proposed_reference:
            add("proposed_reference", "Enter the new standard's reference, like NC-SEC-002.")
        elif not REFERENCE_PATTERN.match(proposed_reference):
            add("proposed_reference", "Use the form NC-XXX-000, for example NC-SEC-002.")
        elif Standard.objects.filter(reference=proposed_reference).exists():
            add("proposed_reference", f"{proposed_reference} already exists.")
        if not proposed_title:
            add("proposed_title", "Enter the new standard's title.")
        elif len(proposed_title) > 200:
            add("proposed_title", "The title must be 200 characters or fewer.")
        if proposed_domain not in Domain.values:
            add("proposed_domain", "Choose the new standard's domain.")
        if not text:
            add("text", "Enter the text of the new standard.")
        return

    for name, value in (
        ("proposed_reference", proposed_reference),
        ("proposed_title", proposed_title),
        ("proposed_domain", proposed_domain),
    ):
        if value:
            add(name, "Only a proposal to establish a standard names a new one.")
    verb = "revise" if action == ProposalAction.REVISE else "abolish"
    if standard is None:
        add("standard", f"Choose the standard to {verb}.")
        return
    if standard.is_abolished:
        add(
            "standard",
            f"{standard.reference} was abolished on "
            f"{timezone.localtime(standard.abolished_at):%-d %B %Y}: it cannot be {verb}d.",
        )
        return
    if action == ProposalAction.REVISE:
        current = StandardVersion.objects.filter(
            standard=standard, status=VersionStatus.ADOPTED
        ).first()
        if not text:
            add("text", "Enter the revised text of the standard.")
        elif current is not None and current.body.strip() == text:
            add("text", f"The text is the same as {current}: a revision must change it.")
    elif text:
        add("text", "A proposal to abolish a standard has no text: explain it in the rationale.")


EDITABLE_FIELDS = [
    "action",
    "standard",
    "proposed_reference",
    "proposed_title",
    "proposed_domain",
    "title",
    "text",
    "rationale",
]


def _validated_content(
    *,
    action: str,
    title: str,
    rationale: str,
    text: str = "",
    standard: Standard | None = None,
    proposed_reference: str = "",
    proposed_title: str = "",
    proposed_domain: str = "",
) -> dict[str, Any]:
    """A proposal's content, normalised, or a DomainError listing every problem."""
    title = (title or "").strip()
    rationale = (rationale or "").strip()
    text = (text or "").strip()
    proposed_reference = (proposed_reference or "").strip().upper()
    proposed_title = (proposed_title or "").strip()
    proposed_domain = (proposed_domain or "").strip()
    content: dict[str, Any] = {
        "action": action,
        "standard": standard,
        "title": title,
        "rationale": rationale,
        "text": text,
        "proposed_reference": proposed_reference,
        "proposed_title": proposed_title,
        "proposed_domain": proposed_domain,
    }
    errors: dict[str, list[str]] = {}
    if action not in ProposalAction.values:
        errors["action"] = ["Choose establish, revise or abolish."]
    else:
        _validate_target(
            action=action,
            standard=standard,
            text=text,
            proposed_reference=proposed_reference,
            proposed_title=proposed_title,
            proposed_domain=proposed_domain,
            errors=errors,
        )
    if not title:
        errors.setdefault("title", []).append("Enter a title for the proposal.")
    elif len(title) > 200:
        errors.setdefault("title", []).append("The title must be 200 characters or fewer.")
    for field, messages in single_line_errors(
        title=("title", title), proposed_title=("proposed title", proposed_title)
    ).items():
        errors.setdefault(field, []).extend(messages)
    if not rationale:
        errors.setdefault("rationale", []).append("Explain why the change is needed.")
    if len(text) > MAX_DOCUMENT_TEXT_LENGTH or len(rationale) > MAX_DOCUMENT_TEXT_LENGTH:
        errors.setdefault("text", []).append(
            f"Keep texts under {MAX_DOCUMENT_TEXT_LENGTH:,} characters."
        )
    if errors:
        messages = [message for field_messages in errors.values() for message in field_messages]
        summary = messages[0] if len(messages) == 1 else "The proposal is not valid."
        raise DomainError(summary, errors=errors)
    return content


@transaction.atomic
def proposal_create(
    *,
    proposer: User,
    action: str,
    title: str,
    rationale: str,
    text: str = "",
    standard: Standard | None = None,
    proposed_reference: str = "",
    proposed_title: str = "",
    proposed_domain: str = "",
    organisation: Organisation | None = None,
    now: datetime.datetime | None = None,
) -> Proposal:
    """A draft proposal by a force's delegate or the standards secretary."""
    organisations = proposer_organisations(proposer)
    if not organisations:
        raise NotPermitted(
            "Only a force's delegate or the standards secretary may propose a change "
            "to the network code."
        )
    organisation = _choose(organisation, organisations, field="organisation", what="propose")
    content = _validated_content(
        action=action,
        title=title,
        rationale=rationale,
        text=text,
        standard=standard,
        proposed_reference=proposed_reference,
        proposed_title=proposed_title,
        proposed_domain=proposed_domain,
    )
    proposal = Proposal.objects.create(
        **content,
        proposer=proposer,
        proposer_organisation=organisation,
        created_at=_now(now),
    )
    audit.record(
        actor=proposer,
        action=StandardsAudit.PROPOSAL_CREATED,
        obj=proposal,
        organisation=organisation,
        after=audit.snapshot(proposal),
    )
    return proposal


@transaction.atomic
def proposal_update(*, proposal: Proposal, actor: User, **changes: Any) -> Proposal:
    """Its proposer (or the secretary) edits a draft; once in consultation it is fixed, so
    that everyone comments and votes on the same text."""
    locked = _locked(proposal)
    if actor.pk != locked.proposer_id and not is_standards_secretary(actor):
        raise NotPermitted("Only the proposer or the standards secretary may edit a draft.")
    if locked.status != ProposalStatus.DRAFT:
        raise InvalidTransition(
            f"This proposal {STATE_PHRASES[locked.status]}: only a draft can be edited."
        )
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"These cannot be edited: {', '.join(sorted(unknown))}.")
    current = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    content = _validated_content(**{**current, **changes})
    before = audit.snapshot(locked, EDITABLE_FIELDS)
    for name, value in content.items():
        setattr(locked, name, value)
    locked.save()
    after = audit.snapshot(locked, EDITABLE_FIELDS)
    if after != before:
        audit.record(
            actor=actor,
            action=StandardsAudit.PROPOSAL_UPDATED,
            obj=locked,
            organisation=locked.proposer_organisation,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return locked


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


@transaction.atomic
def proposal_open_consultation(
    *,
    proposal: Proposal,
    actor: User,
    closes_at: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> Proposal:
    """The secretary opens a draft for comment until ``closes_at``."""
    _require_secretary(actor)
    now = _now(now)
    locked = _locked(proposal)
    PROPOSAL.check(locked, ProposalStatus.CONSULTATION, now=now)
    if closes_at is None:
        raise DomainError("Enter when consultation closes.", field="consultation_closes_at")
    if closes_at <= now:
        raise DomainError("Consultation must close in the future.", field="consultation_closes_at")
    return _save_transition(
        locked,
        ProposalStatus.CONSULTATION,
        actor=actor,
        organisation=_secretary_organisation(actor),
        changes={"consultation_opens_at": now, "consultation_closes_at": closes_at},
        now=now,
    )


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
        _enact_or_record_failure(locked, actor=actor, now=now)
    return locked


# Enactment.


def _enact_or_record_failure(
    locked: Proposal, *, actor: User | None, now: datetime.datetime
) -> None:
    """Enact a proposal just carried; if it cannot be, it stays carried with the reason, for
    the secretary to enact once the obstacle is gone."""
    try:
        with transaction.atomic():
            _enact(locked, actor=actor, now=now)
    except DomainError as error:
        locked.refresh_from_db()
        locked.enactment_error = error.message
        locked.save(update_fields=["enactment_error", "updated_at"])
        audit.record(
            actor=actor,
            action=StandardsAudit.PROPOSAL_ENACTMENT_FAILED,
            obj=locked,
            organisation=_secretary_organisation(actor),
            after={"error": error.message},
        )


@transaction.atomic
def proposal_enact(
    *, proposal: Proposal, actor: User, now: datetime.datetime | None = None
) -> Proposal:
    """The secretary enacts a carried proposal whose automatic enactment failed."""
    _require_secretary(actor)
    now = _now(now)
    locked = _locked(proposal)
    return _enact(locked, actor=actor, now=now)


def _enact(locked: Proposal, *, actor: User | None, now: datetime.datetime) -> Proposal:
    PROPOSAL.check(locked, ProposalStatus.ENACTED, now=now)
    version: StandardVersion | None  # an abolition adds none
    effects: list[EnactmentEffect]  # what higher apps' receivers did, to finish below
    if locked.action == ProposalAction.ESTABLISH:
        standard, version, effects = _establish(locked, actor=actor, now=now)
    elif locked.action == ProposalAction.REVISE:
        standard, version, effects = _revise(locked, actor=actor, now=now)
    else:
        standard, version, effects = _abolish(locked, actor=actor, now=now)
    _transition(
        locked,
        ProposalStatus.ENACTED,
        actor=actor,
        organisation=_secretary_organisation(actor),
        changes={
            "standard": standard,
            "enacted_at": now,
            "enacted_version": version,
            "enactment_error": "",
        },
        now=now,
    )
    for effect in effects:
        if effect.then is not None:
            effect.then()
    return locked


def _establish(
    proposal: Proposal, *, actor: User | None, now: datetime.datetime
) -> tuple[Standard, StandardVersion, list[EnactmentEffect]]:
    reference = proposal.proposed_reference
    if Standard.objects.filter(reference=reference).exists():
        raise InvalidTransition(f"{reference} already exists: it cannot be established again.")
    try:
        with transaction.atomic():
            standard = Standard.objects.create(
                reference=reference, title=proposal.proposed_title, domain=proposal.proposed_domain
            )
    except IntegrityError as error:
        raise InvalidTransition(f"{reference} was established at the same moment.") from error
    version = StandardVersion.objects.create(
        standard=standard,
        version=1,
        body=proposal.text,
        status=VersionStatus.ADOPTED,
        effective_from=timezone.localdate(now),
    )
    audit.record(
        actor=actor,
        action=StandardsAudit.STANDARD_ESTABLISHED,
        obj=standard,
        after={
            "reference": reference,
            "title": standard.title,
            "domain": standard.domain,
            "version": version.version,
            "proposal": proposal.pk,
        },
    )
    return standard, version, []


def _standard_id(proposal: Proposal) -> int:
    """The standard a revision or abolition changes: a constraint says it names one."""
    return present(proposal.standard_id, "A revision's or abolition's standard")


def _locked_standard(proposal: Proposal, verb: str) -> tuple[Standard, list[StandardVersion]]:
    standard = Standard.objects.select_for_update().get(pk=_standard_id(proposal))
    if standard.is_abolished:
        raise InvalidTransition(
            f"{standard.reference} was abolished on "
            f"{timezone.localtime(standard.abolished_at):%-d %B %Y}: it cannot be {verb}."
        )
    versions = list(
        StandardVersion.objects.select_for_update().filter(standard=standard).order_by("pk")
    )
    return standard, versions


def _revise(
    proposal: Proposal, *, actor: User | None, now: datetime.datetime
) -> tuple[Standard, StandardVersion, list[EnactmentEffect]]:
    standard, versions = _locked_standard(proposal, "revised")
    current = next((v for v in versions if v.status == VersionStatus.ADOPTED), None)
    if current is None:
        raise InvalidTransition(f"{standard.reference} has no adopted version to revise.")
    transition_ends_at = now + datetime.timedelta(days=settings.STANDARDS_TRANSITION_DAYS)
    VERSION.apply(
        current,
        VersionStatus.SUPERSEDED,
        actor=actor,
        action=StandardsAudit.STANDARD_VERSION_SUPERSEDED,
        changes={"transition_ends_at": transition_ends_at},
    )
    number = (
        StandardVersion.objects.filter(standard=standard).aggregate(n=Max("version"))["n"] or 0
    ) + 1
    version = StandardVersion.objects.create(
        standard=standard,
        version=number,
        body=proposal.text,
        status=VersionStatus.ADOPTED,
        effective_from=timezone.localdate(now),
        supersedes=current,
    )
    effects = effects_of(
        version_superseded,
        sender=StandardVersion,
        version=current,
        successor=version,
        transition_ends_at=transition_ends_at,
        actor=actor,
        now=now,
    )
    audit.record(
        actor=actor,
        action=StandardsAudit.STANDARD_REVISED,
        obj=standard,
        after={
            "version": version.version,
            "supersedes": current.version,
            "transition_ends_at": transition_ends_at,
            "conformances_to_lapse": sum(effect.changed for effect in effects),
            "proposal": proposal.pk,
        },
    )
    return standard, version, effects


def _abolish(
    proposal: Proposal, *, actor: User | None, now: datetime.datetime
) -> tuple[Standard, None, list[EnactmentEffect]]:
    standard, versions = _locked_standard(proposal, "abolished")
    before = audit.snapshot(standard, ["abolished_at"])
    # Audited below, in the standard's one event, which lists the versions.
    VERSION.apply_many(versions, VersionStatus.ABOLISHED)
    standard.abolished_at = now
    standard.save(update_fields=["abolished_at"])
    effects = effects_of(
        standard_abolished,
        sender=Standard,
        standard=standard,
        versions=versions,
        actor=actor,
        now=now,
    )
    audit.record(
        actor=actor,
        action=StandardsAudit.STANDARD_ABOLISHED,
        obj=standard,
        before=before,
        after={
            "abolished_at": now,
            "versions": [v.version for v in versions],
            "conformances_lapsed": sum(effect.changed for effect in effects),
            "proposal": proposal.pk,
        },
    )
    return standard, None, effects


# Comments and votes.


@transaction.atomic
def proposal_comment(
    *,
    proposal: Proposal,
    author: User,
    body: str,
    organisation: Organisation | None = None,
    now: datetime.datetime | None = None,
) -> ProposalComment:
    """A force member's comment, while the proposal is in consultation."""
    forces = commenting_forces(author)
    if not forces:
        raise NotPermitted("Only members of a police force may comment on proposals.")
    organisation = _choose(organisation, forces, field="organisation", what="comment")
    body = (body or "").strip()
    if not body:
        raise DomainError("Enter your comment.", field="body")
    if len(body) > MAX_COMMENT_LENGTH:
        raise DomainError(f"Keep comments under {MAX_COMMENT_LENGTH:,} characters.", field="body")
    now = _now(now)
    locked = _locked(proposal)
    if not selectors.consultation_is_open(locked, now):
        raise InvalidTransition("Comments are taken only while the proposal is in consultation.")
    comment = ProposalComment.objects.create(
        proposal=locked, author=author, organisation=organisation, body=body, created_at=now
    )
    audit.record(
        actor=author,
        action=StandardsAudit.PROPOSAL_COMMENTED,
        obj=comment,
        organisation=organisation,
        after={"proposal": locked.pk, "body": body},
    )
    return comment


@dataclass(frozen=True)
class VoteOutcome:
    """What casting did, decided under the proposal's lock: ``created`` a new vote (201),
    else found one and ``changed`` it or left it as it was (200)."""

    vote: Vote
    created: bool
    changed: bool


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
        before = {"choice": vote.choice, "cast_by": vote.cast_by_id}
        vote.choice = choice
        vote.cast_by = delegate
        vote.updated_at = now
        vote.save(update_fields=["choice", "cast_by", "updated_at"])
        audit.record(
            actor=delegate,
            action=StandardsAudit.VOTE_CHANGED,
            obj=vote,
            organisation=force,
            before=before,
            after={"choice": choice, "cast_by": delegate.pk},
        )
        return VoteOutcome(vote=vote, created=False, changed=True)
    return VoteOutcome(vote=vote, created=False, changed=False)


# The decision rule.


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
