"""The network code's API: every endpoint, for every role, and bad input."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from standards import services
from standards.models import Proposal, ProposalAction, ProposalStatus, Vote
from tests.factories import (
    ConformanceFactory,
    ProductFactory,
    StandardFactory,
    StandardVersionFactory,
)
from tests.standards.helpers import DAY, awarded_order, draft, to_consultation, to_voting

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
FORCE_ROLES = {"buyer", "finance", "delegate"}


def in_future(days=7) -> str:
    return (timezone.now() + datetime.timedelta(days=days)).isoformat()


# Standards.


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_register_with_versions(api, request, role, version):
    StandardVersionFactory(standard=StandardFactory(reference="NC-NET-009"), version=1)

    api.as_user(request.getfixturevalue(role))
    listing = api.get("/api/v1/standards/")
    detail = api.get(f"/api/v1/standards/{version.standard.reference}/")

    assert listing.status_code == 200
    assert listing.json()["count"] == 2
    assert detail.status_code == 200
    body = detail.json()
    assert body["current_version"] == 1
    assert body["versions"][0]["version"] == 1
    assert body["versions"][0]["status"] == "adopted"
    assert "<strong>must</strong>" in body["versions"][0]["body_html"]


def test_the_register_counts_conforming_products_in_constant_queries(api, buyer, version):
    api.as_user(buyer)
    ConformanceFactory(standard_version=version)
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/standards/")
    for _ in range(4):
        other = StandardVersionFactory()
        ConformanceFactory(standard_version=other)
        ConformanceFactory(standard_version=version)
    with CaptureQueriesContext(connection) as many:
        body = api.get("/api/v1/standards/").json()

    assert len(many) == len(few)
    counts = {s["reference"]: s["versions"][0]["conforming_products"] for s in body["results"]}
    assert counts[version.standard.reference] == 5


def test_standards_filter_by_domain_and_abolition(api, buyer, version):
    StandardFactory(reference="NC-NET-010", domain="networks", abolished_at=timezone.now())
    api.as_user(buyer)

    assert api.get("/api/v1/standards/", {"domain": "networks"}).json()["count"] == 1
    assert api.get("/api/v1/standards/", {"abolished": "true"}).json()["count"] == 1
    assert api.get("/api/v1/standards/", {"abolished": "false"}).json()["count"] == 1
    assert api.get("/api/v1/standards/", {"domain": "astrology"}).status_code == 400
    assert api.get("/api/v1/standards/NC-XXX-999/").status_code == 404


def test_anonymous_users_get_401(api, version):
    assert api.get("/api/v1/standards/").status_code == 401
    assert api.get("/api/v1/proposals/").status_code == 401


# Proposals: create.


@pytest.mark.parametrize("role", ROLES)
def test_only_delegates_and_the_secretary_create_proposals(api, request, role, standard):
    response = api.as_user(request.getfixturevalue(role)).post(
        "/api/v1/proposals/",
        {
            "action": "revise",
            "standard": standard.reference,
            "title": "Stronger encryption",
            "text": "## Requirement\n\nAES-256 and remote wipe.",
            "rationale": "Lost devices.",
        },
    )

    if role in ("delegate", "standards_secretary"):
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["status"] == "draft"
        assert body["standard"] == standard.reference
        assert body["carried"] is None
    else:
        assert response.status_code == 403
        assert not Proposal.objects.exists()


def test_abolishing_an_unknown_standard_is_a_clear_400(api, delegate):
    response = api.as_user(delegate).post(
        "/api/v1/proposals/",
        {"action": "abolish", "standard": "NC-XXX-999", "title": "Go", "rationale": "Old"},
    )

    assert response.status_code == 400
    assert response.json()["errors"]["standard"] == ["There is no standard NC-XXX-999."]
    assert not Proposal.objects.exists()


def test_revising_an_abolished_standard_is_a_clear_400(api, delegate):
    StandardFactory(reference="NC-OLD-001", abolished_at=timezone.now())

    response = api.as_user(delegate).post(
        "/api/v1/proposals/",
        {
            "action": "revise",
            "standard": "NC-OLD-001",
            "title": "Bring it back",
            "text": "New text",
            "rationale": "Why not",
        },
    )

    assert response.status_code == 400
    assert "was abolished" in response.json()["errors"]["standard"][0]


def test_establishing_over_the_api(api, delegate):
    response = api.as_user(delegate).post(
        "/api/v1/proposals/",
        {
            "action": "establish",
            "proposed_reference": "NC-BWV-001",
            "proposed_title": "Body-worn video metadata",
            "proposed_domain": "digital_evidence",
            "title": "Establish NC-BWV-001",
            "text": "Record it.",
            "rationale": "Evidence moves between forces.",
        },
    )

    assert response.status_code == 201
    assert response.json()["proposed_reference"] == "NC-BWV-001"
    assert response.json()["standard"] is None


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"action": "amend", "title": "x", "rationale": "y"},
        {"action": "establish", "title": "x", "rationale": "y", "proposed_domain": "astrology"},
        {"action": "revise", "title": "", "rationale": "y", "standard": "NC-TST-999"},
    ],
)
def test_bad_proposals_are_400s_in_the_error_format(api, delegate, payload):
    response = api.as_user(delegate).post("/api/v1/proposals/", payload, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}
    assert response.json()["errors"]
    assert not Proposal.objects.exists()


# Proposals: reading.


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_is_seen_by_its_proposers_force_and_the_secretary_only(
    api, request, role, delegate, standard
):
    proposal = draft(delegate, standard=standard)
    user = request.getfixturevalue(role)
    sees = role in FORCE_ROLES or role == "standards_secretary"

    listing = api.as_user(user).get("/api/v1/proposals/").json()
    response = api.get(f"/api/v1/proposals/{proposal.pk}/")

    assert response.status_code == (200 if sees else 404)
    assert listing["count"] == (1 if sees else 0)
    for path in ("tally", "impact", "comments", "votes"):
        assert api.get(f"/api/v1/proposals/{proposal.pk}/{path}/").status_code == (
            200 if sees else 404
        )


def test_another_forces_draft_is_a_404(api, other_buyer, delegate, standard):
    proposal = draft(delegate, standard=standard)

    assert api.as_user(other_buyer).get(f"/api/v1/proposals/{proposal.pk}/").status_code == 404


@pytest.mark.parametrize("role", [*ROLES, "other_buyer"])
def test_every_role_reads_a_proposal_in_consultation(
    api, request, role, delegate, standards_secretary, standard
):
    proposal = to_consultation(draft(delegate, standard=standard), standards_secretary)

    response = api.as_user(request.getfixturevalue(role)).get(f"/api/v1/proposals/{proposal.pk}/")

    assert response.status_code == 200
    assert response.json()["status"] == "consultation"


def test_proposals_filter_by_status_action_and_standard(
    api, delegate, standards_secretary, standard
):
    to_consultation(draft(delegate, standard=standard), standards_secretary)
    draft(delegate, action=ProposalAction.ESTABLISH)
    api.as_user(delegate)

    assert api.get("/api/v1/proposals/", {"status": "consultation"}).json()["count"] == 1
    assert api.get("/api/v1/proposals/", {"action": "establish"}).json()["count"] == 1
    assert api.get("/api/v1/proposals/", {"standard": standard.reference}).json()["count"] == 1
    assert api.get("/api/v1/proposals/", {"status": "pending"}).status_code == 400


# Transitions.


@pytest.mark.parametrize("role", ROLES)
def test_only_the_secretary_opens_consultation(api, request, role, delegate, standard):
    proposal = draft(delegate, standard=standard)
    user = request.getfixturevalue(role)

    response = api.as_user(user).post(
        f"/api/v1/proposals/{proposal.pk}/open-consultation/", {"closes_at": in_future(14)}
    )

    proposal.refresh_from_db()
    if role == "standards_secretary":
        assert response.status_code == 200
        assert response.json()["status"] == "consultation"
    else:
        assert response.status_code in (403, 404)
        assert response.status_code == (403 if role in FORCE_ROLES else 404)
        assert proposal.status == ProposalStatus.DRAFT


@pytest.mark.parametrize("role", ROLES)
def test_only_the_secretary_opens_voting(api, request, role, delegate, standards_secretary, rule):
    proposal = draft(delegate, action=ProposalAction.ESTABLISH)
    to_consultation(proposal, standards_secretary, now=timezone.now() - 30 * DAY)

    response = api.as_user(request.getfixturevalue(role)).post(
        f"/api/v1/proposals/{proposal.pk}/open-voting/", {"closes_at": in_future(7)}
    )

    if role == "standards_secretary":
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "voting"
        assert body["decision_rule"]["version"] == 1
        assert body["decision_rule"]["forces_majority"] == "0.5500"
    else:
        assert response.status_code == 403


def test_a_transition_that_skips_a_state_is_a_409(api, standards_secretary, delegate, standard):
    proposal = draft(delegate, standard=standard)
    api.as_user(standards_secretary)

    voting = api.post(f"/api/v1/proposals/{proposal.pk}/open-voting/", {"closes_at": in_future()})
    close = api.post(f"/api/v1/proposals/{proposal.pk}/close/", {"reason": "x"})
    enact = api.post(f"/api/v1/proposals/{proposal.pk}/enact/")

    assert (voting.status_code, close.status_code, enact.status_code) == (409, 409, 409)
    assert "draft" in voting.json()["detail"]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_windows_must_close_in_the_future(api, standards_secretary, delegate, standard):
    proposal = draft(delegate, standard=standard)
    api.as_user(standards_secretary)
    path = f"/api/v1/proposals/{proposal.pk}/open-consultation/"

    past = api.post(path, {"closes_at": (timezone.now() - DAY).isoformat()})
    missing = api.post(path, {})
    garbage = api.post(path, {"closes_at": "next tuesday"})

    assert past.status_code == 400
    assert "consultation_closes_at" in past.json()["errors"]
    assert missing.status_code == garbage.status_code == 400
    assert "closes_at" in garbage.json()["errors"]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_secretary_closes_a_vote(
    api, request, role, delegate, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)

    response = api.as_user(request.getfixturevalue(role)).post(
        f"/api/v1/proposals/{proposal.pk}/close/", {"reason": "Everyone has voted."}
    )

    proposal.refresh_from_db()
    if role == "standards_secretary":
        assert response.status_code == 200
        assert response.json()["status"] == "rejected"  # no force voted: no quorum
        assert response.json()["carried"] is False
    else:
        assert response.status_code == 403
        assert proposal.status == ProposalStatus.VOTING


def test_closing_early_without_a_reason_is_a_400(api, standards_secretary, delegate, standard):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)

    response = api.as_user(standards_secretary).post(f"/api/v1/proposals/{proposal.pk}/close/")

    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_secretary_enacts(api, request, role, delegate, standards_secretary, version):
    proposal = to_voting(draft(delegate, standard=version.standard), standards_secretary)
    services.vote_cast(proposal=proposal, delegate=delegate, choice="for")
    version.status = "superseded"  # so the automatic enactment fails
    version.save()
    services.proposal_close(proposal=proposal, actor=standards_secretary, reason="Done")
    version.status = "adopted"
    version.save()

    response = api.as_user(request.getfixturevalue(role)).post(
        f"/api/v1/proposals/{proposal.pk}/enact/"
    )

    assert response.status_code == (200 if role == "standards_secretary" else 403)
    proposal.refresh_from_db()
    assert proposal.status == (
        ProposalStatus.ENACTED if role == "standards_secretary" else ProposalStatus.CARRIED
    )


# Comments.


@pytest.mark.parametrize("role", [*ROLES, "other_buyer"])
def test_force_members_comment_in_consultation(
    api, request, role, delegate, standards_secretary, standard
):
    proposal = to_consultation(draft(delegate, standard=standard), standards_secretary)
    api.as_user(request.getfixturevalue(role))

    response = api.post(f"/api/v1/proposals/{proposal.pk}/comments/", {"body": "Agreed."})
    listing = api.get(f"/api/v1/proposals/{proposal.pk}/comments/")

    if role in FORCE_ROLES or role == "other_buyer":
        assert response.status_code == 201
        assert response.json()["body"] == "Agreed."
        assert response.json()["organisation"]["name"].endswith(("Constabulary", "Police"))
        assert [c["body"] for c in listing.json()] == ["Agreed."]
    else:
        assert response.status_code == 403
        assert listing.json() == []


def test_comments_outside_consultation_are_409_and_empty_ones_400(
    api, buyer, delegate, standards_secretary, standard
):
    proposal = draft(delegate, standard=standard)
    api.as_user(buyer)

    assert api.post(f"/api/v1/proposals/{proposal.pk}/comments/", {"body": "x"}).status_code == 409
    to_consultation(proposal, standards_secretary)
    assert api.post(f"/api/v1/proposals/{proposal.pk}/comments/", {"body": ""}).status_code == 400


# Votes.


@pytest.mark.parametrize("role", ROLES)
def test_only_delegates_vote(api, request, role, delegate, standards_secretary, standard):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)

    response = api.as_user(request.getfixturevalue(role)).post(
        f"/api/v1/proposals/{proposal.pk}/votes/", {"choice": "for"}
    )

    if role == "delegate":
        assert response.status_code == 201
        assert response.json()["choice"] == "for"
        assert response.json()["force"]["slug"] == "testshire"
        assert response.json()["headcount"] == 2000
    else:
        assert response.status_code == 403
        assert not Vote.objects.exists()


def test_a_delegate_changes_their_vote(api, delegate, standards_secretary, standard):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)
    api.as_user(delegate)
    path = f"/api/v1/proposals/{proposal.pk}/votes/"

    first = api.post(path, {"choice": "against"})
    second = api.post(path, {"choice": "abstain"})

    assert (first.status_code, second.status_code) == (201, 200)
    assert Vote.objects.get().choice == "abstain"
    assert [v["choice"] for v in api.get(path).json()] == ["abstain"]


def test_a_delegate_passing_another_force_is_refused(
    api, delegate, other_force, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)
    api.as_user(delegate)
    path = f"/api/v1/proposals/{proposal.pk}/votes/"

    other = api.post(path, {"choice": "for", "force": other_force.slug})
    unknown = api.post(path, {"choice": "for", "force": "atlantis"})

    assert other.status_code == 403
    assert "not the delegate of Otherton Police" in other.json()["detail"]
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["force"] == ["There is no force atlantis."]
    assert not Vote.objects.exists()


def test_an_unknown_choice_is_a_400(api, delegate, standards_secretary, standard):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)

    response = api.as_user(delegate).post(
        f"/api/v1/proposals/{proposal.pk}/votes/", {"choice": "yes"}
    )

    assert response.status_code == 400
    assert response.json()["errors"]["choice"] == ["Choose for, against or abstain, not “yes”."]


def test_votes_outside_the_window_are_409(api, delegate, standards_secretary, standard):
    proposal = to_consultation(draft(delegate, standard=standard), standards_secretary)

    response = api.as_user(delegate).post(
        f"/api/v1/proposals/{proposal.pk}/votes/", {"choice": "for"}
    )

    assert response.status_code == 409
    assert not Vote.objects.exists()
    assert not AuditEvent.objects.filter(action="vote.cast").exists()


def test_votes_are_published_once_the_vote_closes(
    api, delegate, other_delegate, buyer, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)
    services.vote_cast(proposal=proposal, delegate=delegate, choice="for")
    services.vote_cast(proposal=proposal, delegate=other_delegate, choice="against")
    path = f"/api/v1/proposals/{proposal.pk}/votes/"

    assert [v["force"]["slug"] for v in api.as_user(buyer).get(path).json()] == ["testshire"]
    services.proposal_close(proposal=proposal, actor=standards_secretary, reason="All in")
    assert len(api.get(path).json()) == 2


# Tally and impact.


@pytest.mark.parametrize("role", [*ROLES, "other_buyer"])
def test_every_role_reads_the_live_tally(
    api, request, role, delegate, other_delegate, standards_secretary, standard
):
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)
    services.vote_cast(proposal=proposal, delegate=delegate, choice="for")

    response = api.as_user(request.getfixturevalue(role)).get(
        f"/api/v1/proposals/{proposal.pk}/tally/"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["final"] is False
    assert body["voting_open"] is True
    assert body["rule"]["quorum"] == "0.5000"
    tally = body["tally"]
    # While voting is open the ballot is secret: turnout only (issue 9, finding 10).
    assert body["counts_visible"] is False
    assert tally["forces"] == {
        "total": 2,
        "voted": 1,
        "not_voted": 1,
        "for": None,
        "against": None,
        "abstaining": None,
    }
    assert tally["headcount"] == {
        "voted": 2000,
        "for": None,
        "against": None,
        "abstaining": None,
    }
    assert tally["needed"] == {
        "forces_voting_for_quorum": 1,
        "forces_for": 1,
        "headcount_for": 1300,
    }
    assert tally["quorum_met"] is True
    assert tally["carried"] is None


def test_the_tally_before_voting_is_empty_and_after_closing_is_final(
    api, delegate, standards_secretary, standard
):
    proposal = draft(delegate, standard=standard)
    api.as_user(delegate)

    before = api.get(f"/api/v1/proposals/{proposal.pk}/tally/").json()
    assert (before["tally"], before["rule"], before["final"]) == (None, None, False)

    to_voting(proposal, standards_secretary)
    services.vote_cast(proposal=proposal, delegate=delegate, choice="against")
    services.proposal_close(proposal=proposal, actor=standards_secretary, reason="Done")
    after = api.get(f"/api/v1/proposals/{proposal.pk}/tally/").json()
    assert after["final"] is True
    assert after["status"] == "rejected"
    assert after["tally"]["forces"]["against"] == 1


@pytest.mark.parametrize("role", [*ROLES, "other_buyer", "other_supplier_editor"])
def test_every_role_reads_the_impact_with_quantities_for_forces_and_ict_only(
    api, request, role, delegate, force, standards_secretary, version
):
    product = ProductFactory(name="Rugged laptop")
    ConformanceFactory(product=product, standard_version=version)
    awarded_order(product, {force: 12})
    proposal = to_consultation(draft(delegate, standard=version.standard), standards_secretary)

    response = api.as_user(request.getfixturevalue(role)).get(
        f"/api/v1/proposals/{proposal.pk}/impact/"
    )

    assert response.status_code == 200
    body = response.json()
    assert [p["name"] for p in body["products"]] == ["Rugged laptop"]
    sees = role not in ("supplier_editor", "other_supplier_editor")
    assert body["quantities_visible"] is sees
    assert body["totals"]["quantity"] == (12 if sees else None)
    if sees:
        assert body["products"][0]["quantities"] == [
            {
                "force": {"id": force.pk, "slug": "testshire", "name": force.name},
                "quantity": 12,
            }
        ]


@pytest.mark.parametrize("role", [*ROLES, "other_delegate"])
def test_only_the_proposer_or_the_secretary_edits_a_draft(api, request, role, delegate, standard):
    proposal = draft(delegate, standard=standard, title="Original")
    user = request.getfixturevalue(role)

    response = api.as_user(user).patch(
        f"/api/v1/proposals/{proposal.pk}/", {"title": "Edited"}, format="json"
    )

    proposal.refresh_from_db()
    if role in ("delegate", "standards_secretary"):
        assert response.status_code == 200
        assert response.json()["title"] == "Edited"
    else:
        assert response.status_code == (403 if role in FORCE_ROLES else 404)
        assert proposal.title == "Original"


def test_editing_a_proposal_in_consultation_is_a_409_and_put_is_not_allowed(
    api, delegate, standards_secretary, standard
):
    proposal = to_consultation(draft(delegate, standard=standard), standards_secretary)
    api.as_user(delegate)

    patch = api.patch(f"/api/v1/proposals/{proposal.pk}/", {"title": "x"}, format="json")
    put = api.put(f"/api/v1/proposals/{proposal.pk}/", {"title": "x"}, format="json")

    assert patch.status_code == 409
    assert put.status_code == 405


def test_a_bad_edit_is_a_400(api, delegate, standard):
    proposal = draft(delegate, standard=standard)

    response = api.as_user(delegate).patch(
        f"/api/v1/proposals/{proposal.pk}/", {"title": "", "standard": "NC-XXX-999"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"title", "standard"}
