"""Issue 9, finding 14: two identical votes cast at once by the same force.

Real threads on PostgreSQL: the first is created (201), the second finds it and answers 200
unchanged; one row, one audit event."""

import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from standards import selectors, services
from standards.models import Vote
from tests.standards.helpers import draft, to_voting
from tests.standards.test_concurrency import at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def slow_vote(monkeypatch):
    """Hold the proposal's lock a little longer while a vote is cast, so that racers overlap."""
    check = selectors.voting_is_open

    def slowly(*args, **kwargs):
        time.sleep(0.3)
        return check(*args, **kwargs)

    monkeypatch.setattr(selectors, "voting_is_open", slowly)


def post_vote(user, proposal, choice):
    client = APIClient()
    client.force_authenticate(user=user)
    return client.post(f"/api/v1/proposals/{proposal.pk}/votes/", {"choice": choice}).status_code


def test_two_identical_votes_at_once_are_one_created_and_one_unchanged(
    delegate, standards_secretary, standard, slow_vote
):
    """Issue 9, finding 14: parallel identical votes answer 201 then 200, one row, one audit
    event."""
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)

    results, errors = at_once(
        lambda: post_vote(delegate, proposal, "for"),
        lambda: post_vote(delegate, proposal, "for"),
    )

    assert errors == [None, None]
    assert sorted(results) == [200, 201]
    assert Vote.objects.filter(proposal=proposal).count() == 1
    assert AuditEvent.objects.filter(action__startswith="vote.").count() == 1


def test_two_different_votes_at_once_are_one_created_and_one_change(
    delegate, standards_secretary, standard, slow_vote
):
    """Issue 9, finding 14: a racing change is recorded as a change, once."""
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)

    results, errors = at_once(
        lambda: post_vote(delegate, proposal, "for"),
        lambda: post_vote(delegate, proposal, "against"),
    )

    assert errors == [None, None]
    assert sorted(results) == [200, 201]
    assert Vote.objects.filter(proposal=proposal).count() == 1
    actions = sorted(
        AuditEvent.objects.filter(action__startswith="vote.").values_list("action", flat=True)
    )
    assert actions == ["vote.cast", "vote.changed"]


def test_the_service_says_whether_the_vote_was_created_changed_or_unchanged(
    delegate, standards_secretary, standard
):
    """Issue 9, finding 14: the outcome comes from the service, decided under the lock."""
    proposal = to_voting(draft(delegate, standard=standard), standards_secretary)

    first = services.vote_record(proposal=proposal, delegate=delegate, choice="for")
    same = services.vote_record(proposal=proposal, delegate=delegate, choice="for")
    changed = services.vote_record(proposal=proposal, delegate=delegate, choice="against")

    assert (first.created, first.changed) == (True, True)
    assert (same.created, same.changed) == (False, False)
    assert (changed.created, changed.changed) == (False, True)
    assert AuditEvent.objects.filter(action__startswith="vote.").count() == 2
