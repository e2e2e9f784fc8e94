import datetime
import os
import subprocess
import sys

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from config.celery import app
from procurement import services, tasks
from procurement.models import JointRequisition, RequisitionStatus
from tests.conftest import PROJECT_DIR
from tests.procurement.conftest import join, start

pytestmark = pytest.mark.django_db


def recipients(subject_part: str) -> set[str]:
    return {m.to[0] for m in mail.outbox if subject_part in m.subject}


def test_closing_tells_each_forces_finance_approvers(
    django_capture_on_commit_callbacks, closed_requisition, finance, other_finance, buyer
):
    mail.outbox.clear()
    # The close happened in the fixture; do another one to capture its e-mails.
    requisition = start(buyer, closed_requisition.lead_force, closed_requisition.product)
    with django_capture_on_commit_callbacks(execute=True):
        services.requisition_close(requisition=requisition, user=buyer)

    assert recipients("awaits approval") == {finance.email}
    message = next(m for m in mail.outbox if finance.email in m.to)
    assert "£600.00" in message.body
    assert f"/requisitions/{requisition.pk}/" in message.body


def test_nothing_is_sent_when_the_change_rolls_back(
    django_capture_on_commit_callbacks, requisition, other_buyer
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Exception):  # noqa: B017
            services.requisition_close(requisition=requisition, user=other_buyer)

    assert callbacks == []
    assert mail.outbox == []


def test_a_second_approver_whose_limit_covers_the_share_is_asked(
    django_capture_on_commit_callbacks, closed_requisition, low_finance, finance, senior_finance
):
    share = closed_requisition.participations.get(force__slug="testshire")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.participation_approve(participation=share, approver=low_finance)

    assert recipients("second approval") == {finance.email, senior_finance.email}


def test_the_commercial_lead_hears_when_a_requisition_can_be_awarded_and_all_hear_the_award(
    django_capture_on_commit_callbacks,
    closed_requisition,
    finance,
    other_finance,
    commercial_lead,
    buyer,
    other_buyer,
    supplier_editor,
):
    services.participation_approve(
        participation=closed_requisition.participations.get(force__slug="testshire"),
        approver=finance,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_approve(
            participation=closed_requisition.participations.get(force__slug="otherton"),
            approver=other_finance,
        )
    assert recipients("ready to award") == {commercial_lead.email}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.requisition_award(requisition=closed_requisition, user=commercial_lead)

    awarded = recipients("has been awarded")
    assert {buyer.email, other_buyer.email, finance.email, other_finance.email} <= awarded
    assert {commercial_lead.email, supplier_editor.email} <= awarded
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert order.number in mail.outbox[0].body


def test_everyone_involved_hears_of_a_cancellation(
    django_capture_on_commit_callbacks, requisition, buyer, other_buyer, other_force, other_finance
):
    join(requisition, other_buyer, other_force)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.requisition_cancel(requisition=requisition, user=buyer, reason="Budget cut")

    cancelled = recipients("cancelled")
    assert {buyer.email, other_buyer.email, other_finance.email} <= cancelled
    assert "Budget cut" in mail.outbox[0].body


def test_the_lead_buyer_hears_when_the_pooled_total_reaches_a_cheaper_break(
    django_capture_on_commit_callbacks, requisition, buyer, other_buyer, other_force
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        join(requisition, other_buyer, other_force, quantity=2)  # 7 units: still 100.00
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        services.participation_change(
            participation=requisition.participations.get(force=other_force),
            user=other_buyer,
            quantity=6,
        )  # 11 units: the 90.00 break

    assert recipients("cheaper price break") == {buyer.email}


def test_the_scheduled_job_and_the_command_close_due_requisitions(buyer, force, product):
    first = start(buyer, force, product)
    second = start(buyer, force, product)
    past = timezone.now() - datetime.timedelta(minutes=5)
    JointRequisition.objects.filter(pk__in=[first.pk, second.pk]).update(closes_at=past)

    assert tasks.close_due_requisitions.delay().get() == {
        "closed": 1 + 1,
        "blocked": 0,
        "skipped": 0,
    }

    third = start(buyer, force, product)
    JointRequisition.objects.filter(pk=third.pk).update(closes_at=past)
    call_command("close_requisitions")
    third.refresh_from_db()
    assert third.status == RequisitionStatus.CLOSED


def test_beat_runs_the_close_every_minute():
    entry = app.conf.beat_schedule["close-due-requisitions"]

    assert entry["task"] == "procurement.close_due_requisitions"
    assert entry["schedule"] == 60.0
    assert entry["task"] in app.tasks


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_email_task_round_trips_through_a_real_worker(
    celery_worker_process, buyer, force, product, other_buyer, other_force
):
    requisition = start(buyer, force, product)
    join(requisition, other_buyer, other_force)
    services.requisition_cancel(requisition=requisition, user=buyer, reason="Worker test")

    result = tasks.send_notification.delay("cancelled", requisition.pk, [])

    assert result.get(timeout=60) == 2  # the two forces' buyers
    assert result.successful()


def test_run_scheduled_jobs_runs_every_beat_entry_in_a_fresh_process(tmp_path):
    """Without a worker, run_scheduled_jobs still finds every scheduled task by its name."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=PROJECT_DIR, env=env, check=True, timeout=120)
    result = subprocess.run(
        [*manage, "run_scheduled_jobs", "--once"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "failed" not in result.stderr
    for name in app.conf.beat_schedule:
        assert f"{name}:" in result.stdout
