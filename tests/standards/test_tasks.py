"""The scheduled jobs: in the beat schedule, run in-process, and through a real worker."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalogue import tasks as catalogue_tasks
from config.celery import app
from standards import services, tasks
from standards.models import ProposalStatus
from tests.standards.helpers import DAY, delegates, draft, to_voting


def test_the_beat_schedule_closes_votes_and_lapses_conformance_every_minute():
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}

    assert schedule["standards.close_due_votes"] == 60.0
    assert schedule["standards.lapse_conformance"] == 60.0
    assert tasks.close_due_votes.name in app.tasks
    assert catalogue_tasks.lapse_conformance.name in app.tasks


@pytest.mark.django_db
def test_run_scheduled_jobs_closes_a_due_vote_in_process(standards_secretary, version, capsys):
    voters = delegates(2)
    proposal = to_voting(
        draft(voters[0], standard=version.standard),
        standards_secretary,
        now=timezone.now() - 8 * DAY,
    )

    call_command("run_scheduled_jobs", "--once")

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED  # nobody voted
    assert f"standards-close-due-votes: [{proposal.pk}]" in capsys.readouterr().out


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_closes_and_enacts_a_due_vote(
    celery_worker_process, standards_secretary, version
):
    voters = delegates(2)
    start = timezone.now() - 8 * DAY
    proposal = to_voting(
        draft(voters[0], standard=version.standard), standards_secretary, now=start
    )
    for voter in voters:
        services.vote_cast(proposal=proposal, delegate=voter, choice="for", now=start + DAY)

    result = tasks.close_due_votes.delay()

    assert result.get(timeout=60) == [proposal.pk]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ENACTED
    assert tasks.close_due_votes.delay().get(timeout=60) == []
