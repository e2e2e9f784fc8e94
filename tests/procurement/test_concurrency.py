"""Forces acting at the same moment, on PostgreSQL with real threads and connections."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from accounts.models import AuditEvent, Role
from core.errors import DomainError
from procurement import services
from procurement.models import (
    Approval,
    JointRequisition,
    Order,
    Participation,
    ParticipationStatus,
    RequisitionStatus,
)
from tests.factories import ForceFactory, member
from tests.procurement.conftest import join

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: SQLite serialises every write anyway")


def run_at_once(*calls):
    """Run each call in its own thread and database connection, released together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = ("ok", call())
        except DomainError as error:
            results[index] = ("refused", error)
        except Exception as error:  # noqa: BLE001 - reported by the test
            results[index] = ("crashed", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(kind == "crashed" for kind, _ in results), results
    return results


def kinds(results) -> list[str]:
    return sorted(kind for kind, _ in results)


def closes(requisition) -> int:
    return AuditEvent.objects.filter(
        action="requisition.closed", object_id=str(requisition.pk)
    ).count()


def test_closing_twice_at_once_closes_once(requisition, buyer, other_buyer, other_force):
    join(requisition, other_buyer, other_force, quantity=6)

    results = run_at_once(
        lambda: services.requisition_close(requisition=requisition, user=buyer),
        lambda: services.requisition_close(requisition=requisition, user=buyer),
        lambda: services.close_due_requisitions(),  # not due yet: does nothing
    )

    assert kinds(results[:2]) == ["ok", "refused"]
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.CLOSED
    assert closes(requisition) == 1


def test_joins_racing_a_close_are_counted_or_refused_never_half_counted(
    requisition, buyer, product
):
    forces = [ForceFactory(slug=f"race-{i}", name=f"Race Police {i}") for i in range(12)]
    buyers = [member(Role.BUYER, f, email=f"buyer@race-{i}.example") for i, f in enumerate(forces)]
    calls = [
        (lambda f=f, b=b, q=i + 1: join(requisition, b, f, quantity=q))
        for i, (f, b) in enumerate(zip(forces, buyers, strict=True))
    ]
    calls.insert(6, lambda: services.requisition_close(requisition=requisition, user=buyer))

    results = run_at_once(*calls)

    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.CLOSED
    counted = Participation.objects.filter(
        joint_requisition=requisition, status=ParticipationStatus.AWAITING_APPROVAL
    )
    assert requisition.total_quantity == sum(p.quantity for p in counted)
    assert requisition.subtotal == sum(p.share for p in counted)
    assert requisition.vat == sum(p.vat for p in counted)
    joined = [r for r in results if r[0] == "ok" and isinstance(r[1], Participation)]
    refused = [r for r in results if r[0] == "refused"]
    assert len(joined) + len(refused) == 12
    # Every join that succeeded was counted; every refused one left no row behind.
    assert counted.count() == len(joined) + 1
    assert Participation.objects.filter(joint_requisition=requisition).count() == len(joined) + 1
    assert not Participation.objects.filter(
        joint_requisition=requisition, status=ParticipationStatus.ACTIVE
    ).exists()


def test_the_same_force_joining_twice_at_once_joins_once(requisition, other_buyer, other_force):
    results = run_at_once(
        lambda: join(requisition, other_buyer, other_force, quantity=3),
        lambda: join(requisition, other_buyer, other_force, quantity=4),
    )

    assert kinds(results) == ["ok", "refused"]
    assert requisition.participations.filter(force=other_force).count() == 1


def test_concurrent_quantity_changes_lose_no_update(requisition, buyer, other_buyer, other_force):
    participation = join(requisition, other_buyer, other_force, quantity=1)
    run_at_once(
        *[
            (
                lambda q=q: services.participation_change(
                    participation=participation, user=other_buyer, quantity=q
                )
            )
            for q in (10, 20, 30, 40)
        ]
    )
    services.requisition_close(requisition=requisition, user=buyer)

    requisition.refresh_from_db()
    participation.refresh_from_db()
    assert participation.quantity in (10, 20, 30, 40)
    assert requisition.total_quantity == 5 + participation.quantity
    changed = AuditEvent.objects.filter(
        action="participation.changed", object_id=str(participation.pk)
    ).order_by("sequence")
    assert changed.last().after["quantity"] == participation.quantity


def _approved(closed_requisition, finance, other_finance):
    for share in closed_requisition.participations.all():
        approver = finance if share.force.slug == "testshire" else other_finance
        services.participation_approve(participation=share, approver=approver)
    closed_requisition.refresh_from_db()
    return closed_requisition


def test_two_awards_at_once_give_one_order(
    closed_requisition, finance, other_finance, commercial_lead, ict_company
):
    requisition = _approved(closed_requisition, finance, other_finance)
    second_lead = member(Role.COMMERCIAL_LEAD, ict_company, email="lead2@ictco.example")

    results = run_at_once(
        lambda: services.requisition_award(requisition=requisition, user=commercial_lead),
        lambda: services.requisition_award(requisition=requisition, user=second_lead),
    )

    assert kinds(results) == ["ok", "refused"]
    assert Order.objects.filter(joint_requisition=requisition).count() == 1
    requisition.refresh_from_db()
    # Awarded, then contracted once its documents were rendered (in-process here).
    assert requisition.status == RequisitionStatus.CONTRACTED
    assert requisition.order.documents.filter(version=1, kind="contract").count() == 1


def test_two_approvers_at_once_cannot_both_approve_one_share(closed_requisition, finance, force):
    colleague = member(
        Role.FINANCE,
        force,
        email="colleague@testshire.police.example",
        approval_limit=Decimal("250000.00"),
    )
    share = closed_requisition.participations.get(force=force)

    results = run_at_once(
        lambda: services.participation_approve(participation=share, approver=finance),
        lambda: services.participation_approve(participation=share, approver=colleague),
    )

    assert kinds(results) == ["ok", "refused"]
    assert Approval.objects.filter(participation=share).count() == 1


def test_one_approver_twice_at_once_decides_once(closed_requisition, low_finance, force):
    share = closed_requisition.participations.get(force=force)

    results = run_at_once(
        lambda: services.participation_approve(participation=share, approver=low_finance),
        lambda: services.participation_approve(participation=share, approver=low_finance),
    )

    assert kinds(results) == ["ok", "refused"]
    assert Approval.objects.filter(participation=share).count() == 1


def test_the_last_two_approvals_at_once_approve_the_requisition_once(
    closed_requisition, finance, other_finance
):
    testshire = closed_requisition.participations.get(force__slug="testshire")
    otherton = closed_requisition.participations.get(force__slug="otherton")

    results = run_at_once(
        lambda: services.participation_approve(participation=testshire, approver=finance),
        lambda: services.participation_approve(participation=otherton, approver=other_finance),
    )

    assert kinds(results) == ["ok", "ok"]
    closed_requisition.refresh_from_db()
    assert closed_requisition.status == RequisitionStatus.APPROVED
    assert (
        AuditEvent.objects.filter(
            action="requisition.approved", object_id=str(closed_requisition.pk)
        ).count()
        == 1
    )


def test_a_cancel_racing_an_award_leaves_one_outcome(
    closed_requisition, finance, other_finance, commercial_lead, buyer
):
    requisition = _approved(closed_requisition, finance, other_finance)

    results = run_at_once(
        lambda: services.requisition_award(requisition=requisition, user=commercial_lead),
        lambda: services.requisition_cancel(requisition=requisition, user=buyer, reason="Stop"),
    )

    assert kinds(results) == ["ok", "refused"]
    requisition = JointRequisition.objects.get(pk=requisition.pk)
    has_order = Order.objects.filter(joint_requisition=requisition).exists()
    awarded = requisition.status in (RequisitionStatus.AWARDED, RequisitionStatus.CONTRACTED)
    assert awarded == has_order
