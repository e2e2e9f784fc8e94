import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.utils import timezone

from accounts.audit import verify_chain
from accounts.models import AuditEvent, Membership, Role
from catalogue.models import Conformance
from core.errors import DomainError, InvalidTransition, NotFound, NotPermitted
from procurement import services, states
from procurement.models import (
    Approval,
    JointRequisition,
    Order,
    OrderStatus,
    Participation,
    ParticipationStatus,
    ProcurementThreshold,
    RequisitionStatus,
)
from procurement.selectors import threshold_in_force
from tests.factories import ProductFactory, member
from tests.procurement.conftest import join, later, start

pytestmark = pytest.mark.django_db


def actions(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


# Starting.


def test_a_buyer_opens_a_requisition_that_their_force_leads(buyer, force, product, settings):
    settings.OCDS_OCID_PREFIX = "ocds-test01"
    requisition = start(buyer, force, product, quantity=5)

    assert requisition.status == RequisitionStatus.OPEN
    assert requisition.lead_force == force
    assert requisition.ocid.startswith("ocds-test01-")
    (participation,) = requisition.participations.all()
    assert (participation.force, participation.quantity) == (force, 5)
    assert participation.entered_by == buyer
    assert actions(requisition) == ["requisition.opened"]


def test_every_requisition_gets_its_own_ocid(buyer, force, product):
    first = start(buyer, force, product)
    second = start(buyer, force, product)

    assert first.ocid != second.ocid


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "withdrawn"}, "not published"),
        ({"status": "draft"}, "not published"),
        ({"is_compliant": False}, "does not conform"),
    ],
)
def test_only_a_published_compliant_product_can_be_requisitioned(buyer, force, fields, message):
    product = ProductFactory(**fields)

    with pytest.raises(DomainError) as caught:
        start(buyer, force, product)

    assert message in caught.value.message
    assert caught.value.errors.keys() == {"product"}
    assert not JointRequisition.objects.exists()


@pytest.mark.parametrize("quantity", [0, -3, 1.5, "7", True, 1_000_001])
def test_bad_quantities_are_refused_with_the_reason(buyer, force, product, quantity):
    with pytest.raises(DomainError) as caught:
        start(buyer, force, product, quantity=quantity)

    assert "quantity" in caught.value.errors
    assert not JointRequisition.objects.exists()


def test_the_closing_time_must_be_in_the_future(buyer, force, product):
    with pytest.raises(DomainError) as caught:
        start(buyer, force, product, closes_at=timezone.now() - datetime.timedelta(minutes=1))

    assert "closes_at" in caught.value.errors


def test_finance_users_cannot_start_requisitions(finance, force, product):
    with pytest.raises(NotPermitted):
        start(finance, force, product)


def test_a_buyer_cannot_start_a_requisition_for_another_force(buyer, other_force, product):
    with pytest.raises(NotPermitted):
        start(buyer, other_force, product)


# Joining, changing, withdrawing.


def test_another_force_joins_once(requisition, other_buyer, other_force):
    participation = join(requisition, other_buyer, other_force, quantity=6)

    assert participation.status == ParticipationStatus.ACTIVE
    with pytest.raises(InvalidTransition) as caught:
        join(requisition, other_buyer, other_force, quantity=2)
    assert "already takes part" in caught.value.message
    assert requisition.participations.count() == 2
    assert actions(participation) == ["participation.joined"]


def test_a_buyer_cannot_join_for_a_force_that_is_not_theirs(requisition, buyer, other_force):
    with pytest.raises(NotPermitted):
        join(requisition, buyer, other_force)


@pytest.mark.parametrize("status", ["closed", "cancelled"])
def test_joining_a_closed_or_cancelled_requisition_is_refused(
    requisition, other_buyer, other_force, buyer, status
):
    if status == "closed":
        services.requisition_close(requisition=requisition, user=buyer)
    else:
        services.requisition_cancel(requisition=requisition, user=buyer, reason="No budget.")

    with pytest.raises(InvalidTransition) as caught:
        join(requisition, other_buyer, other_force)

    assert "no longer join" in caught.value.message
    assert not requisition.participations.filter(force=other_force).exists()


