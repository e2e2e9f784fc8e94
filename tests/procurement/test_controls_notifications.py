"""Issue 9, finding 13: a failed e-mail is retried with backoff and recorded, never
silently dropped; the ICT company sees failed notifications and can retry them.

Run eagerly here with a mail backend that fails (tests/support/failing_mail.py), and once
with a real worker on Redis."""

import time

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEvent, DeliveryStatus, NotificationDelivery
from accounts.services.notifications import MAX_ATTEMPTS, backoff
from procurement import services
from tests.procurement.conftest import start

pytestmark = pytest.mark.django_db

FAILING = "tests.support.failing_mail.FailingEmailBackend"


@pytest.fixture
def failing_mail(settings, monkeypatch, tmp_path):
    """The mail server refuses everything until told otherwise."""
    settings.EMAIL_BACKEND = FAILING
    monkeypatch.setenv("FAILING_MAIL_COUNTER", str(tmp_path / "sends"))
    monkeypatch.setenv("FAILING_MAIL_FAILURES", "all")
    return tmp_path / "sends"


def cancel(django_capture_on_commit_callbacks, buyer, requisition):
    with django_capture_on_commit_callbacks(execute=True):
        services.requisition_cancel(requisition=requisition, user=buyer, reason="Not needed")


def test_every_email_sent_is_recorded_as_a_delivery(
    django_capture_on_commit_callbacks, buyer, requisition
):
    """Issue 9, finding 13: every notification is recorded with its outcome."""
    mail.outbox.clear()
    cancel(django_capture_on_commit_callbacks, buyer, requisition)

    deliveries = NotificationDelivery.objects.filter(event="cancelled")
    assert deliveries.count() == len(mail.outbox) > 0
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert {d.recipient for d in deliveries} == {m.to[0] for m in mail.outbox}
    assert all(d.object_id == str(requisition.pk) and d.attempts == 1 for d in deliveries)


def test_a_failing_mail_server_is_retried_then_the_delivery_is_marked_failed(
    django_capture_on_commit_callbacks, buyer, requisition, failing_mail
):
    """Issue 9, finding 13: any exception (not only OSError) is retried up to the limit,
    then recorded as failed with the error; nothing is dropped and the change stands."""
    cancel(django_capture_on_commit_callbacks, buyer, requisition)

    requisition.refresh_from_db()
    assert requisition.status == "cancelled"
    deliveries = list(NotificationDelivery.objects.filter(event="cancelled"))
    assert deliveries
    for delivery in deliveries:
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.attempts == MAX_ATTEMPTS
        assert "MailServerDown" in delivery.last_error
    assert int(failing_mail.read_text()) == MAX_ATTEMPTS * len(deliveries)


def test_a_passing_outage_ends_in_a_sent_delivery(
    django_capture_on_commit_callbacks, buyer, requisition, failing_mail, monkeypatch
):
    """Issue 9, finding 13: a transient failure is retried and the e-mail goes out."""
    monkeypatch.setenv("FAILING_MAIL_FAILURES", "2")
    mail.outbox.clear()

    cancel(django_capture_on_commit_callbacks, buyer, requisition)

    first = NotificationDelivery.objects.filter(event="cancelled").order_by("pk").first()
    assert first.status == DeliveryStatus.SENT
    assert first.attempts == 3
    assert "MailServerDown" in first.last_error
    assert any(first.recipient in m.to for m in mail.outbox)


def test_backoff_doubles_up_to_ten_minutes(settings):
    """Issue 9, finding 13: retries back off."""
    settings.NOTIFICATION_RETRY_BACKOFF = 30
    assert [backoff(n) for n in (1, 2, 3, 4, 5, 6)] == [30, 60, 120, 240, 480, 600]


@pytest.fixture
def failed(django_capture_on_commit_callbacks, buyer, requisition, failing_mail):
    cancel(django_capture_on_commit_callbacks, buyer, requisition)
    return NotificationDelivery.objects.filter(event="cancelled").order_by("pk").first()


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("commercial_lead", True),
        ("catalogue_manager", True),
        ("standards_secretary", True),
        ("buyer", False),
        ("finance", False),
        ("supplier_editor", False),
    ],
)
def test_only_the_ict_company_lists_failed_notifications(api, client, request, role, sees, failed):
    """Issue 9, finding 13: the API list and the page are for the ICT company only."""
    user = request.getfixturevalue(role)

    response = api.as_user(user).get("/api/v1/notifications/", {"status": "failed"})
    client.force_login(user)
    page = client.get(reverse("accounts:failed_notifications"))

    if sees:
        assert response.status_code == 200
        assert failed.recipient in [row["recipient"] for row in response.json()["results"]]
        assert page.status_code == 200
        assert failed.recipient in page.content.decode()
        assert "MailServerDown" in page.content.decode()
    else:
        assert response.status_code == 403
        assert page.status_code == 403


def test_the_ict_company_retries_a_failed_notification(
    api, django_capture_on_commit_callbacks, commercial_lead, failed, monkeypatch, settings
):
    """Issue 9, finding 13: a retry sends it again, audited."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(commercial_lead).post(f"/api/v1/notifications/{failed.pk}/retry/")

    assert response.status_code == 200, response.content
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT
    assert [m.to for m in mail.outbox] == [[failed.recipient]]
    assert AuditEvent.objects.filter(action="notification.retried").count() == 1
    again = api.post(f"/api/v1/notifications/{failed.pk}/retry/")
    assert again.status_code == 409


def test_the_page_retries_a_failed_notification(
    client, django_capture_on_commit_callbacks, commercial_lead, buyer, failed, settings
):
    """Issue 9, finding 13: the page offers the retry to the ICT company, nobody else."""
    client.force_login(buyer)
    assert client.post(reverse("accounts:retry_notification", args=[failed.pk])).status_code == 403
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(commercial_lead)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:retry_notification", args=[failed.pk]))

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retries_a_failing_send_and_records_it(
    celery_workers, buyer, force, product, tmp_path
):
    """Issue 9, finding 13: with a real worker on Redis, a send that fails twice is retried
    with backoff and ends sent, the attempts recorded."""
    counter = tmp_path / "sends"
    celery_workers.start(
        EMAIL_BACKEND=FAILING,
        FAILING_MAIL_COUNTER=str(counter),
        FAILING_MAIL_FAILURES="2",
        NOTIFICATION_RETRY_BACKOFF="1",
    )
    requisition = start(buyer, force, product)
    services.requisition_cancel(requisition=requisition, user=buyer, reason="Not needed")

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        delivered = NotificationDelivery.objects.filter(
            event="cancelled", status=DeliveryStatus.SENT
        ).first()
        if delivered is not None:
            break
        time.sleep(0.2)
    assert delivered is not None
    assert delivered.attempts == 3
    assert "MailServerDown" in delivered.last_error
