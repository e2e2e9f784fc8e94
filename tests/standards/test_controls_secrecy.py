"""Issue 9, finding 10: the ballot is secret until the vote closes.

While voting is open everyone (suppliers, the ICT company, the standards secretary, other
forces) sees turnout only: how many forces voted and the headcount they hold. For, against
and abstain, and how each force voted, appear only once the vote has closed; a force's own
members see their own force's vote throughout.
"""

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory

from standards import policies, selectors, services
from standards.models import Proposal, Vote
from standards.presentation import charts
from tests.standards.helpers import delegates, draft, to_voting

pytestmark = pytest.mark.django_db

EVERYONE = [
    "buyer",
    "finance",
    "delegate",
    "other_buyer",
    "supplier_editor",
    "other_supplier_editor",
    "catalogue_manager",
    "commercial_lead",
    "standards_secretary",
]
SECRET_COUNTS = ("for", "against", "abstaining")


@pytest.fixture
def open_vote(delegate, standards_secretary, standard):
    """A vote open to three forces: Testshire (2,000 officers) for, two others (1,000 and
    1,300) against and abstaining."""
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)
    (against,) = delegates(1, headcount=1000)
    (abstaining,) = delegates(1, headcount=1300)
    services.vote_cast(proposal=proposal, delegate=delegate, choice="for")
    services.vote_cast(proposal=proposal, delegate=against, choice="against")
    services.vote_cast(proposal=proposal, delegate=abstaining, choice="abstain")
    return proposal


def close(proposal, secretary):
    services.proposal_close(proposal=proposal, actor=secretary, reason="Everyone has voted")
    return Proposal.objects.get(pk=proposal.pk)


