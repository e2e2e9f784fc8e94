"""Publishing OCDS releases as a joint requisition moves (the releases themselves are built by
``procurement.ocds.releases``).

A release is written once and never changed: publishing the same event again returns the
first. Every change of the pool is a tender update, at most one a minute per requisition
(a burst is one update, published when the minute is up), and always one at close. The
services call these inside their transaction, the requisition locked.
"""

import datetime
from datetime import UTC
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from procurement.models import (
    JointRequisition,
    OcdsPendingUpdate,
    OcdsRelease,
    Order,
    Participation,
    RequisitionStatus,
)
from procurement.ocds import releases


def _store(
    requisition: JointRequisition, tag: str, data: dict, date, pool: dict | None = None
) -> OcdsRelease:
    return OcdsRelease.objects.create(
        joint_requisition=requisition,
        release_id=data["id"],
        tag=tag,
        date=date,
        data=data,
        pool=pool or {},
    )


def _publish(requisition: JointRequisition, tag: str, data: dict, date) -> OcdsRelease:
    """Write an event's release once; publishing the same event again returns the first."""
    existing = OcdsRelease.objects.filter(joint_requisition=requisition, tag=tag).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            pool = releases.pool_of(requisition) if tag == releases.OPENED else None
            return _store(requisition, tag, data, date, pool)
    except IntegrityError:
        return OcdsRelease.objects.get(joint_requisition=requisition, tag=tag)


def publish_tender(requisition: JointRequisition) -> OcdsRelease:
    return _publish(
        requisition, releases.OPENED, releases.tender_release(requisition), requisition.created_at
    )


def publish_cancellation(requisition: JointRequisition) -> OcdsRelease:
    OcdsPendingUpdate.objects.filter(joint_requisition=requisition).delete()
    date = requisition.cancelled_at or timezone.now()
    return _publish(
        requisition, "tenderCancellation", releases.cancellation_release(requisition), date
    )


def publish_award(order: Order) -> OcdsRelease:
    requisition = order.joint_requisition
    date = requisition.awarded_at or order.created_at
    return _publish(requisition, "award", releases.award_release(order), date)


def publish_contract(order: Order) -> OcdsRelease:
    date = order.contracted_at or timezone.now()
    return _publish(order.joint_requisition, "contract", releases.contract_release(order), date)


def _last_tender_release(requisition: JointRequisition) -> OcdsRelease | None:
    return (
        OcdsRelease.objects.filter(joint_requisition=requisition, tag__in=releases.TENDER_TAGS)
        .order_by("-date", "-pk")
        .first()
    )


def _publish_update(
    requisition: JointRequisition,
    now: datetime.datetime,
    *,
    even_if_unchanged: bool = False,
    leaving: Participation | None = None,
) -> OcdsRelease | None:
    """A tender update with the pool as it is now; None when the pool is as last published."""
    OcdsPendingUpdate.objects.filter(joint_requisition=requisition).delete()
    participations = releases.participations_of(requisition, releases.PARTICIPATING, leaving)
    pool = {p.force.slug: p.quantity for p in participations}
    if not even_if_unchanged:
        last = _last_tender_release(requisition)
        if last is not None and last.pool == pool:
            return None
    data = releases.tender_release(
        requisition,
        tag=releases.UPDATED,
        release_id=f"{requisition.ocid}-{releases.UPDATED}-{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}",
        date=now,
        participations=participations,
    )
    return _store(requisition, releases.UPDATED, data, now, pool)


def _schedule(requisition_id: int, due: datetime.datetime) -> None:
    """Publish the pending update when its minute is up (the beat's sweep is the safety net)."""
    # Imported here: procurement.tasks imports this module (a cycle at import time).
    from procurement.tasks import publish_tender_update

    task_id = f"ocds-tender-update-{requisition_id}-{due:%Y%m%dT%H%M%S}"
    transaction.on_commit(
        partial(publish_tender_update.apply_async, (requisition_id,), eta=due, task_id=task_id)
    )


def publish_pool_change(
    requisition: JointRequisition,
    *,
    leaving: Participation | None = None,
    now: datetime.datetime | None = None,
) -> OcdsRelease | None:
    """The pool changed: publish a tender update now if the last tender release is a minute
    old, or else once the minute is up (one update for the whole burst, with the pool as it
    is then). Called by the services inside their transaction, the requisition locked;
    ``leaving`` is a participation being withdrawn in the same transaction."""
    now = now or timezone.now()
    last = OcdsRelease.objects.filter(
        joint_requisition=requisition, tag__in=releases.TENDER_TAGS
    ).aggregate(last=Max("date"))["last"]
    if last is None or now - last >= releases.MINUTE:
        return _publish_update(requisition, now, leaving=leaving)
    due = last + releases.MINUTE
    _, created = OcdsPendingUpdate.objects.update_or_create(
        joint_requisition=requisition, defaults={"due_at": due, "changed_at": now}
    )
    if created:
        _schedule(requisition.pk, due)
    return None


def publish_close(
    requisition: JointRequisition, *, now: datetime.datetime | None = None
) -> OcdsRelease | None:
    """The close always publishes the final pool, whatever the minute."""
    return _publish_update(
        requisition, requisition.closed_at or now or timezone.now(), even_if_unchanged=True
    )


@transaction.atomic
def publish_pending(requisition_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Publish a requisition's pending update if its minute is up; True when one went out.
    Idempotent: the delayed task and the sweep may both run it."""
    now = now or timezone.now()
    requisition = JointRequisition.objects.select_for_update().filter(pk=requisition_id).first()
    if requisition is None:
        return False
    pending = OcdsPendingUpdate.objects.filter(joint_requisition=requisition).first()
    if pending is None:
        return False
    if requisition.status != RequisitionStatus.OPEN:
        pending.delete()  # the close or the cancellation has published the last word
        return False
    last = _last_tender_release(requisition)
    if last is not None and now - last.date < releases.MINUTE:
        return False
    return _publish_update(requisition, now) is not None


def publish_due_tender_updates(*, now: datetime.datetime | None = None) -> int:
    """Publish every pending tender update whose minute is up (the scheduler runs this every
    minute, in case a delayed publication was lost). Returns how many were published."""
    now = now or timezone.now()
    due = OcdsPendingUpdate.objects.filter(due_at__lte=now).order_by("due_at", "pk")
    return sum(
        publish_pending(requisition_id, now=now)
        for requisition_id in due.values_list("joint_requisition_id", flat=True)
    )
