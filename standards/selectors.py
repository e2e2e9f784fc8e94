"""Reads for the network code: what each user may see, the live tally and the impact.

The register and every proposal past its draft are public to signed-in users; a draft is
seen only by its proposer's organisation and the standards secretary (another user gets a
404). Each selector here is used by both the pages and the API.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, User
from accounts.permissions import (
    can_see_purchase_quantities,
    delegate_forces,
    is_standards_secretary,
    memberships_of,
)
from core.invariants import present
from standards import policies, providers
from standards.domain import rules
from standards.models import (
    DecisionRule,
    Proposal,
    ProposalAction,
    ProposalComment,
    ProposalStatus,
    Standard,
    StandardVersion,
    VersionStatus,
    Vote,
)

# The register.


def standards_visible_to(user: User | AnonymousUser) -> QuerySet[Standard]:
    """The register is public to every signed-in user."""
    if not user.is_authenticated:
        return Standard.objects.none()
    return Standard.objects.all()


def standard_register(user: User | AnonymousUser) -> QuerySet[Standard]:
    """Every standard with its versions (newest first), each counting the published products
    verified as conforming to it. Three queries, whatever the size of the register."""
    versions = StandardVersion.objects.annotate(
        conforming_products=providers.conformance().conforming_products()
    ).order_by("-version")
    return standards_visible_to(user).prefetch_related(Prefetch("versions", queryset=versions))


def standard_history(user: User, reference: str) -> Standard | None:
    """One standard with every version, the published products conforming to each (verified,
    and lapsed ones for history), and the proposals about it."""
    versions = (
        StandardVersion.objects.select_related("supersedes")
        .prefetch_related(providers.conformance().history())
        .order_by("-version")
    )
    proposals = Proposal.objects.exclude(status=ProposalStatus.DRAFT).order_by("-created_at")
    return (
        standards_visible_to(user)
        .prefetch_related(
            Prefetch("versions", queryset=versions),
            Prefetch("proposals", queryset=proposals, to_attr="public_proposals"),
        )
        .filter(reference=reference)
        .first()
    )


def current_version(standard: Standard) -> StandardVersion | None:
    """The adopted version, from prefetched versions when there are some."""
    return next((v for v in standard.versions.all() if v.status == VersionStatus.ADOPTED), None)


# Proposals.


def proposals_visible_to(user: User | AnonymousUser) -> QuerySet[Proposal]:
    if not user.is_authenticated:
        return Proposal.objects.none()
    proposals = Proposal.objects.select_related(
        "standard", "proposer", "proposer_organisation", "decision_rule"
    )
    if is_standards_secretary(user):
        return proposals
    own = [m.organisation_id for m in memberships_of(user)]
    return proposals.filter(~Q(status=ProposalStatus.DRAFT) | Q(proposer_organisation__in=own))


def proposal_comments(proposal: Proposal) -> QuerySet[ProposalComment]:
    return proposal.comments.select_related("author", "organisation").order_by("created_at", "pk")


def rule_in_force(now: datetime.datetime | None = None) -> DecisionRule | None:
    """The decision rule with the latest ``effective_from`` on or before ``now``."""
    now = now or timezone.now()
    return (
        DecisionRule.objects.filter(effective_from__lte=now)
        .order_by("-effective_from", "-version")
        .first()
    )


def thresholds_of(rule: DecisionRule) -> rules.Thresholds:
    return rules.Thresholds(
        quorum=rule.quorum,
        forces_majority=rule.forces_majority,
        headcount_majority=rule.headcount_majority,
    )


def rule_json(rule: DecisionRule) -> dict[str, Any]:
    return {
        "version": rule.version,
        "quorum": str(rule.quorum),
        "forces_majority": str(rule.forces_majority),
        "headcount_majority": str(rule.headcount_majority),
    }


@dataclass(frozen=True)
class TallyView:
    """A tally with what it was counted under: final once the vote has closed.

    The ballot is secret until then (``policies.counts_visible``): ``tally`` (for, against,
    abstain and the verdict) is None and only ``turnout`` is given."""

    tally: rules.Tally | None
    turnout: policies.Turnout
    rule: dict[str, Any]
    final: bool
    as_at: datetime.datetime
    voting_open: bool

    @property
    def counts_visible(self) -> bool:
        return self.tally is not None

    @property
    def thresholds(self) -> rules.Thresholds:
        return rules.Thresholds(
            quorum=Decimal(self.rule["quorum"]),
            forces_majority=Decimal(self.rule["forces_majority"]),
            headcount_majority=Decimal(self.rule["headcount_majority"]),
        )


def live_ballots(proposal: Proposal) -> list[rules.Ballot]:
    # Votes are cast by forces, and a constraint gives every force a headcount.
    return [
        rules.Ballot(
            force_id=force_id,
            choice=choice,
            headcount=present(headcount, "A voting force's officer headcount"),
        )
        for force_id, choice, headcount in Vote.objects.filter(proposal=proposal)
        .order_by("force_id")
        .values_list("force_id", "choice", "force__officer_headcount")
    ]


def count_forces() -> int:
    return Organisation.objects.filter(kind=OrganisationKind.FORCE).count()


def proposal_tally(proposal: Proposal, now: datetime.datetime | None = None) -> TallyView | None:
    """The tally: recorded once the vote has closed, live while it is open (two queries).
    Before voting opens there is nothing to count: None."""
    now = now or timezone.now()
    if proposal.result:
        recorded = rules.Tally.from_json(proposal.result["tally"])
        return TallyView(
            tally=policies.visible_tally(proposal, recorded),
            turnout=policies.Turnout.of(recorded),
            rule=proposal.result["rule"],
            final=True,
            as_at=proposal.closed_at or now,
            voting_open=False,
        )
    if proposal.status != ProposalStatus.VOTING or proposal.decision_rule is None:
        return None
    rule = proposal.decision_rule
    tally = rules.decide(
        thresholds=thresholds_of(rule), total_forces=count_forces(), ballots=live_ballots(proposal)
    )
    return TallyView(
        tally=policies.visible_tally(proposal, tally),
        turnout=policies.Turnout.of(tally),
        rule=rule_json(rule),
        final=False,
        as_at=now,
        voting_open=voting_is_open(proposal, now),
    )


def voting_is_open(proposal: Proposal, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        proposal.status == ProposalStatus.VOTING
        and proposal.voting_closes_at is not None
        and now < proposal.voting_closes_at
    )


def consultation_is_open(proposal: Proposal, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        proposal.status == ProposalStatus.CONSULTATION
        and proposal.consultation_closes_at is not None
        and now < proposal.consultation_closes_at
    )


def votes_visible_to(user: User, proposal: Proposal) -> QuerySet[Vote]:
    """How each force voted is published when the vote closes; until then a user sees only
    the votes of their own forces (``policies.may_see_vote``), the secretary included."""
    votes = proposal.votes.select_related("force", "cast_by").order_by("force__name")
    if policies.counts_visible(proposal):
        return votes
    return votes.filter(force__in=policies.own_force_ids(user))


# The impact of a revision or abolition.


def affected_versions(proposal: Proposal) -> QuerySet[StandardVersion]:
    """A revision touches the adopted version; an abolition every version still in force."""
    if proposal.action == ProposalAction.REVISE:
        statuses = [VersionStatus.ADOPTED]
    elif proposal.action == ProposalAction.ABOLISH:
        statuses = [VersionStatus.ADOPTED, VersionStatus.SUPERSEDED]
    else:
        return StandardVersion.objects.none()
    if proposal.standard_id is None:  # a constraint forbids it once saved: nothing to touch
        return StandardVersion.objects.none()
    return (
        StandardVersion.objects.filter(standard_id=proposal.standard_id, status__in=statuses)
        .select_related("standard")
        .order_by("version")
    )


def compute_impact(proposal: Proposal, now: datetime.datetime | None = None) -> dict[str, Any]:
    """What the proposal would touch, unscoped: the published products verified as conforming
    to an affected version, their suppliers, and how many each force has bought of them
    through awarded orders (catalogue and procurement provide them: standards/providers.py).
    Three queries, whatever the numbers."""
    now = now or timezone.now()
    applies = proposal.action in (ProposalAction.REVISE, ProposalAction.ABOLISH)
    versions = list(affected_versions(proposal)) if applies else []
    conformances = providers.conformance().affected(versions) if versions else []
    products: dict[int, dict[str, Any]] = {}
    for product_id, name, sku, supplier_id, slug, supplier_name, version in conformances:
        row = products.get(product_id)
        if row is None:
            row = products[product_id] = {
                "id": product_id,
                "name": name,
                "sku": sku,
                "supplier": {"id": supplier_id, "slug": slug, "name": supplier_name},
                "versions": [],
                "quantities": [],
                "total_quantity": 0,
            }
        row["versions"].append(version)
    bought = providers.purchases().bought(list(products)) if products else []
    forces: dict[int, dict[str, Any]] = {}
    for line in bought:
        force: dict[str, Any] = {
            "id": line.force_id,
            "slug": line.force_slug,
            "name": line.force_name,
        }
        row = products[line.product_id]
        row["quantities"].append({"force": force, "quantity": line.quantity})
        row["total_quantity"] += line.quantity
        summary = forces.setdefault(force["id"], {"force": force, "quantity": 0, "products": 0})
        summary["quantity"] += line.quantity
        summary["products"] += 1
    suppliers: dict[int, dict[str, Any]] = {}
    for row in products.values():
        supplier = row["supplier"]
        summary = suppliers.setdefault(
            supplier["id"], {"supplier": supplier, "products": 0, "total_quantity": 0}
        )
        summary["products"] += 1
        summary["total_quantity"] += row["total_quantity"]
    return {
        "applies": applies,
        "as_at": now.isoformat(),
        "final": False,
        "versions": [
            {"id": v.pk, "version": v.version, "status": v.status, "label": str(v)}
            for v in versions
        ],
        "products": list(products.values()),
        "suppliers": sorted(suppliers.values(), key=lambda s: s["supplier"]["name"]),
        "forces": sorted(forces.values(), key=lambda f: (-f["quantity"], f["force"]["name"])),
        "totals": {
            "products": len(products),
            "suppliers": len(suppliers),
            "forces": len(forces),
            "quantity": sum(row["total_quantity"] for row in products.values()),
        },
    }


def proposal_impact(*, proposal: Proposal, user: User) -> dict[str, Any]:
    """The impact as this user may see it: as recorded when the vote closed, or live before.
    Purchase quantities are shown to forces and the ICT company, not to suppliers."""
    if proposal.impact_snapshot is not None:
        impact = {**proposal.impact_snapshot, "final": True}
    else:
        impact = compute_impact(proposal)
    quantities_visible = can_see_purchase_quantities(user)
    impact["quantities_visible"] = quantities_visible
    if not quantities_visible:
        impact["products"] = [
            {**row, "quantities": [], "total_quantity": None} for row in impact["products"]
        ]
        impact["suppliers"] = [{**row, "total_quantity": None} for row in impact["suppliers"]]
        impact["forces"] = []
        impact["totals"] = {**impact["totals"], "forces": None, "quantity": None}
    return impact


# Delegates.


@dataclass(frozen=True)
class Ballot:
    """A proposal open for a vote by one of the delegate's forces, and the vote so far."""

    proposal: Proposal
    force: Organisation
    vote: Vote | None