def test_a_buyer_changes_their_quantity_while_open(requisition, other_buyer, other_force):
    participation = join(requisition, other_buyer, other_force, quantity=6)

    changed = services.participation_change(
        participation=participation, user=other_buyer, quantity=9
    )

    assert changed.quantity == 9
    assert changed.last_changed_by == other_buyer
    assert actions(participation) == ["participation.joined", "participation.changed"]


def test_another_force_cannot_change_a_participation(requisition, other_buyer):
    lead = requisition.participations.get()

    with pytest.raises(NotPermitted):
        services.participation_change(participation=lead, user=other_buyer, quantity=50)
    lead.refresh_from_db()
    assert lead.quantity == 5


def test_a_force_withdraws_and_may_join_again(requisition, other_buyer, other_force):
    participation = join(requisition, other_buyer, other_force, quantity=6)

    services.participation_withdraw(participation=participation, user=other_buyer)
    participation.refresh_from_db()
    assert participation.status == ParticipationStatus.WITHDRAWN

    again = join(requisition, other_buyer, other_force, quantity=3)
    assert again.pk == participation.pk
    assert (again.status, again.quantity) == (ParticipationStatus.ACTIVE, 3)


def test_the_lead_force_cannot_withdraw(requisition, buyer):
    with pytest.raises(InvalidTransition):
        services.participation_withdraw(participation=requisition.participations.get(), user=buyer)


def test_changes_after_close_are_refused(closed_requisition, other_buyer):
    participation = closed_requisition.participations.get(force__slug="otherton")

    with pytest.raises(InvalidTransition):
        services.participation_change(participation=participation, user=other_buyer, quantity=1)
    with pytest.raises(InvalidTransition):
        services.participation_withdraw(participation=participation, user=other_buyer)


# Closing.


def test_closing_fixes_the_pooled_price_and_every_share_in_pence(closed_requisition):
    requisition = closed_requisition
    shares = {p.force.slug: p for p in requisition.participations.all()}

    assert requisition.status == RequisitionStatus.CLOSED
    assert requisition.total_quantity == 11
    assert requisition.pooled_unit_price == Decimal("90.00")
    assert requisition.price_break_min_quantity == 10
    assert shares["testshire"].share == Decimal("450.00")
    assert shares["otherton"].share == Decimal("540.00")
    assert requisition.subtotal == Decimal("990.00")
    assert requisition.vat == Decimal("198.00")
    assert requisition.total == Decimal("1188.00")
    assert sum(p.share + p.vat for p in shares.values()) == requisition.total
    assert {p.status for p in shares.values()} == {ParticipationStatus.AWAITING_APPROVAL}
    assert actions(requisition) == ["requisition.opened", "requisition.closed"]


def test_the_vat_rate_is_configurable(requisition, buyer, settings):
    settings.VAT_RATE = Decimal("0.05")

    services.requisition_close(requisition=requisition, user=buyer)
    requisition.refresh_from_db()

    assert requisition.vat_rate == Decimal("0.05")
    assert requisition.vat == Decimal("25.00")


def test_withdrawn_forces_are_not_counted_at_close(requisition, buyer, other_buyer, other_force):
    participation = join(requisition, other_buyer, other_force, quantity=6)
    services.participation_withdraw(participation=participation, user=other_buyer)

    services.requisition_close(requisition=requisition, user=buyer)
    requisition.refresh_from_db()
    participation.refresh_from_db()

    assert requisition.total_quantity == 5
    assert requisition.pooled_unit_price == Decimal("100.00")
    assert participation.status == ParticipationStatus.WITHDRAWN
    assert participation.share is None


def test_closing_twice_is_refused(closed_requisition, buyer):
    with pytest.raises(InvalidTransition):
        services.requisition_close(requisition=closed_requisition, user=buyer)
    assert actions(closed_requisition).count("requisition.closed") == 1


