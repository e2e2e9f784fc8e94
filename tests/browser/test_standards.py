"""The network code in a real browser: voting, opening a vote, and accessibility."""

import datetime

import pytest
from django.utils import timezone

from standards import services
from tests.browser.conftest import serious_violations, sign_in
from tests.factories import PASSWORD, ConformanceFactory, ProductFactory, StandardVersionFactory
from tests.standards.helpers import (
    awarded_order,
    default_rule,
    delegates,
    draft,
    to_consultation,
    to_voting,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def version(transactional_db):
    return StandardVersionFactory(body="## Requirement\n\nDevices **must** encrypt data.")


@pytest.fixture
def scene(force, delegate, standards_secretary, version):
    """A revision in voting, with a product that conforms, an order and votes from others."""
    others = delegates(3, headcount=1500)
    product = ProductFactory(name="Rugged laptop")
    ConformanceFactory(product=product, standard_version=version)
    awarded_order(product, {force: 25})
    proposal = to_voting(
        draft(
            others[0],
            standard=version.standard,
            title="Stronger encryption at rest",
            text="## Requirement\n\nDevices **must** encrypt data with AES-256.",
        ),
        standards_secretary,
    )
    services.vote_cast(proposal=proposal, delegate=others[0], choice="for")
    services.vote_cast(proposal=proposal, delegate=others[1], choice="against")
    return {"delegate": delegate, "proposal": proposal}


def test_a_delegate_votes_from_the_dashboard_and_sees_the_turnout_change(page, scene):
    sign_in(page, scene["delegate"].email, PASSWORD)

    page.get_by_role("link", name="Votes awaiting your force").click()
    page.get_by_role("heading", name="Votes awaiting your force").wait_for()
    page.get_by_role("link", name="Vote on Stronger encryption at rest").click()

    tally = page.locator("#tally")
    assert "2 of 4 forces have voted" in tally.inner_text()
    ballot = page.get_by_role("group", name="How does Testshire Constabulary vote?")
    ballot.get_by_label("For").check()
    page.get_by_role("button", name="Cast the vote").click()

    page.get_by_text("Testshire Constabulary has voted for.").wait_for()
    text = page.locator("#tally").inner_text()
    assert "3 of 4 forces have voted" in text
    # The ballot is secret while voting is open: turnout only (issue 9, finding 10).
    assert "voted for" not in text.replace("Testshire Constabulary has voted for", "")
    assert "The ballot is secret until voting closes" in text
    assert "has voted for" in page.locator("#ballot-testshire").inner_text()

    page.goto("/standards/votes/")
    assert "Your force has voted on every open proposal" in page.content()


def test_the_secretary_opens_voting(page, delegate, standards_secretary, version):
    default_rule()
    proposal = draft(
        delegate,
        standard=version.standard,
        title="Stronger encryption at rest",
    )
    to_consultation(proposal, standards_secretary, now=timezone.now() - datetime.timedelta(days=30))
    closes = timezone.localtime(timezone.now() + datetime.timedelta(days=10))
    sign_in(page, standards_secretary.email, PASSWORD)

    page.goto(f"/standards/proposals/{proposal.pk}/")
    page.get_by_role("link", name="Open voting").click()
    page.get_by_label("Day").fill(str(closes.day))
    page.get_by_label("Month").fill(str(closes.month))
    page.get_by_label("Year").fill(str(closes.year))
    page.get_by_label("Time").fill("16:30")
    page.get_by_role("button", name="Open voting").click()

    page.get_by_text("Stronger encryption at rest: voting is open.").wait_for()
    assert f"Voting is open until {closes.day} {closes:%B %Y} at 16:30" in page.content()
    proposal.refresh_from_db()
    assert proposal.status == "voting"


def test_the_register_a_proposal_and_the_dashboard_have_no_serious_violations(page, scene):
    sign_in(page, scene["delegate"].email, PASSWORD)
    page.get_by_role("heading", name="What you can do").wait_for()

    for path in (
        "/standards/",
        f"/standards/{scene['proposal'].standard.reference}/",
        f"/standards/proposals/{scene['proposal'].pk}/",
        "/standards/proposals/",
        "/standards/votes/",
        "/standards/proposals/new/",
    ):
        page.goto(path)
        assert serious_violations(page) == [], path