@pytest.mark.parametrize("role", EVERYONE)
def test_while_open_the_tally_api_shows_turnout_only(api, request, role, open_vote):
    """Issue 9, finding 10: the tally API gives turnout only while voting is open."""
    response = api.as_user(request.getfixturevalue(role)).get(
        f"/api/v1/proposals/{open_vote.pk}/tally/"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["counts_visible"] is False
    tally = body["tally"]
    assert tally["forces"]["voted"] == 3
    assert tally["forces"]["total"] == selectors.count_forces()
    assert tally["headcount"]["voted"] == 4300
    for kind in SECRET_COUNTS:
        assert tally["forces"][kind] is None
        assert tally["headcount"][kind] is None
    assert tally["forces_majority_met"] is None
    assert tally["headcount_majority_met"] is None
    assert tally["carried"] is None
    assert "2000" not in response.content.decode()


@pytest.mark.parametrize("role", EVERYONE)
def test_once_closed_the_tally_api_shows_every_count(
    api, request, role, open_vote, standards_secretary
):
    """Issue 9, finding 10: for, against and abstain appear once the vote has closed."""
    close(open_vote, standards_secretary)

    body = (
        api.as_user(request.getfixturevalue(role))
        .get(f"/api/v1/proposals/{open_vote.pk}/tally/")
        .json()
    )

    assert body["counts_visible"] is True
    assert body["tally"]["forces"]["for"] == 1
    assert body["tally"]["forces"]["against"] == 1
    assert body["tally"]["forces"]["abstaining"] == 1
    assert body["tally"]["headcount"]["for"] == 2000
    assert body["tally"]["carried"] is False


@pytest.mark.parametrize("role", EVERYONE)
def test_while_open_the_votes_api_shows_only_the_users_own_forces_vote(
    api, request, role, open_vote
):
    """Issue 9, finding 10: how each force voted is not listed while voting is open, not
    even to the standards secretary; a force's members see their own force's vote."""
    body = (
        api.as_user(request.getfixturevalue(role))
        .get(f"/api/v1/proposals/{open_vote.pk}/votes/")
        .json()
    )

    own = ["testshire"] if role in ("buyer", "finance", "delegate") else []
    assert [vote["force"]["slug"] for vote in body] == own


def test_once_closed_the_votes_api_lists_every_force(
    api, supplier_editor, open_vote, standards_secretary
):
    """Issue 9, finding 10: each force's vote is published at close."""
    close(open_vote, standards_secretary)

    body = api.as_user(supplier_editor).get(f"/api/v1/proposals/{open_vote.pk}/votes/").json()

    assert sorted(vote["choice"] for vote in body) == ["abstain", "against", "for"]


def test_the_proposal_api_does_not_say_whether_an_open_vote_would_carry(
    api, supplier_editor, open_vote
):
    """Issue 9, finding 10: the proposal serializer carries no verdict while open."""
    body = api.as_user(supplier_editor).get(f"/api/v1/proposals/{open_vote.pk}/").json()

    assert body["carried"] is None


@pytest.mark.parametrize("role", ["supplier_editor", "standards_secretary", "other_buyer"])
def test_while_open_the_proposal_page_shows_turnout_only(client, request, role, open_vote):
    """Issue 9, finding 10: the proposal page (its table, figures and chart) shows turnout
    only while voting is open."""
    client.force_login(request.getfixturevalue(role))

    page = client.get(f"/standards/proposals/{open_vote.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert f"3 of {selectors.count_forces()} forces have voted" in html
    assert "4,300" in html
    assert "secret until voting closes" in html
    for leak in (
        "Abstaining",
        "would be <strong>carried",
        "would <strong>not be carried",
        "1 voted for",
        "2,000 of",
        "Forces for, of the forces that voted",
    ):
        assert leak not in html
    assert "Against (red stripes)" not in html


def test_while_open_a_delegate_sees_their_own_forces_vote_on_the_page(client, delegate, open_vote):
    """Issue 9, finding 10: a delegate sees their own force's vote, not anyone else's."""
    client.force_login(delegate)

    html = client.get(f"/standards/proposals/{open_vote.pk}/").content.decode()

    assert "Testshire Constabulary" in html
    assert "Force 1 Police" not in html and "Against</td>" not in html


def test_once_closed_the_proposal_page_shows_the_counts(
    client, supplier_editor, open_vote, standards_secretary
):
    """Issue 9, finding 10: the result page shows every count and how each force voted."""
    close(open_vote, standards_secretary)
    client.force_login(supplier_editor)

    html = client.get(f"/standards/proposals/{open_vote.pk}/").content.decode()

    assert "Abstaining" in html
    assert "2,000 of 4,300" in html
    assert "How each force voted" in html


def test_the_tally_chart_of_an_open_vote_draws_turnout_only(open_vote):
    """Issue 9, finding 10: the chart is drawn from what the policy lets through."""
    view = selectors.proposal_tally(open_vote)

    chart = charts.tally_chart(view)

    kinds = {segment.kind for bar in chart.bars for segment in bar.segments}
    assert kinds <= {"voted", "not_voted"}
    assert "against" not in chart.description and "for," not in chart.description


def test_the_selector_holds_no_counts_while_open(open_vote, standards_secretary):
    """Issue 9, finding 10: the selector itself withholds the counts, so no page or API
    can show them by mistake."""
    view = selectors.proposal_tally(open_vote)
    assert view.counts_visible is False
    assert view.tally is None
    assert (view.turnout.forces_voted, view.turnout.headcount_voted) == (3, 4300)

    closed = selectors.proposal_tally(close(open_vote, standards_secretary))
    assert closed.counts_visible is True
    assert closed.tally.headcount_for == 2000


def test_the_policy_states_the_rule(open_vote, delegate, other_delegate, standards_secretary):
    """Issue 9, finding 10: one function says whether the counts are public, one whose vote
    a user may see."""
    own = Vote.objects.get(proposal=open_vote, force__slug="testshire")
    assert policies.counts_visible(open_vote) is False
    assert policies.may_see_vote(delegate, own) is True
    assert policies.may_see_vote(other_delegate, own) is False
    assert policies.may_see_vote(standards_secretary, own) is False
    closed = close(open_vote, standards_secretary)
    own.refresh_from_db()
    assert policies.counts_visible(closed) is True
    assert policies.may_see_vote(other_delegate, own) is True


def test_the_delegate_dashboard_shows_only_the_delegates_own_vote(client, delegate, open_vote):
    """Issue 9, finding 10: the dashboard lists the delegate's own votes, never a count."""
    client.force_login(delegate)

    html = client.get("/standards/votes/").content.decode()

    assert "For" in html
    assert "Against" not in html and "Abstain" not in html


def test_the_admin_hides_each_forces_choice_while_voting_is_open(
    admin_user, open_vote, standards_secretary
):
    """Issue 9, finding 10: the admin's vote list says the choice is secret while open."""
    model_admin = admin_site._registry[Proposal]
    request = RequestFactory().get("/")
    request.user = admin_user
    inline = next(
        i for i in model_admin.get_inline_instances(request, open_vote) if i.model is Vote
    )
    vote = Vote.objects.filter(proposal=open_vote).first()

    assert "choice" not in inline.get_fields(request, open_vote)
    assert inline.shown_choice(vote) == "Secret until voting closes"
    close(open_vote, standards_secretary)
    vote = Vote.objects.get(pk=vote.pk)
    assert inline.shown_choice(vote) == vote.get_choice_display()
