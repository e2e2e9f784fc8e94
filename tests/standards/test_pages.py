"""The network code's pages: who sees what, and what each form does."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from standards import services
from standards.models import Proposal, ProposalAction, ProposalStatus, Vote
from tests.factories import (
    ConformanceFactory,
    ProductFactory,
    StandardFactory,
    StandardVersionFactory,
)
from tests.standards.helpers import (
    DAY,
    awarded_order,
    delegates,
    draft,
    to_consultation,
    to_voting,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "buyer",
    "finance",
    "delegate",
    "supplier_editor",
    "catalogue_manager",
    "commercial_lead",
    "standards_secretary",
]


def page(client, user, name, *args, **kwargs):
    client.force_login(user)
    return client.get(reverse(f"standards:{name}", args=args), **kwargs)


def window(days: int) -> dict:
    moment = timezone.localtime(timezone.now() + datetime.timedelta(days=days))
    return {"day": moment.day, "month": moment.month, "year": moment.year, "time": "17:00"}


# The register.


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_register_and_a_standards_history(client, request, role, version):
    product = ProductFactory(name="Rugged laptop")
    ConformanceFactory(product=product, standard_version=version)
    user = request.getfixturevalue(role)

    register = page(client, user, "standard_list")
    history = page(client, user, "standard_detail", version.standard.reference)

    assert register.status_code == history.status_code == 200
    assert version.standard.reference in register.content.decode()
    body = history.content.decode()
    assert "Version 1" in body
    assert "Rugged laptop" in body
    assert "Devices <strong>must</strong> encrypt data." in body


def test_anonymous_users_are_sent_to_sign_in(client, version):
    for url in (
        reverse("standards:standard_list"),
        reverse("standards:proposal_list"),
        reverse("standards:delegate_dashboard"),
        reverse("standards:standard_detail", args=[version.standard.reference]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_a_standards_history_shows_superseded_versions_and_their_transition(client, buyer):
    standard = StandardFactory(reference="NC-SEC-009")
    old = StandardVersionFactory(
        standard=standard,
        status="superseded",
        transition_ends_at=timezone.now() + 30 * DAY,
        body="Old text",
    )
    StandardVersionFactory(standard=standard, version=2, supersedes=old, body="New text")
    lapsed = ConformanceFactory(standard_version=old, status="lapsed", lapsed_at=timezone.now())

    body = page(client, buyer, "standard_detail", "NC-SEC-009").content.decode()

    assert "Superseded" in body
    assert "replaced version 1" in body
    assert "conformance lapsing on" in body
    assert lapsed.product.name in body
    assert page(client, buyer, "standard_detail", "NC-XXX-001").status_code == 404


def test_the_register_filters_by_domain_and_counts_in_constant_queries(
    client, buyer, version, django_assert_max_num_queries
):
    StandardVersionFactory(standard=StandardFactory(domain="networks", reference="NC-NET-005"))
    client.force_login(buyer)
    url = reverse("standards:standard_list")
    client.get(url)

    for _ in range(5):
        ConformanceFactory(standard_version=StandardVersionFactory())
    with django_assert_max_num_queries(10):
        response = client.get(url)

    assert response.status_code == 200
    filtered = client.get(url, {"domain": "networks"}).content.decode()
    assert "NC-NET-005" in filtered
    assert version.standard.reference not in filtered


# Proposals.


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_is_shown_to_its_force_and_the_secretary_only(
    client, request, role, delegate, standard
):
    proposal = draft(delegate, standard=standard, title="Draft for Testshire")
    user = request.getfixturevalue(role)
    sees = role in ("buyer", "finance", "delegate", "standards_secretary")

    listing = page(client, user, "proposal_list").content.decode()
    detail = page(client, user, "proposal_detail", proposal.pk)

    assert ("Draft for Testshire" in listing) is sees
    assert detail.status_code == (200 if sees else 404)


def test_another_forces_draft_is_a_404(client, other_buyer, delegate, standard):
    proposal = draft(delegate, standard=standard)

    assert page(client, other_buyer, "proposal_detail", proposal.pk).status_code == 404


def test_a_revision_shows_its_text_safely_and_an_accessible_diff(client, delegate, version):
    proposal = draft(
        delegate,
        standard=version.standard,
        text="## Requirement\n\nDevices **must** encrypt data with AES-256.\n\n<script>x</script>",
    )

    body = page(client, delegate, "proposal_detail", proposal.pk).content.decode()

    assert "<script>x</script>" not in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body
    assert "Changes from NC-TST" in body
    assert '<span class="govuk-visually-hidden">Removed</span>' in body
    assert '<span class="govuk-visually-hidden">Added</span>' in body
    assert "<del>Devices **must** encrypt data.</del>" in body
    assert "<ins>Devices **must** encrypt data with AES-256.</ins>" in body
    assert "<ins>&lt;script&gt;x&lt;/script&gt;</ins>" in body


def test_the_impact_on_the_page_lists_products_and_what_forces_bought(
    client, delegate, force, version, supplier_editor
):
    product = ProductFactory(name="Rugged laptop")
    ConformanceFactory(product=product, standard_version=version)
    awarded_order(product, {force: 12})
    proposal = draft(delegate, action=ProposalAction.ABOLISH, standard=version.standard)

    body = page(client, delegate, "proposal_detail", proposal.pk).content.decode()

    assert "Rugged laptop" in body
    assert "Testshire Constabulary: 12" in body
    assert "Installed base by force" in body


def test_a_live_tally_is_drawn_with_both_thresholds_a_text_alternative_and_a_table(
    client, delegate, other_delegate, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)
    services.vote_cast(proposal=proposal, delegate=delegate, choice="for")
    services.vote_cast(proposal=proposal, delegate=other_delegate, choice="against")

    body = page(client, other_delegate, "proposal_detail", proposal.pk).content.decode()

    # While open the ballot is secret: turnout only (issue 9, finding 10).
    assert 'role="img" aria-labelledby="tally-chart-title tally-chart-desc"' in body
    assert "Quorum 50%: met" in body
    assert "2 of 2 forces have voted" in body
    assert "55% for needed" not in body
    assert "would <strong>not be carried</strong>" not in body
    # Until the vote closes a delegate sees only their own force's vote.
    assert "Your force&#x27;s vote" in body or "Your force's vote" in body
    assert "Testshire Constabulary</th>" not in body

    services.proposal_close(proposal=proposal, actor=standards_secretary, reason="All in")
    body = page(client, other_delegate, "proposal_detail", proposal.pk).content.decode()
    assert "55% for needed: not met" in body  # 1 of 2 forces
    assert "65% for needed: met" in body  # 2000 of 3000 officers
    assert "The three tests of the decision rule" in body
    assert "Testshire Constabulary</th>" in body


# Ballot.


def test_a_delegate_sees_a_ballot_and_casts_and_changes_the_vote(
    client, delegate, force, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)
    client.force_login(delegate)
    url = reverse("standards:proposal_vote", args=[proposal.pk])

    body = client.get(reverse("standards:proposal_detail", args=[proposal.pk])).content.decode()
    assert "Your vote for Testshire Constabulary" in body
    assert "has not voted yet" in body

    response = client.post(url, {"choice": "against", "force": force.pk})
    assert response.status_code == 302
    assert response["Location"].endswith("#tally")
    client.post(url, {"choice": "for", "force": force.pk})

    vote = Vote.objects.get()
    assert vote.choice == "for"
    body = client.get(reverse("standards:proposal_detail", args=[proposal.pk])).content.decode()
    assert "has voted <strong>for</strong>" in body
    assert "Change the vote" in body


@pytest.mark.parametrize("role", [r for r in ROLES if r != "delegate"])
def test_no_ballot_for_anyone_but_a_delegate(
    client, request, role, delegate, force, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)
    user = request.getfixturevalue(role)

    body = page(client, user, "proposal_detail", proposal.pk).content.decode()
    response = client.post(
        reverse("standards:proposal_vote", args=[proposal.pk]), {"choice": "for", "force": force.pk}
    )

    assert "Your vote for" not in body
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_a_delegate_cannot_vote_for_another_force_through_the_page(
    client, delegate, other_force, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)
    client.force_login(delegate)

    response = client.post(
        reverse("standards:proposal_vote", args=[proposal.pk]),
        {"choice": "for", "force": other_force.pk},
    )

    assert response.status_code == 403
    assert "not the delegate of that force" in response.content.decode()
    assert not Vote.objects.exists()


def test_an_unknown_choice_shows_an_error_and_changes_nothing(
    client, delegate, force, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)
    client.force_login(delegate)

    response = client.post(
        reverse("standards:proposal_vote", args=[proposal.pk]),
        {"choice": "maybe", "force": force.pk},
    )

    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert not Vote.objects.exists()


def test_a_vote_after_the_window_is_refused(client, delegate, force, standards_secretary, standard):
    proposal = to_voting(
        draft(delegate, standard=standard), standards_secretary, now=timezone.now() - 8 * DAY
    )
    client.force_login(delegate)

    response = client.post(
        reverse("standards:proposal_vote", args=[proposal.pk]), {"choice": "for", "force": force.pk}
    )

    assert response.status_code == 409
    assert "not open for voting" in response.content.decode()


# Comments.


def test_a_force_member_comments_during_consultation(
    client, buyer, delegate, standards_secretary, standard
):
    proposal = to_consultation(draft(delegate, standard=standard), standards_secretary)
    client.force_login(buyer)

    response = client.post(
        reverse("standards:proposal_comment", args=[proposal.pk]), {"body": "We support this."}
    )

    assert response.status_code == 302
    body = client.get(reverse("standards:proposal_detail", args=[proposal.pk])).content.decode()
    assert "We support this." in body
    assert "Publish your comment" in body


def test_suppliers_get_no_comment_box_and_cannot_comment(
    client, supplier_editor, delegate, standards_secretary, standard
):
    proposal = to_consultation(draft(delegate, standard=standard), standards_secretary)

    body = page(client, supplier_editor, "proposal_detail", proposal.pk).content.decode()
    response = client.post(
        reverse("standards:proposal_comment", args=[proposal.pk]), {"body": "Buy ours."}
    )

    assert "Publish your comment" not in body
    assert response.status_code == 403
    assert not proposal.comments.exists()


def test_a_comment_outside_consultation_is_refused(client, buyer, delegate, standard):
    proposal = draft(delegate, standard=standard)
    client.force_login(buyer)

    response = client.post(reverse("standards:proposal_comment", args=[proposal.pk]), {"body": "x"})

    assert response.status_code == 409
    assert not proposal.comments.exists()


# Creating proposals.


def test_a_delegate_drafts_a_proposal_through_the_form(client, delegate, standard):
    client.force_login(delegate)
    url = reverse("standards:proposal_create")

    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "action": "revise",
            "standard": standard.reference,
            "title": "Stronger encryption",
            "text": "## Requirement\n\nAES-256.",
            "rationale": "Lost devices.",
        },
    )

    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("standards:proposal_detail", args=[proposal.pk])
    assert (proposal.status, proposal.standard) == (ProposalStatus.DRAFT, standard)


@pytest.mark.parametrize("role", ["buyer", "finance", "supplier_editor", "catalogue_manager"])
def test_others_cannot_open_the_proposal_form(client, request, role):
    assert page(client, request.getfixturevalue(role), "proposal_create").status_code == 403


def test_a_bad_proposal_shows_the_services_errors_in_the_summary(client, delegate, standard):
    client.force_login(delegate)

    response = client.post(
        reverse("standards:proposal_create"),
        {
            "action": "abolish",
            "standard": standard.reference,
            "title": "Go",
            "text": "x",
            "rationale": "y",
        },
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body
    assert "has no text" in body
    assert body.count("Error:") >= 1
    assert not Proposal.objects.exists()


def test_an_abolished_standard_cannot_be_chosen_for_revision(client, delegate):
    StandardFactory(reference="NC-OLD-002", abolished_at=timezone.now())
    client.force_login(delegate)

    response = client.post(
        reverse("standards:proposal_create"),
        {"action": "revise", "standard": "NC-OLD-002", "title": "x", "text": "y", "rationale": "z"},
    )

    assert response.status_code == 400
    assert not Proposal.objects.exists()


# The secretary's transitions.


def test_the_secretary_opens_consultation_and_voting_through_the_forms(
    client, standards_secretary, delegate, standard, rule
):
    proposal = draft(delegate, standard=standard)
    client.force_login(standards_secretary)

    response = client.post(
        reverse("standards:proposal_transition", args=[proposal.pk, "open-consultation"]),
        window(14),
    )

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONSULTATION
    assert timezone.localtime(proposal.consultation_closes_at).hour == 17

    # Voting waits for consultation to close: a 409 with the reason.
    early = client.post(
        reverse("standards:proposal_transition", args=[proposal.pk, "open-voting"]), window(20)
    )
    assert early.status_code == 409
    assert "Consultation is open until" in early.content.decode()

    Proposal.objects.filter(pk=proposal.pk).update(
        consultation_opens_at=timezone.now() - 20 * DAY,
        consultation_closes_at=timezone.now() - DAY,
    )
    response = client.post(
        reverse("standards:proposal_transition", args=[proposal.pk, "open-voting"]), window(7)
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.VOTING
    assert proposal.decision_rule == rule


def test_a_window_in_the_past_or_an_impossible_date_is_a_400(
    client, standards_secretary, delegate, standard
):
    proposal = draft(delegate, standard=standard)
    client.force_login(standards_secretary)
    url = reverse("standards:proposal_transition", args=[proposal.pk, "open-consultation"])

    past = client.post(url, window(-2))
    impossible = client.post(url, {"day": 31, "month": 2, "year": 2030, "time": "17:00"})
    bad_time = client.post(url, {**window(3), "time": "5pm"})

    assert past.status_code == impossible.status_code == bad_time.status_code == 400
    assert "Consultation must close in the future." in past.content.decode()
    assert "Enter a real date" in impossible.content.decode()
    assert "Enter a time like 17:00." in bad_time.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_a_step_that_skips_a_state_is_a_409(client, standards_secretary, delegate, standard):
    proposal = draft(delegate, standard=standard)
    client.force_login(standards_secretary)
    url = reverse("standards:proposal_transition", args=[proposal.pk, "open-voting"])

    get = client.get(url)
    post = client.post(url, window(7))

    assert get.status_code == 302  # back to the proposal, with the reason
    assert post.status_code == 409
    assert "cannot open for voting" in post.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


@pytest.mark.parametrize("role", [r for r in ROLES if r != "standards_secretary"])
def test_only_the_secretary_reaches_the_transition_forms(client, request, role, delegate, standard):
    proposal = draft(delegate, standard=standard)
    user = request.getfixturevalue(role)
    client.force_login(user)
    url = reverse("standards:proposal_transition", args=[proposal.pk, "open-consultation"])

    visible = role in ("buyer", "finance", "delegate")
    assert client.get(url).status_code == (403 if visible else 404)
    assert client.post(url, window(14)).status_code == (403 if visible else 404)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_closing_early_needs_a_reason_and_then_enacts(
    client, standards_secretary, delegate, version
):
    proposal = to_voting(draft(delegate, standard=version.standard), standards_secretary)
    services.vote_cast(proposal=proposal, delegate=delegate, choice="for")
    client.force_login(standards_secretary)
    url = reverse("standards:proposal_transition", args=[proposal.pk, "close"])

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert "give a reason" in refused.content.decode()

    response = client.post(url, {"reason": "Every force has voted."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ENACTED
    body = client.get(response["Location"]).content.decode()
    assert "carried and enacted" in body
    assert "closed early by the standards secretary" in body


def test_an_unknown_step_is_a_404(client, standards_secretary, delegate, standard):
    proposal = draft(delegate, standard=standard)

    assert (
        page(client, standards_secretary, "proposal_transition", proposal.pk, "approve").status_code
        == 404
    )


# The delegate dashboard.


def test_the_dashboard_lists_open_votes_the_force_has_not_cast(
    client, delegate, standards_secretary, standard
):
    waiting = to_voting(
        draft(delegate, standard=standard, title="Waiting for you"), standards_secretary
    )
    other = StandardVersionFactory().standard
    cast = to_voting(draft(delegate, standard=other, title="Already cast"), standards_secretary)
    services.vote_cast(proposal=cast, delegate=delegate, choice="abstain")
    closed_standard = StandardVersionFactory().standard
    to_voting(
        draft(delegate, standard=closed_standard, title="Window over"),
        standards_secretary,
        now=timezone.now() - 8 * DAY,
    )

    body = page(client, delegate, "delegate_dashboard").content.decode()

    awaiting, _, rest = body.partition("Votes cast")
    assert "Waiting for you" in awaiting
    assert "#ballot-testshire" in awaiting
    assert "Already cast" not in awaiting
    assert "Already cast" in rest and "Abstain" in rest
    assert "Window over" not in body
    assert waiting.pk


@pytest.mark.parametrize("role", [r for r in ROLES if r != "delegate"])
def test_the_dashboard_is_for_delegates(client, request, role):
    assert page(client, request.getfixturevalue(role), "delegate_dashboard").status_code == 403


def test_the_dashboard_takes_constant_queries(
    client, delegate, standards_secretary, django_assert_max_num_queries
):
    client.force_login(delegate)
    for _ in range(2):
        to_voting(draft(delegate, standard=StandardVersionFactory().standard), standards_secretary)
    client.get(reverse("standards:delegate_dashboard"))
    for _ in range(5):
        to_voting(draft(delegate, standard=StandardVersionFactory().standard), standards_secretary)

    with django_assert_max_num_queries(9):
        response = client.get(reverse("standards:delegate_dashboard"))
    assert response.content.decode().count("Vote<span") == 7


def test_the_home_page_links_to_the_standards_pages(client, delegate, standards_secretary):
    client.force_login(delegate)
    body = client.get("/").content.decode()

    for name in ("delegate_dashboard", "proposal_list", "standard_list"):
        assert f'href="{reverse(f"standards:{name}")}"' in body


def test_a_proposal_page_takes_constant_queries(
    client, delegate, force, standards_secretary, version, django_assert_max_num_queries
):
    voters = delegates(8)
    proposal = to_voting(draft(delegate, standard=version.standard), standards_secretary)
    product = ProductFactory()
    ConformanceFactory(product=product, standard_version=version)
    awarded_order(product, {force: 3})
    services.vote_cast(proposal=proposal, delegate=voters[0], choice="for")
    client.force_login(delegate)
    url = reverse("standards:proposal_detail", args=[proposal.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)

    for voter in voters[1:]:
        services.vote_cast(proposal=proposal, delegate=voter, choice="against")
    for _ in range(8):
        product = ProductFactory()
        ConformanceFactory(product=product, standard_version=version)
        awarded_order(product, {force: 2})

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


def test_the_proposer_edits_a_draft_through_the_form(client, delegate, buyer, standard):
    proposal = draft(delegate, standard=standard, title="Original")
    client.force_login(delegate)
    url = reverse("standards:proposal_edit", args=[proposal.pk])

    detail = client.get(reverse("standards:proposal_detail", args=[proposal.pk])).content.decode()
    assert url in detail
    form = client.get(url)
    assert form.status_code == 200
    assert 'value="Original"' in form.content.decode()

    response = client.post(
        url,
        {
            "action": "revise",
            "standard": standard.reference,
            "title": "Edited",
            "text": proposal.text,
            "rationale": proposal.rationale,
        },
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "Edited"

    client.force_login(buyer)
    assert client.get(url).status_code == 403
    assert (
        url
        not in client.get(reverse("standards:proposal_detail", args=[proposal.pk])).content.decode()
    )