def test_only_the_lead_force_closes_early(requisition, other_buyer, other_force, finance):
    join(requisition, other_buyer, other_force)

    for user in (other_buyer, finance):
        with pytest.raises(NotPermitted):
            services.requisition_close(requisition=requisition, user=user)
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.OPEN


def test_a_lapsed_conformance_blocks_the_close_with_the_reason(requisition, buyer, product):
    Conformance.objects.filter(product=product).update(status="lapsed")

    with pytest.raises(InvalidTransition) as caught:
        services.requisition_close(requisition=requisition, user=buyer)

    assert "does not conform" in caught.value.message
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.OPEN


def test_a_withdrawn_product_blocks_the_close(requisition, buyer, product):
    product.status = "withdrawn"
    product.save()

    with pytest.raises(InvalidTransition) as caught:
        services.requisition_close(requisition=requisition, user=buyer)

    assert "not published" in caught.value.message


def test_the_scheduled_close_closes_only_due_requisitions_and_is_idempotent(buyer, force, product):
    due = start(buyer, force, product, closes_at=later(1))
    not_due = start(buyer, force, product, closes_at=later(3))
    JointRequisition.objects.filter(pk=due.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert services.close_due_requisitions() == {"closed": 1, "blocked": 0, "skipped": 0}
    assert services.close_due_requisitions() == {"closed": 0, "blocked": 0, "skipped": 0}
    due.refresh_from_db()
    not_due.refresh_from_db()
    assert due.status == RequisitionStatus.CLOSED
    assert due.closed_by is None
    assert not_due.status == RequisitionStatus.OPEN


def test_a_blocked_scheduled_close_tells_the_lead_once(buyer, force, product):
    requisition = start(buyer, force, product)
    JointRequisition.objects.filter(pk=requisition.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    product.status = "withdrawn"
    product.save()

    with _captured_on_commit():
        first = services.close_due_requisitions()
        second = services.close_due_requisitions()

    assert first["blocked"] == 1 and second["blocked"] == 1
    requisition.refresh_from_db()
    assert "not published" in requisition.close_blocked_reason
    blocked_mails = [m for m in mail.outbox if "could not close" in m.subject]
    assert [m.to for m in blocked_mails] == [[buyer.email]]
    assert actions(requisition).count("requisition.close_blocked") == 1


# Approval.


def _share(requisition, slug):
    return requisition.participations.get(force__slug=slug)


def test_finance_approves_their_forces_share(closed_requisition, finance):
    share = _share(closed_requisition, "testshire")

    approval = services.participation_approve(
        participation=share, approver=finance, comment="Within budget."
    )

    share.refresh_from_db()
    assert share.status == ParticipationStatus.APPROVED
    assert approval.amount == Decimal("540.00")  # 450.00 + 90.00 VAT
    assert approval.approver_limit == Decimal("250000.00")
    assert approval.comment == "Within budget."
    assert "participation.approved" in actions(share)


def test_when_every_share_is_approved_the_requisition_is_approved(
    closed_requisition, finance, other_finance
):
    services.participation_approve(
        participation=_share(closed_requisition, "testshire"), approver=finance
    )
    closed_requisition.refresh_from_db()
    assert closed_requisition.status == RequisitionStatus.CLOSED

    services.participation_approve(
        participation=_share(closed_requisition, "otherton"), approver=other_finance
    )
    closed_requisition.refresh_from_db()
    assert closed_requisition.status == RequisitionStatus.APPROVED


def test_finance_cannot_approve_another_forces_share(closed_requisition, finance):
    with pytest.raises(NotPermitted):
        services.participation_approve(
            participation=_share(closed_requisition, "otherton"), approver=finance
        )
    assert not Approval.objects.exists()


def test_a_buyer_cannot_approve(closed_requisition, buyer):
    with pytest.raises(NotPermitted):
        services.participation_approve(
            participation=_share(closed_requisition, "testshire"), approver=buyer
        )


def test_finance_cannot_approve_a_share_they_entered(force, product, other_buyer, other_force):
    both = member(Role.BUYER, force, email="both@testshire.police.example")

    Membership.objects.create(
        user=both, organisation=force, role=Role.FINANCE, approval_limit=Decimal("900000.00")
    )
    requisition = start(both, force, product, quantity=5)
    join(requisition, other_buyer, other_force)
    services.requisition_close(requisition=requisition, user=both)

    with pytest.raises(NotPermitted) as caught:
        services.participation_approve(
            participation=_share(requisition, "testshire"), approver=both
        )
    assert "separation of duties" in caught.value.message


def test_whoever_last_changed_a_participation_cannot_approve_it(
    force, product, buyer, other_buyer, other_force
):
    changer = member(Role.BUYER, force, email="changer@testshire.police.example")

    Membership.objects.create(
        user=changer, organisation=force, role=Role.FINANCE, approval_limit=Decimal("900000.00")
    )
    requisition = start(buyer, force, product, quantity=5)
    services.participation_change(
        participation=requisition.participations.get(), user=changer, quantity=7
    )
    services.requisition_close(requisition=requisition, user=buyer)

    with pytest.raises(NotPermitted):
        services.participation_approve(
            participation=_share(requisition, "testshire"), approver=changer
        )


def test_nobody_decides_the_same_share_twice(closed_requisition, low_finance):
    share = _share(closed_requisition, "testshire")  # 540.00, above the 100.00 limit
    services.participation_approve(participation=share, approver=low_finance)

    with pytest.raises(InvalidTransition) as caught:
        services.participation_approve(participation=share, approver=low_finance)
    assert "already decided" in caught.value.message
    with pytest.raises(InvalidTransition):
        services.participation_reject(participation=share, approver=low_finance)
    assert Approval.objects.filter(participation=share).count() == 1


def test_a_share_above_the_limit_needs_a_second_approver_whose_limit_covers_it(
    closed_requisition, low_finance, finance
):
    share = _share(closed_requisition, "testshire")

    first = services.participation_approve(participation=share, approver=low_finance)
    share.refresh_from_db()
    assert first.approver_limit == Decimal("100.00")
    assert share.status == ParticipationStatus.AWAITING_APPROVAL
    assert "participation.first_approval" in actions(share)

    services.participation_approve(participation=share, approver=finance)
    share.refresh_from_db()
    assert share.status == ParticipationStatus.APPROVED


def test_a_second_approver_whose_limit_does_not_cover_the_share_is_refused(
    closed_requisition, low_finance, force
):
    another_low = member(
        Role.FINANCE,
        force,
        email="junior2@testshire.police.example",
        approval_limit=Decimal("200.00"),
    )
    share = _share(closed_requisition, "testshire")
    services.participation_approve(participation=share, approver=low_finance)

    with pytest.raises(NotPermitted) as caught:
        services.participation_approve(participation=share, approver=another_low)

    assert "above your approval limit" in caught.value.message
    share.refresh_from_db()
    assert share.status == ParticipationStatus.AWAITING_APPROVAL
    assert Approval.objects.filter(participation=share).count() == 1


def test_the_limit_is_compared_with_the_share_including_vat(buyer, force, product):
    # 5 x 100.00 = 500.00 net, 600.00 with VAT: a 550.00 limit does not cover it.
    approver = member(
        Role.FINANCE, force, email="mid@testshire.police.example", approval_limit=Decimal("550")
    )
    requisition = start(buyer, force, product, quantity=5)
    services.requisition_close(requisition=requisition, user=buyer)
    share = requisition.participations.get()

    services.participation_approve(participation=share, approver=approver)
    share.refresh_from_db()

    assert share.status == ParticipationStatus.AWAITING_APPROVAL


def test_approving_while_open_is_refused(requisition, finance):
    with pytest.raises(InvalidTransition):
        services.participation_approve(
            participation=requisition.participations.get(), approver=finance
        )


# Rejection.


def test_a_rejected_share_drops_out_and_the_others_are_repriced(
    buyer,
    force,
    product,
    other_buyer,
    other_force,
    third_buyer,
    third_force,
    finance,
    other_finance,
    third_finance,
):
    # 5 + 6 + 90 = 101 units at 80.00; without the 90 the 11 units cost 90.00 each.
    requisition = start(buyer, force, product, quantity=5)
    join(requisition, other_buyer, other_force, quantity=6)
    join(requisition, third_buyer, third_force, quantity=90)
    services.requisition_close(requisition=requisition, user=buyer)
    services.participation_approve(participation=_share(requisition, "testshire"), approver=finance)

    services.participation_reject(
        participation=_share(requisition, "thirdshire"), approver=third_finance, comment="No."
    )

    requisition.refresh_from_db()
    testshire, otherton, thirdshire = (
        _share(requisition, slug) for slug in ("testshire", "otherton", "thirdshire")
    )
    assert thirdshire.status == ParticipationStatus.REJECTED
    assert requisition.total_quantity == 11
    assert requisition.pooled_unit_price == Decimal("90.00")
    assert requisition.total == Decimal("1188.00")
    # Testshire's share rose from 400.00 to 450.00: its approval no longer counts.
    assert testshire.share == Decimal("450.00")
    assert testshire.status == ParticipationStatus.AWAITING_APPROVAL
    assert testshire.approval_round == 2
    assert otherton.approval_round == 2
    assert "requisition.repriced" in actions(requisition)
    # The finance approver who approved round 1 may approve the new amount.
    services.participation_approve(participation=testshire, approver=finance)
    services.participation_approve(participation=otherton, approver=other_finance)
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.APPROVED


def test_shares_that_fall_keep_their_approvals_after_a_rejection(
    buyer, force, product, other_buyer, other_force, finance, other_finance
):
    # Breaks 1 @ 100, 10 @ 90, 100 @ 80; a price that does not depend on who leaves:
    flat = ProductFactory(breaks=[(1, "100.00")], list_price=Decimal("100.00"))
    requisition = start(buyer, force, flat, quantity=5)
    join(requisition, other_buyer, other_force, quantity=6)
    services.requisition_close(requisition=requisition, user=buyer)
    services.participation_approve(participation=_share(requisition, "testshire"), approver=finance)

    services.participation_reject(
        participation=_share(requisition, "otherton"), approver=other_finance
    )

    requisition.refresh_from_db()
    testshire = _share(requisition, "testshire")
    assert testshire.status == ParticipationStatus.APPROVED
    assert testshire.approval_round == 1
    assert requisition.status == RequisitionStatus.APPROVED


def test_when_every_share_is_rejected_the_requisition_is_cancelled(
    closed_requisition, finance, other_finance
):
    services.participation_reject(
        participation=_share(closed_requisition, "testshire"), approver=finance
    )
    services.participation_reject(
        participation=_share(closed_requisition, "otherton"), approver=other_finance
    )

    closed_requisition.refresh_from_db()
    assert closed_requisition.status == RequisitionStatus.CANCELLED
    assert "rejected" in closed_requisition.cancellation_reason


# Sign-off, award, cancel.


def _approve_all(requisition, *approvers):
    for approver in approvers:
        share = requisition.participations.get(
            force__memberships__user=approver, status=ParticipationStatus.AWAITING_APPROVAL
        )
        services.participation_approve(participation=share, approver=approver)
    requisition.refresh_from_db()
    return requisition


def test_the_commercial_lead_awards_an_approved_requisition(
    closed_requisition, finance, other_finance, commercial_lead
):
    requisition = _approve_all(closed_requisition, finance, other_finance)

    order = services.requisition_award(requisition=requisition, user=commercial_lead)

    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.AWARDED
    assert order.supplier == requisition.product.supplier
    assert (order.subtotal, order.vat, order.total) == (
        Decimal("990.00"),
        Decimal("198.00"),
        Decimal("1188.00"),
    )
    assert order.documents_requested_at is not None
    assert not order.notifiable
    lines = {line.force.slug: line for line in order.lines.all()}
    assert lines["otherton"].quantity == 6
    assert lines["otherton"].total == Decimal("648.00")
    assert lines["otherton"].delivery_address == "Otherton Police stores"
    assert sum(line.total for line in lines.values()) == order.total
    assert "requisition.awarded" in actions(requisition)


def test_awarding_before_every_share_is_approved_is_refused(
    closed_requisition, finance, commercial_lead
):
    _approve_all(closed_requisition, finance)

    with pytest.raises(InvalidTransition):
        services.requisition_award(requisition=closed_requisition, user=commercial_lead)
    assert not Order.objects.exists()


def test_only_the_commercial_lead_awards(closed_requisition, finance, other_finance, buyer):
    requisition = _approve_all(closed_requisition, finance, other_finance)

    with pytest.raises(NotPermitted):
        services.requisition_award(requisition=requisition, user=buyer)


def test_awarding_twice_gives_one_order(
    closed_requisition, finance, other_finance, commercial_lead
):
    requisition = _approve_all(closed_requisition, finance, other_finance)
    services.requisition_award(requisition=requisition, user=commercial_lead)

    with pytest.raises(InvalidTransition):
        services.requisition_award(requisition=requisition, user=commercial_lead)
    assert Order.objects.count() == 1


def _big_requisition(buyer, force, product, senior_finance, quantity=2000):
    # 2000 x 80.00 = 160,000.00 + 32,000.00 VAT = 192,000.00 including VAT.
    requisition = start(buyer, force, product, quantity=quantity)
    services.requisition_close(requisition=requisition, user=buyer)
    services.participation_approve(
        participation=requisition.participations.get(), approver=senior_finance
    )
    requisition.refresh_from_db()
    return requisition


def test_an_order_reaching_the_threshold_needs_sign_off_before_award(
    buyer, force, product, senior_finance, commercial_lead
):
    # 2200 x 80.00 x 1.2 = 211,200.00: above 207,720.00 (in force from 2026-01-01).
    requisition = _big_requisition(buyer, force, product, senior_finance, quantity=2200)
    assert requisition.needs_sign_off

    with pytest.raises(InvalidTransition) as caught:
        services.requisition_award(requisition=requisition, user=commercial_lead)
    assert "sign it off" in caught.value.message

    services.requisition_sign_off(requisition=requisition, user=commercial_lead)
    order = services.requisition_award(requisition=requisition, user=commercial_lead)
    assert order.notifiable
    assert order.total == Decimal("211200.00")


def test_the_threshold_in_force_on_the_day_of_award_decides(
    buyer, force, product, senior_finance, commercial_lead
):
    requisition = _big_requisition(buyer, force, product, senior_finance, quantity=2200)
    # A later, higher threshold is in force by the day of award: no sign-off needed.
    ProcurementThreshold.objects.create(
        kind="sign_off", amount=Decimal("300000.00"), effective_from=timezone.localdate()
    )

    order = services.requisition_award(requisition=requisition, user=commercial_lead)

    assert order.total == Decimal("211200.00")


def test_thresholds_are_dated_data_seeded_by_migration():

    assert threshold_in_force("sign_off", datetime.date(2025, 6, 1)).amount == Decimal("214904.00")
    assert threshold_in_force("sign_off", datetime.date(2026, 1, 1)).amount == Decimal("207720.00")
    assert threshold_in_force("sign_off", datetime.date(2023, 12, 31)) is None
    assert threshold_in_force("notifiable", datetime.date(2026, 3, 1)).amount == Decimal("30000.00")


def test_orders_from_the_notifiable_threshold_are_marked_notifiable(
    buyer, force, product, senior_finance, commercial_lead
):
    # 313 x 80.00 x 1.2 = 30,048.00 >= 30,000.00; 312 units = 29,952.00 is not.
    requisition = _big_requisition(buyer, force, product, senior_finance, quantity=313)
    order = services.requisition_award(requisition=requisition, user=commercial_lead)
    assert order.notifiable

    smaller = _big_requisition(buyer, force, product, senior_finance, quantity=312)
    assert not services.requisition_award(requisition=smaller, user=commercial_lead).notifiable


def test_shares_that_add_up_with_earlier_orders_to_the_threshold_are_flagged(
    buyer, force, product, senior_finance, commercial_lead
):
    # Two earlier orders of 192,000.00 and 96,000.00... each below 207,720.00 alone.
    first = _big_requisition(buyer, force, product, senior_finance, quantity=2000)
    first_order = services.requisition_award(requisition=first, user=commercial_lead)
    assert first.participations.get().split_purchase_flag is None

    second = start(buyer, force, product, quantity=1000)
    services.requisition_close(requisition=second, user=buyer)

    flag = second.participations.get().split_purchase_flag
    assert flag is not None
    assert [o["number"] for o in flag["orders"]] == [first_order.number]
    assert Decimal(flag["combined"]) == Decimal("192000.00") + Decimal("96000.00")
    assert Decimal(flag["threshold"]) == Decimal("207720.00")


def test_orders_older_than_twelve_months_do_not_count_towards_a_split(
    buyer, force, product, senior_finance, commercial_lead
):
    first = _big_requisition(buyer, force, product, senior_finance, quantity=2000)
    order = services.requisition_award(requisition=first, user=commercial_lead)
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=400)
    )

    second = start(buyer, force, product, quantity=1000)
    services.requisition_close(requisition=second, user=buyer)

    assert second.participations.get().split_purchase_flag is None


