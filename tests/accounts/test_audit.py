from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts import audit, services
from accounts.audit_actions import AccountsAudit
from accounts.models import AuditChainHead, AuditEvent, Membership, Role
from catalogue.audit_actions import CatalogueAudit
from procurement.audit_actions import ProcurementAudit
from standards.audit_actions import StandardsAudit
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_events(force, count=3):
    admin = UserFactory(email="admin@example.test", is_staff=True)
    for _ in range(count):
        services.membership_create(
            user=UserFactory(), organisation=force, role=Role.BUYER, actor=admin
        )
    return admin


def verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out, stderr=out)
    return out.getvalue()


def raw_sql(sql: str, params=()) -> None:
    """Change the table behind the ORM's back, as a tamperer with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a superuser can switch the trigger off
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def test_membership_changes_are_audited_with_before_and_after(force):
    admin = UserFactory(email="admin@example.test", is_staff=True)
    user = UserFactory()

    membership = services.membership_create(
        user=user,
        organisation=force,
        role=Role.FINANCE,
        approval_limit=Decimal("1000.00"),
        actor=admin,
    )
    services.membership_update(
        membership=membership, actor=admin, approval_limit=Decimal("2500.50")
    )
    services.membership_delete(membership=membership, actor=admin)

    created, updated, deleted = AuditEvent.objects.order_by("sequence")
    assert created.action == "membership.created"
    assert created.actor == admin
    assert created.organisation == force
    assert created.after["approval_limit"] == "1000.00"
    assert updated.before["approval_limit"] == "1000.00"
    assert updated.after["approval_limit"] == "2500.50"
    assert deleted.action == "membership.deleted"
    assert deleted.before["role"] == "finance"
    assert deleted.after is None
    assert deleted.object_id == str(membership.pk)


def test_events_are_chained_by_hash(force):
    make_events(force, 3)

    first, second, third = AuditEvent.objects.order_by("sequence")
    assert first.prev_hash == audit.GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert AuditChainHead.objects.get().hash == third.hash


def test_audit_verify_accepts_an_intact_chain(force):
    make_events(force, 3)

    assert "intact: 3 events" in verify()


def test_audit_verify_detects_an_edited_row(force):
    make_events(force, 3)
    event = AuditEvent.objects.get(sequence=2)

    raw_sql(
        "UPDATE accounts_auditevent SET actor_label = %s WHERE id = %s",
        ["someone-else@example.test", event.pk],
    )

    with pytest.raises(CommandError, match="broken"):
        verify()
    _, problems = audit.verify_chain()
    assert [p.sequence for p in problems] == [2]
    assert "edited" in problems[0].message


def test_audit_verify_detects_an_edited_before_or_after(force):
    make_events(force, 2)
    event = AuditEvent.objects.get(sequence=1)

    raw_sql(
        "UPDATE accounts_auditevent SET after = %s WHERE id = %s",
        ['{"role": "finance"}', event.pk],
    )

    _, problems = audit.verify_chain()
    assert problems and problems[0].sequence == 1


def test_audit_verify_detects_a_removed_row(force):
    make_events(force, 3)
    event = AuditEvent.objects.get(sequence=2)

    raw_sql("DELETE FROM accounts_auditevent WHERE id = %s", [event.pk])

    _, problems = audit.verify_chain()
    assert any("missing" in p.message for p in problems)
    with pytest.raises(CommandError):
        verify()


def test_audit_verify_detects_a_removed_last_row(force):
    make_events(force, 3)
    event = AuditEvent.objects.get(sequence=3)

    raw_sql("DELETE FROM accounts_auditevent WHERE id = %s", [event.pk])

    _, problems = audit.verify_chain()
    assert any("removed from the end" in p.message for p in problems)


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm(force):
    make_events(force, 1)
    event = AuditEvent.objects.get()

    event.action = "forged"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_raw_updates_of_audit_events(force):
    make_events(force, 1)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_auditevent SET action = 'forged'")


def test_a_rolled_back_change_leaves_no_event(force):
    admin = UserFactory(is_staff=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.membership_create(
            user=UserFactory(), organisation=force, role=Role.BUYER, actor=admin
        )
        raise RuntimeError("something later in the request failed")

    assert not AuditEvent.objects.exists()
    assert "intact: 0 events" in verify()


def test_record_takes_only_a_named_action(force):
    with pytest.raises(TypeError, match="AuditAction"):
        audit.record(actor=None, action="membership.created", obj=force)  # type: ignore[arg-type]

    assert not AuditEvent.objects.exists()


def test_every_app_names_its_actions_once():
    values = [
        a.value
        for e in (AccountsAudit, CatalogueAudit, ProcurementAudit, StandardsAudit)
        for a in e
    ]

    assert len(values) == len(set(values))
    assert all(value.count(".") == 1 for value in values)


def test_an_audited_change_records_before_and_after_and_the_details(force):
    membership = MembershipFactory(organisation=force, role=Role.FINANCE)
    with audit.audited(
        membership, actor=None, action=AccountsAudit.MEMBERSHIP_UPDATED, organisation=force
    ) as change:
        membership.approval_limit = Decimal("10.00")
        membership.save()
        change.details["why"] = "a test"

    event = AuditEvent.objects.get()
    assert event.action == "membership.updated"
    assert event.object_id == str(membership.pk)
    assert event.before["approval_limit"] == "250000.00"
    assert event.after["approval_limit"] == "10.00"
    assert event.after["why"] == "a test"


def test_an_audited_change_that_fails_records_nothing(force):
    membership = MembershipFactory(organisation=force, role=Role.FINANCE)
    with pytest.raises(RuntimeError):
        with audit.audited(membership, actor=None, action=AccountsAudit.MEMBERSHIP_UPDATED):
            raise RuntimeError("refused")

    assert not AuditEvent.objects.exists()


def test_an_audited_change_can_record_only_what_changed(force):
    membership = MembershipFactory(organisation=force, role=Role.FINANCE)
    action = AccountsAudit.MEMBERSHIP_UPDATED
    with audit.audited(membership, actor=None, action=action, only_changes=True):
        membership.save()
    assert not AuditEvent.objects.exists()

    with audit.audited(membership, actor=None, action=action, only_changes=True):
        membership.approval_limit = Decimal("5.00")
        membership.save()
    event = AuditEvent.objects.get()
    assert event.before == {"approval_limit": "250000.00"}
    assert event.after == {"approval_limit": "5.00"}


def test_an_audited_update_sets_saves_and_records(force):
    membership = MembershipFactory(organisation=force, role=Role.FINANCE)
    audit.audited_update(
        membership,
        actor=None,
        action=AccountsAudit.MEMBERSHIP_UPDATED,
        changes={"approval_limit": Decimal("7.50")},
        fields=["approval_limit"],
    )

    assert Membership.objects.get(pk=membership.pk).approval_limit == Decimal("7.50")
    event = AuditEvent.objects.get()
    assert event.before == {"approval_limit": "250000.00"}
    assert event.after == {"approval_limit": "7.50"}
