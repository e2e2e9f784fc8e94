"""Celery entry points for joint requisitions and their documents: thin, take ids, call a
service."""

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from procurement import services
from procurement.services import documents, notifications, publication

# Worth retrying: storage or database hiccups. Anything else (a template error, say) fails
# at once and is shown on the order page for a commercial lead to retry.
TRANSIENT_ERRORS = (OSError, OperationalError, InterfaceError)


class NotificationTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        notifications.record_unbuildable(args[0], args[1], exc)


@shared_task(
    base=NotificationTask,
    name="procurement.send_notification",
    acks_late=True,
    autoretry_for=(Exception,),  # any failure is retried, then recorded (on_failure)
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    time_limit=120,
    soft_time_limit=100,
)
def send_notification(event: str, requisition_id: int, participation_ids: list[int]) -> int:
    """Work out the e-mails for one event and queue each as a recorded delivery (sent,
    retried and recorded by accounts.tasks.deliver_notification); returns how many."""
    return notifications.send(event, requisition_id, participation_ids)


@shared_task(
    name="procurement.close_due_requisitions", acks_late=True, time_limit=300, soft_time_limit=240
)
def close_due_requisitions() -> dict[str, int]:
    """Close every requisition past its closing time (idempotent: run every minute)."""
    return services.close_due_requisitions()


@shared_task(
    name="procurement.publish_tender_update",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
)
def publish_tender_update(requisition_id: int) -> bool:
    """Publish a requisition's coalesced OCDS tender update once its minute is up."""
    return publication.publish_pending(requisition_id)


@shared_task(
    name="procurement.publish_due_ocds_updates", acks_late=True, time_limit=120, soft_time_limit=100
)
def publish_due_ocds_updates() -> int:
    """Publish every OCDS tender update whose minute is up (idempotent: run every minute)."""
    return publication.publish_due_tender_updates()


class DocumentTask(Task):
    def on_retry(self, exc, task_id, args, kwargs, einfo):
        documents.document_note_retry(document_id=args[0], error=f"{type(exc).__name__}: {exc}")

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        documents.document_mark_failed(document_id=args[0], error=f"{type(exc).__name__}: {exc}")


@shared_task(
    base=DocumentTask,
    bind=True,
    name="procurement.render_document",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=False,
    max_retries=5,
    soft_time_limit=120,
    time_limit=150,
)
def render_document(self, document_id: int) -> str:
    return documents.document_render(document_id=document_id).status