def test_the_lead_force_or_the_ict_company_cancels_with_a_reason(
    requisition, buyer, other_buyer, other_force, commercial_lead
):
    join(requisition, other_buyer, other_force)
    with pytest.raises(NotPermitted):
        services.requisition_cancel(requisition=requisition, user=other_buyer, reason="Mine")
    with pytest.raises(DomainError) as caught:
        services.requisition_cancel(requisition=requisition, user=buyer, reason="  ")
    assert "reason" in caught.value.errors

    services.requisition_cancel(requisition=requisition, user=commercial_lead, reason="Duplicate.")

    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.CANCELLED
    assert requisition.cancellation_reason == "Duplicate."
    assert requisition.cancelled_by == commercial_lead


def test_an_awarded_requisition_cannot_be_cancelled(
    closed_requisition, finance, other_finance, commercial_lead, buyer
):
    requisition = _approve_all(closed_requisition, finance, other_finance)
    services.requisition_award(requisition=requisition, user=commercial_lead)

    with pytest.raises(InvalidTransition):
        services.requisition_cancel(requisition=requisition, user=buyer, reason="Too late")


# The transition map.


def test_the_transition_map_refuses_what_it_does_not_list(requisition):
    requisition.status = RequisitionStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        services.check_transition(requisition, RequisitionStatus.OPEN)
    requisition.status = RequisitionStatus.OPEN
    with pytest.raises(InvalidTransition):
        services.check_transition(requisition, RequisitionStatus.AWARDED)


