"""Proposals through their lifecycle, comments and votes: who may, when, and what is kept."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, Membership, Role
from core.errors import DomainError, InvalidTransition, NotPermitted
from standards import selectors, services
from standards.models import (
    DecisionRule,
    Proposal,
    ProposalAction,
    ProposalStatus,
    Vote,
)
from standards.states import PROPOSAL, STATE_PHRASES
from tests.factories import ForceFactory, StandardFactory, StandardVersionFactory, member
from tests.standards.helpers import DAY, delegates, draft, to_consultation, to_voting

pytestmark = pytest.mark.django_db


def actions_on(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


# Creating proposals.


def test_a_delegate_drafts_a_revision_for_their_force(delegate, force, standard):
    proposal = draft(delegate, standard=standard, title="Stronger encryption")

    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.proposer == delegate
    assert proposal.proposer_organisation == force
    assert actions_on(proposal) == ["proposal.created"]
    event = AuditEvent.objects.get(action="proposal.created")
    assert event.organisation == force
    assert event.after["title"] == "Stronger encryption"


def test_the_standards_secretary_may_propose_for_the_ict_company(standards_secretary, ict_company):
    proposal = draft(standards_secretary, action=ProposalAction.ESTABLISH)

    assert proposal.proposer_organisation == ict_company


@pytest.mark.parametrize(
    "user_fixture", ["buyer", "finance", "supplier_editor", "catalogue_manager", "commercial_lead"]
)
def test_only_delegates_and_the_secretary_may_propose(request, user_fixture, standard):
    user = request.getfixturevalue(user_fixture)

    with pytest.raises(NotPermitted):
        draft(user, standard=standard)

    assert not Proposal.objects.exists()


def test_establishing_needs_a_free_well_formed_reference_a_title_a_domain_and_text(
    delegate, standard
):
    with pytest.raises(DomainError) as error:
        services.proposal_create(
            proposer=delegate,
            action=ProposalAction.ESTABLISH,
            title="New",
            rationale="Why",
            proposed_reference=standard.reference,
            proposed_domain="astrology",
        )

    assert set(error.value.errors) == {
        "proposed_reference",
        "proposed_title",
        "proposed_domain",
        "text",
    }
    assert f"{standard.reference} already exists." in error.value.errors["proposed_reference"]

    with pytest.raises(DomainError) as error:
        draft(delegate, action=ProposalAction.ESTABLISH, proposed_reference="SEC-1")
    assert error.value.errors["proposed_reference"] == [
        "Use the form NC-XXX-000, for example NC-SEC-002."
    ]
    assert not Proposal.objects.exists()


def test_a_reference_is_normalised_to_upper_case(delegate):
    proposal = draft(delegate, action=ProposalAction.ESTABLISH, proposed_reference=" nc-bwv-001 ")

    assert proposal.proposed_reference == "NC-BWV-001"


def test_revising_an_abolished_standard_is_refused(delegate):
    abolished = StandardFactory(abolished_at=timezone.now())
    StandardVersionFactory(standard=abolished, status="abolished")

    with pytest.raises(DomainError) as error:
        draft(delegate, standard=abolished)

    assert error.value.status_code == 400
    assert "was abolished" in error.value.errors["standard"][0]
    with pytest.raises(DomainError):
        draft(delegate, action=ProposalAction.ABOLISH, standard=abolished)


def test_revising_or_abolishing_needs_a_standard(delegate):
    for action in (ProposalAction.REVISE, ProposalAction.ABOLISH):
        with pytest.raises(DomainError) as error:
            draft(delegate, action=action, standard=None)
        assert "standard" in error.value.errors


def test_a_revision_must_change_the_text(delegate, version):
    with pytest.raises(DomainError) as error:
        draft(delegate, standard=version.standard, text=f"  {version.body}\n")

    assert "a revision must change it" in error.value.errors["text"][0]


def test_an_abolition_has_no_text_and_names_no_new_standard(delegate, standard):
    with pytest.raises(DomainError) as error:
        draft(
            delegate,
            action=ProposalAction.ABOLISH,
            standard=standard,
            text="Something",
            proposed_title="x",
        )

    assert set(error.value.errors) == {"text", "proposed_title"}


def test_an_unknown_action_is_refused(delegate, standard):
    with pytest.raises(DomainError) as error:
        draft(delegate, action="amend", standard=standard)

    assert "action" in error.value.errors


def test_a_delegate_of_two_forces_says_which_one_proposes(delegate, force, other_force, standard):
    member_again = member(Role.DELEGATE, other_force, email="second@otherton.police.example")

    Membership.objects.create(user=member_again, organisation=force, role=Role.DELEGATE)

    with pytest.raises(DomainError) as error:
        draft(member_again, standard=standard)
    assert "organisation" in error.value.errors
    with pytest.raises(NotPermitted):
        draft(member_again, standard=standard, organisation=ForceFactory())

    proposal = draft(member_again, standard=standard, organisation=other_force)
    assert proposal.proposer_organisation == other_force


# The lifecycle and its transition map.


def test_the_transition_map_is_the_lifecycle():
    S = ProposalStatus
    table = {s: set(PROPOSAL.targets(Proposal(status=s))) for s in ProposalStatus.values}
    assert table == {
        S.DRAFT: {S.CONSULTATION},
        S.CONSULTATION: {S.VOTING},
        S.VOTING: {S.CARRIED, S.REJECTED},
        S.CARRIED: {S.ENACTED},
        S.REJECTED: set(),
        S.ENACTED: set(),
    }


@pytest.mark.parametrize("from_status", ProposalStatus.values)
@pytest.mark.parametrize("to_status", ProposalStatus.values)
def test_every_move_outside_the_map_is_a_409(from_status, to_status, delegate, standard):
    proposal = draft(delegate, standard=standard)
    proposal.status = from_status

    if to_status in PROPOSAL.targets(proposal):
        return  # in the map: its guards decide (tested with each step)
    with pytest.raises(InvalidTransition) as error:
        PROPOSAL.check(proposal, to_status)
    assert error.value.status_code == 409
    assert error.value.message.startswith(f"This proposal {STATE_PHRASES[from_status]}: ")


def test_the_secretary_opens_consultation_with_a_closing_date(
    delegate, standards_secretary, ict_company, standard
):
    proposal = draft(delegate, standard=standard)
    now = timezone.now()

    services.proposal_open_consultation(
        proposal=proposal, actor=standards_secretary, closes_at=now + 14 * DAY, now=now
    )

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONSULTATION
    assert proposal.consultation_opens_at == now
    assert proposal.consultation_closes_at == now + 14 * DAY
    event = AuditEvent.objects.get(action="proposal.consultation")
    assert event.actor == standards_secretary
    assert event.organisation == ict_company
    assert event.before["status"] == "draft"
    assert event.after["status"] == "consultation"


def test_only_the_secretary_moves_a_proposal_on(delegate, standard, buyer, catalogue_manager):
    proposal = draft(delegate, standard=standard)

    for user in (delegate, buyer, catalogue_manager):
        with pytest.raises(NotPermitted):
            services.proposal_open_consultation(
                proposal=proposal, actor=user, closes_at=timezone.now() + DAY
            )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_consultation_must_close_in_the_future(delegate, standards_secretary, standard):
    proposal = draft(delegate, standard=standard)

    for closes_at in (timezone.now() - DAY, None):
        with pytest.raises(DomainError) as error:
            services.proposal_open_consultation(
                proposal=proposal, actor=standards_secretary, closes_at=closes_at
            )
        assert "consultation_closes_at" in error.value.errors
        assert error.value.status_code == 400
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_voting_cannot_skip_consultation(delegate, standards_secretary, standard, rule):
    proposal = draft(delegate, standard=standard)

    with pytest.raises(InvalidTransition) as error:
        services.proposal_open_voting(
            proposal=proposal, actor=standards_secretary, closes_at=timezone.now() + DAY
        )

    assert error.value.status_code == 409
    assert "draft" in error.value.message
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.decision_rule is None


def test_voting_opens_only_after_consultation_has_run_its_course(
    delegate, standards_secretary, standard, rule
):
    proposal = to_consultation(draft(delegate, standard=standard), standards_secretary)

    with pytest.raises(InvalidTransition, match="Consultation is open until"):
        services.proposal_open_voting(
            proposal=proposal, actor=standards_secretary, closes_at=timezone.now() + 30 * DAY
        )


def test_voting_must_close_in_the_future_and_records_the_rule_in_force(
    delegate, standards_secretary, standard, rule
):
    proposal = draft(delegate, standard=standard)
    now = timezone.now()
    to_consultation(proposal, standards_secretary, closes_in=DAY, now=now - 2 * DAY)

    with pytest.raises(DomainError) as error:
        services.proposal_open_voting(
            proposal=proposal, actor=standards_secretary, closes_at=now, now=now
        )
    assert "voting_closes_at" in error.value.errors

    future_rule = DecisionRule.objects.create(version=2, effective_from=now + DAY)
    services.proposal_open_voting(
        proposal=proposal, actor=standards_secretary, closes_at=now + 7 * DAY, now=now
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.VOTING
    assert proposal.decision_rule == rule != future_rule
    assert proposal.voting_opens_at == now


def test_without_a_rule_in_force_voting_cannot_open(delegate, standards_secretary, standard):
    proposal = draft(delegate, standard=standard)
    to_consultation(proposal, standards_secretary, closes_in=DAY, now=timezone.now() - 2 * DAY)

    with pytest.raises(InvalidTransition, match="No decision rule"):
        services.proposal_open_voting(
            proposal=proposal, actor=standards_secretary, closes_at=timezone.now() + DAY
        )


def test_one_proposal_per_standard_is_under_way_at_a_time(delegate, standards_secretary, standard):
    first = to_consultation(draft(delegate, standard=standard), standards_secretary)
    second = draft(delegate, action=ProposalAction.ABOLISH, standard=standard)

    with pytest.raises(InvalidTransition, match="already under way"):
        to_consultation(second, standards_secretary)

    second.refresh_from_db()
    assert second.status == ProposalStatus.DRAFT
    assert first.status == ProposalStatus.CONSULTATION


def test_opening_a_proposal_whose_standard_was_abolished_meanwhile_is_refused(
    delegate, standards_secretary, standard
):
    proposal = draft(delegate, standard=standard)
    standard.abolished_at = timezone.now()
    standard.save()

    with pytest.raises(InvalidTransition, match="abolished"):
        to_consultation(proposal, standards_secretary)


# Comments.


@pytest.mark.parametrize("user_fixture", ["buyer", "finance", "delegate", "other_buyer"])
def test_any_force_member_comments_during_consultation(
    request, user_fixture, delegate, standards_secretary, standard
):
    proposal = to_consultation(draft(delegate, standard=standard), standards_secretary)
    user = request.getfixturevalue(user_fixture)

    comment = services.proposal_comment(proposal=proposal, author=user, body="  We agree.  ")

    assert comment.body == "We agree."
    assert comment.organisation.is_force
    assert actions_on(comment) == ["proposal.commented"]


@pytest.mark.parametrize(
    "user_fixture", ["supplier_editor", "catalogue_manager", "standards_secretary"]
)
def test_only_force_members_comment(request, user_fixture, delegate, standards_secretary, standard):
    proposal = to_consultation(draft(delegate, standard=standard), standards_secretary)

    with pytest.raises(NotPermitted):
        services.proposal_comment(
            proposal=proposal, author=request.getfixturevalue(user_fixture), body="Hello"
        )


def test_comments_are_taken_only_in_consultation(
    delegate, buyer, standards_secretary, standard, rule
):
    proposal = draft(delegate, standard=standard)
    with pytest.raises(InvalidTransition):
        services.proposal_comment(proposal=proposal, author=buyer, body="Too early")

    now = timezone.now()
    to_consultation(proposal, standards_secretary, closes_in=DAY, now=now - 2 * DAY)
    with pytest.raises(InvalidTransition):
        services.proposal_comment(proposal=proposal, author=buyer, body="Window closed")

    services.proposal_open_voting(
        proposal=proposal, actor=standards_secretary, closes_at=now + DAY, now=now
    )
    with pytest.raises(InvalidTransition):
        services.proposal_comment(proposal=proposal, author=buyer, body="Too late")
    assert not proposal.comments.exists()


def test_an_empty_comment_is_refused(delegate, buyer, standards_secretary, standard):
    proposal = to_consultation(draft(delegate, standard=standard), standards_secretary)

    with pytest.raises(DomainError) as error:
        services.proposal_comment(proposal=proposal, author=buyer, body="   ")

    assert "body" in error.value.errors


# Votes.


def test_a_delegate_casts_and_changes_their_forces_vote(
    delegate, force, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)

    first = services.vote_cast(proposal=proposal, delegate=delegate, choice="against")
    second = services.vote_cast(proposal=proposal, delegate=delegate, choice="for")
    again = services.vote_cast(proposal=proposal, delegate=delegate, choice="for")

    assert first.pk == second.pk == again.pk
    vote = Vote.objects.get()
    assert (vote.force, vote.choice, vote.cast_by) == (force, "for", delegate)
    assert actions_on(vote) == ["vote.cast", "vote.changed"]
    changed = AuditEvent.objects.get(action="vote.changed")
    assert changed.before["choice"] == "against"
    assert changed.after["choice"] == "for"
    assert changed.organisation == force


@pytest.mark.parametrize(
    "user_fixture",
    ["buyer", "finance", "supplier_editor", "catalogue_manager", "standards_secretary"],
)
def test_only_delegates_vote(request, user_fixture, delegate, standards_secretary, standard):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)

    with pytest.raises(NotPermitted):
        services.vote_cast(
            proposal=proposal, delegate=request.getfixturevalue(user_fixture), choice="for"
        )

    assert not Vote.objects.exists()


def test_a_delegate_cannot_vote_for_another_force(
    delegate, other_force, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)

    with pytest.raises(NotPermitted, match="not the delegate of Otherton Police"):
        services.vote_cast(proposal=proposal, delegate=delegate, choice="for", force=other_force)

    assert not Vote.objects.exists()


def test_an_unknown_choice_is_a_400(delegate, standards_secretary, standard):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)

    with pytest.raises(DomainError) as error:
        services.vote_cast(proposal=proposal, delegate=delegate, choice="yes")

    assert error.value.status_code == 400
    assert "choice" in error.value.errors
    assert not Vote.objects.exists()


def test_votes_are_taken_only_while_voting_is_open(
    delegate, buyer, standards_secretary, standard, rule
):
    proposal = draft(delegate, standard=standard)
    with pytest.raises(InvalidTransition):
        services.vote_cast(proposal=proposal, delegate=delegate, choice="for")
    now = timezone.now()
    to_consultation(proposal, standards_secretary, now=now - 10 * DAY, closes_in=DAY)
    with pytest.raises(InvalidTransition):
        services.vote_cast(proposal=proposal, delegate=delegate, choice="for")

    services.proposal_open_voting(
        proposal=proposal, actor=standards_secretary, closes_at=now + DAY, now=now
    )
    services.vote_cast(proposal=proposal, delegate=delegate, choice="for")
    # After the window ends, even before the job has closed the vote:
    with pytest.raises(InvalidTransition, match="not open for voting"):
        services.vote_cast(proposal=proposal, delegate=delegate, choice="against", now=now + DAY)

    services.proposals_close_due(now=now + DAY)
    with pytest.raises(InvalidTransition):
        services.vote_cast(proposal=proposal, delegate=delegate, choice="against")
    assert Vote.objects.get().choice == "for"


def test_a_delegate_of_two_forces_says_which_force_votes(
    delegate, force, other_force, standards_secretary, standard
):
    Membership.objects.create(user=delegate, organisation=other_force, role=Role.DELEGATE)
    proposal = draft(delegate, standard=standard, organisation=force)
    to_voting(proposal, standards_secretary)

    with pytest.raises(DomainError) as error:
        services.vote_cast(proposal=proposal, delegate=delegate, choice="for")
    assert "force" in error.value.errors

    services.vote_cast(proposal=proposal, delegate=delegate, choice="for", force=force)
    services.vote_cast(proposal=proposal, delegate=delegate, choice="against", force=other_force)
    assert dict(Vote.objects.values_list("force__slug", "choice")) == {
        "testshire": "for",
        "otherton": "against",
    }


def test_the_live_tally_weighs_each_force_by_its_headcount(
    delegate, other_delegate, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)
    services.vote_cast(proposal=proposal, delegate=delegate, choice="for")  # 2000 officers
    services.vote_cast(proposal=proposal, delegate=other_delegate, choice="against")  # 1000

    view = selectors.proposal_tally(proposal)

    assert not view.final
    assert view.voting_open
    assert view.rule["version"] == 1
    # The counts are secret until the vote closes (issue 9, finding 10): turnout only.
    assert view.tally is None
    assert (view.turnout.forces_voted, view.turnout.headcount_voted) == (2, 3000)
    services.proposal_close(proposal=proposal, actor=standards_secretary, reason="All in")
    proposal.refresh_from_db()
    tally = selectors.proposal_tally(proposal).tally
    assert (tally.total_forces, tally.forces_for, tally.forces_against) == (2, 1, 1)
    assert (tally.headcount_for, tally.headcount_voted) == (2000, 3000)
    assert tally.quorum_met
    assert not tally.forces_majority_met  # 1 of 2 is 50%
    assert tally.headcount_majority_met  # 2000 of 3000 is 66.7%
    assert not tally.carried


def test_there_is_no_tally_before_voting_opens(delegate, standard):
    assert selectors.proposal_tally(draft(delegate, standard=standard)) is None


def test_votes_are_published_only_once_the_vote_closes(
    delegate, other_delegate, force, other_buyer, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)
    services.vote_cast(proposal=proposal, delegate=delegate, choice="for")
    services.vote_cast(proposal=proposal, delegate=other_delegate, choice="against")

    assert [v.force for v in selectors.votes_visible_to(delegate, proposal)] == [force]
    # Not even the secretary sees them while open (issue 9, finding 10).
    assert selectors.votes_visible_to(standards_secretary, proposal).count() == 0

    services.proposal_close(proposal=proposal, actor=standards_secretary, reason="Test")
    proposal.refresh_from_db()
    assert selectors.votes_visible_to(other_buyer, proposal).count() == 2


def test_a_new_rule_version_is_audited_and_refuses_impossible_fractions(standards_secretary, rule):
    created = services.decision_rule_create(
        actor=standards_secretary,
        quorum=Decimal("0.6"),
        forces_majority=Decimal("0.6"),
        headcount_majority=Decimal("0.7"),
        effective_from=timezone.now(),
    )

    assert created.version == 2
    assert actions_on(created) == ["decision_rule.created"]
    with pytest.raises(DomainError):
        services.decision_rule_create(
            actor=standards_secretary,
            quorum=Decimal("1.5"),
            forces_majority=Decimal("0.6"),
            headcount_majority=Decimal("0.7"),
            effective_from=timezone.now(),
        )


def test_drafts_are_seen_by_their_proposers_organisation_and_the_secretary(
    delegate, buyer, other_buyer, standards_secretary, supplier_editor, standard
):
    proposal = draft(delegate, standard=standard)

    assert proposal in selectors.proposals_visible_to(buyer)
    assert proposal in selectors.proposals_visible_to(standards_secretary)
    assert proposal not in selectors.proposals_visible_to(other_buyer)
    assert proposal not in selectors.proposals_visible_to(supplier_editor)

    to_consultation(proposal, standards_secretary)
    assert proposal in selectors.proposals_visible_to(other_buyer)
    assert proposal in selectors.proposals_visible_to(supplier_editor)


def test_many_delegates_each_vote_once(standards_secretary, standard, delegate):
    voters = delegates(5)
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)

    for index, voter in enumerate(voters):
        services.vote_cast(
            proposal=proposal, delegate=voter, choice=["for", "against", "abstain"][index % 3]
        )

    assert Vote.objects.filter(proposal=proposal).count() == 5
    assert selectors.proposal_tally(proposal).turnout.forces_not_voted == 1  # testshire


def test_closing_after_the_window_records_the_time(delegate, standards_secretary, standard):
    now = timezone.now()
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary, now=now)
    later = now + datetime.timedelta(days=8)

    services.proposal_close(proposal=proposal, actor=standards_secretary, now=later)

    proposal.refresh_from_db()
    assert proposal.closed_at == later
    assert proposal.result["closed_early"] is False


# Editing a draft.


def test_the_proposer_edits_their_draft_and_the_change_is_audited(delegate, standard):
    proposal = draft(delegate, standard=standard, title="First title")

    services.proposal_update(proposal=proposal, actor=delegate, title="Better title")

    proposal.refresh_from_db()
    assert proposal.title == "Better title"
    event = AuditEvent.objects.get(action="proposal.updated")
    assert (event.before, event.after) == ({"title": "First title"}, {"title": "Better title"})


def test_an_edit_is_validated_like_a_new_proposal(delegate, version):
    proposal = draft(delegate, standard=version.standard)

    with pytest.raises(DomainError) as error:
        services.proposal_update(proposal=proposal, actor=delegate, text=version.body)

    assert "a revision must change it" in error.value.errors["text"][0]
    with pytest.raises(DomainError):
        services.proposal_update(proposal=proposal, actor=delegate, proposer=delegate)


def test_only_the_proposer_or_the_secretary_edits_and_only_a_draft(
    delegate, buyer, other_delegate, standards_secretary, standard
):
    proposal = draft(delegate, standard=standard)

    for user in (buyer, other_delegate):
        with pytest.raises(NotPermitted):
            services.proposal_update(proposal=proposal, actor=user, title="Hijacked")
    services.proposal_update(proposal=proposal, actor=standards_secretary, title="Tidied")

    to_consultation(proposal, standards_secretary)
    with pytest.raises(InvalidTransition, match="only a draft can be edited"):
        services.proposal_update(proposal=proposal, actor=delegate, title="Too late")
    proposal.refresh_from_db()
    assert proposal.title == "Tidied"
