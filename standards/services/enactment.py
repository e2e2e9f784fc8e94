"""Enactment: a carried proposal establishes, revises or abolishes its standard. A revision
supersedes the adopted version and an abolition abolishes every version; higher apps' receivers
of :mod:`standards.signals` change what depends on them inside the same transaction."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts import audit
from accounts.models import User
from core.errors import DomainError, InvalidTransition
from core.invariants import present
from standards.audit_actions import StandardsAudit
from standards.models import (
    Proposal,
    ProposalAction,
    ProposalStatus,
    Standard,
    StandardVersion,
    VersionStatus,
)
from standards.services._common import (
    _locked,
    _now,
    _require_secretary,
    _secretary_organisation,
    _transition,
)
from standards.signals import (
    EnactmentEffect,
    effects_of,
    standard_abolished,
    version_superseded,
)
from standards.states import PROPOSAL, VERSION


def enact_or_record_failure(
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
    with audit.audited(
        standard,
        actor=actor,
        action=StandardsAudit.STANDARD_ABOLISHED,
        fields=["abolished_at"],
    ) as change:
        # Audited in the standard's one event, which lists the versions.
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
        change.details.update(
            versions=[v.version for v in versions],
            conformances_lapsed=sum(effect.changed for effect in effects),
            proposal=proposal.pk,
        )
    return standard, None, effects