def test_every_status_has_an_entry_in_the_transition_maps():

    for machine, statuses in (
        (states.REQUISITION, RequisitionStatus.values),
        (states.PARTICIPATION, ParticipationStatus.values),
        (states.ORDER, OrderStatus.values),
    ):
        named = {s for source, target, _ in machine.transitions() for s in (source, target)}
        assert named == set(statuses)


def test_a_requisition_that_does_not_exist_is_not_found(buyer):
    with pytest.raises(NotFound):
        services.requisition_close(requisition=JointRequisition(pk=999_999), user=buyer)


def test_the_audit_chain_stays_valid(closed_requisition, finance, other_finance, commercial_lead):

    requisition = _approve_all(closed_requisition, finance, other_finance)
    services.requisition_award(requisition=requisition, user=commercial_lead)

    checked, problems = verify_chain()
    assert checked > 5 and problems == []


def test_the_participation_row_refuses_a_second_force_entry(requisition, buyer, force):

    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(
            joint_requisition=requisition,
            force=force,
            quantity=1,
            delivery_address="x",
            cost_centre="y",
            entered_by=buyer,
            last_changed_by=buyer,
        )


class _captured_on_commit:
    """Run on_commit callbacks at the end of the block (the test runs in a transaction)."""

    def __enter__(self):

        self._context = TestCase.captureOnCommitCallbacks(execute=True)
        return self._context.__enter__()

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)