def ballots_for(user: User, now: datetime.datetime | None = None) -> list[Ballot]:
    """Every open vote for every force the user is delegate of, with the force's vote so far.
    Two queries."""
    now = now or timezone.now()
    forces = delegate_forces(user)
    if not forces:
        return []
    open_proposals = list(
        proposals_visible_to(user)
        .filter(status=ProposalStatus.VOTING, voting_closes_at__gt=now)
        .prefetch_related(
            Prefetch(
                "votes",
                queryset=Vote.objects.filter(force__in=forces),
                to_attr="own_votes",
            )
        )
        .order_by("voting_closes_at", "pk")
    )
    result = []
    for proposal in open_proposals:
        by_force = {vote.force_id: vote for vote in proposal.own_votes}
        for force in forces:
            result.append(Ballot(proposal=proposal, force=force, vote=by_force.get(force.pk)))
    return result


def votes_by_force(proposal: Proposal, forces: list[Organisation]) -> dict[int, Vote]:
    return {
        vote.force_id: vote for vote in Vote.objects.filter(proposal=proposal, force__in=forces)
    }


def proposals_by_status(proposals: QuerySet[Proposal]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for status, count in proposals.order_by().values_list("status").annotate(n=Count("pk")):
        counts[status] = count
    return counts


def standards() -> QuerySet[Standard]:
    """Every standard, abolished too (standards are public): for matching a reference."""
    return Standard.objects.all()
