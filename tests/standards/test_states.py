"""The network code's machines: the secretary's page offers the steps the machine allows,
and says why a step is not open yet in the words of its guard."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from core.errors import InvalidTransition
from standards import services
from standards.audit_actions import StandardsAudit
from standards.models import DecisionRule, ProposalStatus, VersionStatus
from standards.states import PROPOSAL, VERSION
from tests.standards.helpers import DAY, default_rule, draft, to_consultation

pytestmark = pytest.mark.django_db


def steps_on_the_page(client, secretary, proposal) -> str:
    client.force_login(secretary)
    return client.get(reverse("standards:proposal_detail", args=[proposal.pk])).content.decode()


def test_voting_waits_for_consultation_to_close_and_the_page_says_so(
    client, standards_secretary, delegate, standard
):
    default_rule()
    proposal = to_consultation(draft(delegate, standard=standard), standards_secretary)

    body = steps_on_the_page(client, standards_secretary, proposal)

    assert "Open voting: Consultation is open until" in body
    assert "voting can open once it has closed." in body
    assert reverse("standards:proposal_transition", args=[proposal.pk, "open-voting"]) not in body


def test_without_a_decision_rule_in_force_voting_is_not_offered_and_not_opened(
    client, standards_secretary, delegate, standard
):
    now = timezone.now()
    proposal = to_consultation(
        draft(delegate, standard=standard), standards_secretary, closes_in=DAY, now=now - 2 * DAY
    )
    assert not DecisionRule.objects.exists()

    body = steps_on_the_page(client, standards_secretary, proposal)
    assert "Open voting: No decision rule is in force: voting cannot open." in body

    with pytest.raises(InvalidTransition, match="No decision rule is in force"):
        services.proposal_open_voting(
            proposal=proposal, actor=standards_secretary, closes_at=now + 7 * DAY, now=now
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONSULTATION


def test_once_the_guards_agree_the_step_is_a_link(client, standards_secretary, delegate, standard):
    default_rule()
    now = timezone.now()
    proposal = to_consultation(
        draft(delegate, standard=standard), standards_secretary, closes_in=DAY, now=now - 2 * DAY
    )

    assert PROPOSAL.can(proposal, ProposalStatus.VOTING, now=now)
    body = steps_on_the_page(client, standards_secretary, proposal)
    assert reverse("standards:proposal_transition", args=[proposal.pk, "open-voting"]) in body


def test_a_refused_step_names_where_the_proposal_stands_and_what_can_come_next(delegate, standard):
    proposal = draft(delegate, standard=standard)

    assert PROPOSAL.refusal(proposal, ProposalStatus.ENACTED) == (
        "This proposal is a draft: it cannot be enacted. Next it can go to consultation."
    )
    proposal.status = ProposalStatus.REJECTED  # in memory only, to ask the machine
    assert PROPOSAL.refusal(proposal, ProposalStatus.VOTING) == (
        "This proposal has been rejected: it cannot open for voting. That is final."
    )


def test_an_abolished_version_is_final_and_superseding_is_audited(version):
    assert VERSION.is_final(VersionStatus.ABOLISHED)
    VERSION.apply(
        version,
        VersionStatus.SUPERSEDED,
        actor=None,
        action=StandardsAudit.STANDARD_VERSION_SUPERSEDED,
    )
    assert AuditEvent.objects.get().action == "standard_version.superseded"
    with pytest.raises(InvalidTransition):
        VERSION.check(version, VersionStatus.ADOPTED)
