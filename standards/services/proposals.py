"""Proposals before the vote: drafting and editing one, opening it for consultation, and
the forces' comments while it is open."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import Organisation, User
from accounts.permissions import commenting_forces, is_standards_secretary, proposer_organisations
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.limits import MAX_COMMENT_LENGTH, MAX_DOCUMENT_TEXT_LENGTH
from core.text import single_line_errors
from standards import selectors
from standards.audit_actions import StandardsAudit
from standards.models import (
    Domain,
    Proposal,
    ProposalAction,
    ProposalComment,
    ProposalStatus,
    Standard,
    StandardVersion,
    VersionStatus,
)
from standards.services._common import (
    _choose,
    _locked,
    _now,
    _require_secretary,
    _save_transition,
    _secretary_organisation,
)
from standards.states import PROPOSAL, STATE_PHRASES

REFERENCE_PATTERN = re.compile(r"^NC-[A-Z]{2,5}-\d{3}$")


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
    with audit.audited(
        locked,
        actor=actor,
        action=StandardsAudit.PROPOSAL_UPDATED,
        organisation=locked.proposer_organisation,
        fields=EDITABLE_FIELDS,
        only_changes=True,  # what the edit changed; no event for an edit that changed nothing
    ):
        for name, value in content.items():
            setattr(locked, name, value)
        locked.save()
    return locked


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
