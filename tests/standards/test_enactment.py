"""Closing votes, enacting what is carried, and what that does to conformance and compliance."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent
from catalogue import tasks as catalogue_tasks
from catalogue.models import Conformance, Product
from catalogue.services import compliance, lapsing
from core.errors import DomainError, InvalidTransition, NotPermitted
from standards import selectors, services, tasks
from standards.models import (
    DecisionRule,
    Proposal,
    ProposalAction,
    ProposalStatus,
    Standard,
    StandardVersion,
)
from standards.signals import standard_abolished
from tests.factories import ConformanceFactory, ProductFactory, StandardVersionFactory
from tests.standards.helpers import DAY, delegates, draft, to_voting

pytestmark = pytest.mark.django_db


@pytest.fixture
def voters(db):
    """Four forces of 1000 officers each, with delegates."""
    return delegates(4)


def voted(proposal, voters, choices, *, now=None):
    for voter, choice in zip(voters, choices, strict=False):
        services.vote_cast(proposal=proposal, delegate=voter, choice=choice, now=now)


def close_at_end(proposal):
    """Run the scheduled close just after the window ends; returns the proposal reloaded."""
    proposal.refresh_from_db()
    services.proposals_close_due(now=proposal.voting_closes_at + datetime.timedelta(seconds=1))
    proposal.refresh_from_db()
    return proposal


def is_compliant(product) -> bool:
    return Product.objects.get(pk=product.pk).is_compliant


# Closing.


def test_closing_waits_for_the_window_to_end(voters, standards_secretary, standard):
    now = timezone.now()
    proposal = to_voting(draft(voters[0], standard=standard), standards_secretary, now=now)
    voted(proposal, voters, ["for"] * 4)

    assert services.proposals_close_due(now=now + 6 * DAY) == []
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.VOTING

    assert services.proposals_close_due(now=now + 7 * DAY) == [proposal.pk]


def test_a_carried_proposal_is_closed_and_enacted_once(voters, standards_secretary, standard):
    proposal = to_voting(draft(voters[0], standard=standard), standards_secretary)
    voted(proposal, voters, ["for", "for", "for", "against"])

    proposal = close_at_end(proposal)
    again = services.proposals_close_due(now=proposal.voting_closes_at + 2 * DAY)

    assert again == []
    assert proposal.status == ProposalStatus.ENACTED
    assert proposal.result["tally"]["carried"] is True
    assert proposal.result["tally"]["forces_for"] == 3
    assert proposal.result["rule"] == {
        "version": 1,
        "quorum": "0.5000",
        "forces_majority": "0.5500",
        "headcount_majority": "0.6500",
    }
    assert sorted(v["choice"] for v in proposal.result["votes"]) == [
        "against",
        "for",
        "for",
        "for",
    ]
    assert list(
        AuditEvent.objects.filter(object_type="standards.proposal", object_id=str(proposal.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    ) == [
        "proposal.created",
        "proposal.consultation",
        "proposal.voting",
        "proposal.carried",
        "proposal.enacted",
    ]
    assert standard.versions.count() == 2


def test_a_rejected_proposal_changes_nothing(voters, standards_secretary, version):
    proposal = to_voting(draft(voters[0], standard=version.standard), standards_secretary)
    voted(proposal, voters, ["for", "against", "against", "abstain"])

    proposal = close_at_end(proposal)

    assert proposal.status == ProposalStatus.REJECTED
    assert proposal.enacted_at is None
    version.refresh_from_db()
    assert version.status == "adopted"
    assert version.standard.versions.count() == 1


def test_without_a_quorum_a_unanimous_vote_is_rejected(voters, standards_secretary, standard):
    proposal = to_voting(draft(voters[0], standard=standard), standards_secretary)
    voted(proposal, voters[:1], ["for"])  # 1 of 4 forces

    proposal = close_at_end(proposal)

    assert proposal.status == ProposalStatus.REJECTED
    assert proposal.result["tally"]["quorum_met"] is False


def test_the_rule_recorded_when_voting_opened_decides_even_if_a_new_rule_comes_in(
    voters, standards_secretary, standard
):
    proposal = to_voting(draft(voters[0], standard=standard), standards_secretary)
    DecisionRule.objects.create(
        version=2,
        quorum=1,
        forces_majority=1,
        headcount_majority=1,
        effective_from=timezone.now(),
    )
    voted(proposal, voters, ["for", "for", "for", "against"])  # 75%: passes v1, fails v2

    proposal = close_at_end(proposal)

    assert proposal.result["rule"]["version"] == 1
    assert proposal.status == ProposalStatus.ENACTED


def test_the_secretary_may_close_early_only_with_a_reason(voters, standards_secretary, standard):
    proposal = to_voting(draft(voters[0], standard=standard), standards_secretary)
    voted(proposal, voters, ["for"] * 4)

    with pytest.raises(DomainError) as error:
        services.proposal_close(proposal=proposal, actor=standards_secretary)
    assert "reason" in error.value.errors
    with pytest.raises(NotPermitted):
        services.proposal_close(proposal=proposal, actor=voters[0], reason="Because")

    services.proposal_close(
        proposal=proposal, actor=standards_secretary, reason="Every force has voted."
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ENACTED
    assert proposal.result["closed_early"] is True
    assert proposal.result["reason"] == "Every force has voted."


def test_closing_a_vote_that_is_not_open_is_a_409(voters, standards_secretary, standard):
    proposal = draft(voters[0], standard=standard)

    with pytest.raises(InvalidTransition) as error:
        services.proposal_close(proposal=proposal, actor=standards_secretary, reason="x")

    assert error.value.status_code == 409


def test_the_close_votes_command_and_the_task_close_what_is_due(
    voters, standards_secretary, standard, capsys
):
    past = timezone.now() - 10 * DAY
    proposal = to_voting(draft(voters[0], standard=standard), standards_secretary, now=past)
    voted(proposal, voters, ["for"] * 3, now=past + DAY)

    call_command("close_votes")
    proposal.refresh_from_db()

    assert proposal.status == ProposalStatus.ENACTED
    assert "Closed 1 vote." in capsys.readouterr().out
    assert tasks.close_due_votes.delay().get() == []


def test_the_impact_is_recorded_when_the_vote_closes(voters, standards_secretary, version):
    product = ProductFactory(name="Rugged tablet")
    ConformanceFactory(product=product, standard_version=version)
    proposal = to_voting(
        draft(voters[0], action=ProposalAction.ABOLISH, standard=version.standard),
        standards_secretary,
    )
    voted(proposal, voters, ["for"] * 4)

    proposal = close_at_end(proposal)

    assert proposal.status == ProposalStatus.ENACTED
    assert [p["name"] for p in proposal.impact_snapshot["products"]] == ["Rugged tablet"]
    assert proposal.impact_snapshot["final"] is True
    # After abolition nothing conforms any more, but the impact shows what it touched.
    shown = selectors.proposal_impact(proposal=proposal, user=voters[1])
    assert [p["name"] for p in shown["products"]] == ["Rugged tablet"]
    assert shown["final"] is True


# Enactment: establish.


def test_establishing_creates_the_standard_and_version_1(voters, standards_secretary):
    proposal = to_voting(
        draft(
            voters[0],
            action=ProposalAction.ESTABLISH,
            proposed_reference="NC-BWV-001",
            proposed_title="Body-worn video metadata",
            proposed_domain="digital_evidence",
            text="## Requirement\n\nRecord metadata.",
        ),
        standards_secretary,
    )
    voted(proposal, voters, ["for"] * 4)

    proposal = close_at_end(proposal)

    standard = Standard.objects.get(reference="NC-BWV-001")
    assert (standard.title, standard.domain) == ("Body-worn video metadata", "digital_evidence")
    version = standard.versions.get()
    assert (version.version, version.status) == (1, "adopted")
    assert version.body == "## Requirement\n\nRecord metadata."
    assert version.effective_from == timezone.localdate(proposal.closed_at)
    assert proposal.standard == standard
    assert proposal.enacted_version == version
    assert AuditEvent.objects.filter(action="standard.established").count() == 1


def test_an_establishment_that_cannot_be_enacted_stays_carried_with_the_reason(
    voters, standards_secretary
):
    proposal = to_voting(
        draft(voters[0], action=ProposalAction.ESTABLISH, proposed_reference="NC-BWV-002"),
        standards_secretary,
    )
    voted(proposal, voters, ["for"] * 4)
    Standard.objects.create(reference="NC-BWV-002", title="Made elsewhere", domain="networks")

    proposal = close_at_end(proposal)

    assert proposal.status == ProposalStatus.CARRIED
    assert "already exists" in proposal.enactment_error
    assert AuditEvent.objects.filter(action="proposal.enactment_failed").count() == 1
    with pytest.raises(InvalidTransition, match="already exists"):
        services.proposal_enact(proposal=proposal, actor=standards_secretary)


def test_the_secretary_enacts_a_carried_proposal_once_the_obstacle_is_gone(
    voters, standards_secretary, version
):
    proposal = to_voting(draft(voters[0], standard=version.standard), standards_secretary)
    voted(proposal, voters, ["for"] * 4)
    StandardVersion.objects.filter(pk=version.pk).update(status="superseded")

    proposal = close_at_end(proposal)
    assert proposal.status == ProposalStatus.CARRIED
    assert "no adopted version" in proposal.enactment_error

    StandardVersion.objects.filter(pk=version.pk).update(status="adopted")
    with pytest.raises(NotPermitted):
        services.proposal_enact(proposal=proposal, actor=voters[0])
    services.proposal_enact(proposal=proposal, actor=standards_secretary)

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ENACTED
    assert proposal.enactment_error == ""
    with pytest.raises(InvalidTransition):
        services.proposal_enact(proposal=proposal, actor=standards_secretary)


# Enactment: revise, the transition period and lapsing.


@pytest.fixture
def catalogue(version):
    """Products conforming to the version: verified, claimed, rejected, and one verified
    to another standard too."""
    verified = ProductFactory(name="Verified laptop", is_compliant=False)
    ConformanceFactory(product=verified, standard_version=version)
    claimed = ProductFactory(name="Claimed laptop", is_compliant=False)
    ConformanceFactory(product=claimed, standard_version=version, status="claimed")
    rejected = ProductFactory(name="Rejected laptop", is_compliant=False)
    ConformanceFactory(product=rejected, standard_version=version, status="rejected")
    both = ProductFactory(name="Doubly conforming laptop", is_compliant=False)
    ConformanceFactory(product=both, standard_version=version)
    ConformanceFactory(product=both)  # to another standard

    compliance.refresh()
    return {"verified": verified, "claimed": claimed, "rejected": rejected, "both": both}


def test_a_revision_supersedes_the_old_version_and_starts_the_transition_period(
    voters, standards_secretary, version, catalogue, settings
):
    settings.STANDARDS_TRANSITION_DAYS = 30
    proposal = to_voting(
        draft(voters[0], standard=version.standard, text="## Requirement\n\nAES-256 and wipe."),
        standards_secretary,
    )
    voted(proposal, voters, ["for"] * 4)

    proposal = close_at_end(proposal)
    enacted_at = proposal.enacted_at
    ends = enacted_at + datetime.timedelta(days=30)

    version.refresh_from_db()
    new = proposal.enacted_version
    assert (new.version, new.status, new.supersedes) == (2, "adopted", version)
    assert new.body == "## Requirement\n\nAES-256 and wipe."
    assert (version.status, version.transition_ends_at) == ("superseded", ends)
    lapses = dict(
        Conformance.objects.filter(standard_version=version).values_list(
            "product__name", "lapses_at"
        )
    )
    assert lapses == {
        "Verified laptop": ends,
        "Claimed laptop": ends,
        "Rejected laptop": None,
        "Doubly conforming laptop": ends,
    }
    # Inside the transition period the products stay compliant.
    assert is_compliant(catalogue["verified"])
    assert is_compliant(catalogue["both"])
    events = AuditEvent.objects.filter(action="conformance.lapse_scheduled")
    assert events.count() == 3  # one per supplier and version
    assert {event.organisation.pk for event in events} == {
        catalogue[name].supplier_id for name in ("verified", "claimed", "both")
    }
    scheduled = [row for event in events for row in event.after["conformances"]]
    assert {row["product"] for row in scheduled} == {
        catalogue[name].pk for name in ("verified", "claimed", "both")
    }
    assert {row["lapses_at"] for row in scheduled} == {audit.to_json(ends)}
    assert all(row["lapses_at"] is None for event in events for row in event.before)


def test_one_suppliers_conformances_are_audited_together(
    voters, standards_secretary, version, supplier
):
    for _ in range(3):
        ConformanceFactory(product=ProductFactory(supplier=supplier), standard_version=version)
    proposal = to_voting(draft(voters[0], standard=version.standard), standards_secretary)
    voted(proposal, voters, ["for"] * 4)

    proposal = close_at_end(proposal)

    (event,) = AuditEvent.objects.filter(action="conformance.lapse_scheduled")
    assert event.organisation == supplier
    assert (event.object_type, event.object_id) == ("standards.standardversion", str(version.pk))
    assert len(event.after["conformances"]) == 3
    assert event.after["superseded_by"] == f"{version.standard.reference} v2"


def test_conformance_lapses_when_the_transition_period_ends(
    voters, standards_secretary, version, catalogue
):
    proposal = to_voting(draft(voters[0], standard=version.standard), standards_secretary)
    voted(proposal, voters, ["for"] * 4)
    proposal = close_at_end(proposal)
    version.refresh_from_db()
    ends = version.transition_ends_at
    assert ends == proposal.enacted_at + datetime.timedelta(days=180)

    assert lapsing.conformance_lapse_due(now=ends - datetime.timedelta(seconds=1)) == 0
    assert is_compliant(catalogue["verified"])

    assert lapsing.conformance_lapse_due(now=ends) == 3
    assert lapsing.conformance_lapse_due(now=ends + DAY) == 0

    statuses = dict(
        Conformance.objects.filter(standard_version=version).values_list("product__name", "status")
    )
    assert statuses == {
        "Verified laptop": "lapsed",
        "Claimed laptop": "lapsed",
        "Rejected laptop": "rejected",
        "Doubly conforming laptop": "lapsed",
    }
    assert Conformance.objects.filter(status="lapsed").first().lapsed_at == ends
    # A lapsed claim to a standard in force leaves the product non-compliant until it is
    # verified against the new version.
    assert not is_compliant(catalogue["verified"])
    assert not is_compliant(catalogue["both"])
    assert AuditEvent.objects.filter(action="conformance.lapsed").count() == 3

    ConformanceFactory(product=catalogue["verified"], standard_version=proposal.enacted_version)

    compliance.refresh([catalogue["verified"].pk])
    assert is_compliant(catalogue["verified"])


def test_the_lapse_command_and_task_lapse_what_is_due(capsys):
    conformance = ConformanceFactory(lapses_at=timezone.now() - DAY)
    ConformanceFactory(lapses_at=timezone.now() + DAY)

    call_command("lapse_conformance")

    assert "Lapsed 1 conformance record." in capsys.readouterr().out
    conformance.refresh_from_db()
    assert conformance.status == "lapsed"
    assert catalogue_tasks.lapse_conformance.delay().get() == 0


def test_a_second_revision_keeps_the_earlier_lapse_date(voters, standards_secretary, version):
    conformance = ConformanceFactory(standard_version=version)
    first = to_voting(draft(voters[0], standard=version.standard), standards_secretary)
    voted(first, voters, ["for"] * 4)
    first = close_at_end(first)
    conformance.refresh_from_db()
    lapses_at = conformance.lapses_at

    second = to_voting(draft(voters[0], standard=version.standard), standards_secretary)
    voted(second, voters, ["for"] * 4)
    second = close_at_end(second)

    conformance.refresh_from_db()
    assert conformance.lapses_at == lapses_at
    assert list(version.standard.versions.values_list("version", "status")) == [
        (3, "adopted"),
        (2, "superseded"),
        (1, "superseded"),
    ]


# Enactment: abolish.


def test_abolition_abolishes_every_version_and_lapses_conformance_at_once(
    voters, standards_secretary, version, catalogue
):
    StandardVersion.objects.filter(pk=version.pk).update(status="superseded")
    newer = StandardVersionFactory(standard=version.standard, version=2, status="adopted")
    ConformanceFactory(product=catalogue["verified"], standard_version=newer)
    proposal = to_voting(
        draft(voters[0], action=ProposalAction.ABOLISH, standard=version.standard),
        standards_secretary,
    )
    voted(proposal, voters, ["for"] * 4)

    proposal = close_at_end(proposal)

    standard = Standard.objects.get(pk=version.standard_id)
    assert standard.abolished_at == proposal.enacted_at
    assert set(standard.versions.values_list("status", flat=True)) == {"abolished"}
    assert proposal.enacted_version is None
    assert list(
        Conformance.objects.filter(standard_version__standard=standard)
        .order_by("product__name", "standard_version__version")
        .values_list("product__name", "status")
    ) == [
        ("Claimed laptop", "lapsed"),
        ("Doubly conforming laptop", "lapsed"),
        ("Rejected laptop", "rejected"),
        ("Verified laptop", "lapsed"),
        ("Verified laptop", "lapsed"),
    ]
    # An abolished standard is no longer required: a product with another verified
    # conformance stays compliant; one with nothing else does not.
    assert not is_compliant(catalogue["verified"])
    assert is_compliant(catalogue["both"])
    assert AuditEvent.objects.filter(action="standard.abolished").count() == 1
    assert AuditEvent.objects.filter(action="conformance.lapsed").count() == 4


def test_a_revision_of_a_standard_abolished_meanwhile_is_not_enacted(
    voters, standards_secretary, standard
):
    proposal = to_voting(draft(voters[0], standard=standard), standards_secretary)
    voted(proposal, voters, ["for"] * 4)
    Standard.objects.filter(pk=standard.pk).update(abolished_at=timezone.now())

    proposal = close_at_end(proposal)

    assert proposal.status == ProposalStatus.CARRIED
    assert "cannot be revised" in proposal.enactment_error
    assert standard.versions.count() == 1


def test_proposals_for_the_same_standard_cannot_both_be_live(voters, standards_secretary, standard):
    to_voting(draft(voters[0], standard=standard), standards_secretary)
    with pytest.raises(InvalidTransition):
        to_voting(
            draft(voters[0], action=ProposalAction.ABOLISH, standard=standard),
            standards_secretary,
        )
    assert Proposal.objects.filter(status="voting").count() == 1


def test_a_receiver_refusing_an_abolition_rolls_back_the_conformance_it_lapsed(
    voters, standards_secretary, version, catalogue
):
    """Catalogue lapses conformance on standards' signal inside the enactment's transaction:
    when a later receiver refuses, the lapsing is undone with the abolition."""

    def refuse(sender, **kwargs):
        raise InvalidTransition("A receiver refuses the abolition.")

    standard_abolished.connect(refuse, dispatch_uid="tests.refuse")
    try:
        proposal = to_voting(
            draft(voters[0], action=ProposalAction.ABOLISH, standard=version.standard),
            standards_secretary,
        )
        voted(proposal, voters, ["for"] * 4)
        proposal = close_at_end(proposal)
    finally:
        standard_abolished.disconnect(dispatch_uid="tests.refuse")

    assert proposal.status == ProposalStatus.CARRIED
    assert proposal.enactment_error == "A receiver refuses the abolition."
    assert Standard.objects.get(pk=version.standard_id).abolished_at is None
    assert set(
        Conformance.objects.filter(standard_version=version).values_list("status", flat=True)
    ) == {"verified", "claimed", "rejected"}
    assert not AuditEvent.objects.filter(action="conformance.lapsed").exists()
    assert is_compliant(catalogue["verified"])
