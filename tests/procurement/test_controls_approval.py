"""Issue 9: approval controls (separation of duties, limits, shares no approver can cover)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from core.errors import InvalidTransition, NotPermitted
from procurement import services
from procurement.models import (
    ParticipationQuantityChange,
    ParticipationStatus,
    RequisitionStatus,
)
from procurement.policies.approval import (
    can_be_covered,
    highest_approval_limit,
    quantity_setter_ids,
)
from tests.factories import ForceFactory, MembershipFactory, member
from tests.procurement.conftest import join, start

pytestmark = pytest.mark.django_db


# Finding 1: separation of duties covers everyone who ever set the quantity.


@pytest.fixture
def kent(db):
    return ForceFactory(name="Kent Police", slug="kent")


@pytest.fixture
def kent_colleague(kent):
    return member(Role.BUYER, kent, email="colleague@kent.police.example")


@pytest.fixture
def kent_buyer_and_approver(kent):
    user = member(Role.BUYER, kent, email="both@kent.police.example")
    MembershipFactory(
        user=user, organisation=kent, role=Role.FINANCE, approval_limit=Decimal("5000000.00")
    )
    return user


def _kent_share_raised_then_address_changed(requisition, colleague, both, kent):
    participation = join(requisition, colleague, kent, quantity=10)
    services.participation_change(participation=participation, user=both, quantity=1500)
    services.participation_change(
        participation=participation, user=colleague, delivery_address="Kent HQ, Maidstone"
    )
    return participation


def test_whoever_raised_the_quantity_cannot_approve_after_a_colleague_changed_the_address(
    requisition, buyer, kent, kent_colleague, kent_buyer_and_approver
):
    """Issue 9, finding 1: A raised Kent's quantity, B then changed only the delivery
    address; A is still refused, although B is now the last editor."""
    participation = _kent_share_raised_then_address_changed(
        requisition, kent_colleague, kent_buyer_and_approver, kent
    )
    services.requisition_close(requisition=requisition, user=buyer)

    with pytest.raises(NotPermitted, match="separation of duties"):
        services.participation_approve(
            participation=participation, approver=kent_buyer_and_approver
        )
    with pytest.raises(NotPermitted, match="separation of duties"):
        services.participation_reject(participation=participation, approver=kent_buyer_and_approver)

    participation.refresh_from_db()
    assert participation.status == ParticipationStatus.AWAITING_APPROVAL
    assert not participation.approvals.exists()


def test_the_quantity_history_records_every_setter_but_not_an_address_change(
    requisition, kent, kent_colleague, kent_buyer_and_approver
):
    """Issue 9, finding 1: who set the quantity is kept, each time it was set."""
    participation = _kent_share_raised_then_address_changed(
        requisition, kent_colleague, kent_buyer_and_approver, kent
    )

    rows = list(
        ParticipationQuantityChange.objects.filter(participation=participation).order_by("pk")
    )
    assert [(r.user_id, r.old_quantity, r.new_quantity) for r in rows] == [
        (kent_colleague.pk, None, 10),
        (kent_buyer_and_approver.pk, 10, 1500),
    ]
    assert quantity_setter_ids(participation) == {kent_colleague.pk, kent_buyer_and_approver.pk}


def test_the_approval_queue_marks_a_share_whose_quantity_the_approver_set(
    client, requisition, buyer, kent, kent_colleague, kent_buyer_and_approver
):
    """Issue 9, finding 1: the page asks the same policy as the service."""
    _kent_share_raised_then_address_changed(
        requisition, kent_colleague, kent_buyer_and_approver, kent
    )
    services.requisition_close(requisition=requisition, user=buyer)
    client.force_login(kent_buyer_and_approver)

    response = client.get(reverse("procurement:approval_queue"))

    (row,) = response.context["rows"]
    assert row["entered"] is True


def test_a_rejoin_records_the_new_quantity_setter(requisition, other_force, other_buyer):
    participation = join(requisition, other_buyer, other_force, quantity=5)
    services.participation_withdraw(participation=participation, user=other_buyer)
    colleague = member(Role.BUYER, other_force, email="second@otherton.police.example")
    join(requisition, colleague, other_force, quantity=7)

    assert colleague.pk in quantity_setter_ids(participation)


# The approval limit covers the share including VAT.


def test_the_highest_approval_limit_of_a_force(force, low_finance, senior_finance, other_force):
    assert highest_approval_limit(force) == Decimal("5000000.00")
    assert highest_approval_limit(other_force) is None
    assert can_be_covered(force, Decimal("5000000.00"))
    assert not can_be_covered(force, Decimal("5000000.01"))


# Finding 9: a share no approver can cover.


@pytest.fixture
def small_approver(other_force):
    """Otherton's only finance approver: GBP 100 limit."""
    return member(
        Role.FINANCE,
        other_force,
        email="small@otherton.police.example",
        approval_limit=Decimal("100.00"),
    )


def test_the_buyer_is_warned_at_join_when_no_approver_can_cover_the_share(
    api, requisition, other_buyer, other_force, small_approver
):
    """Issue 9, finding 9: joining answers with a warning (share incl. VAT against the
    force's highest approval limit)."""
    response = api.as_user(other_buyer).post(
        f"/api/v1/joint-requisitions/{requisition.pk}/participations/",
        {"quantity": 6, "delivery_address": "Otherton stores", "cost_centre": "CC-1"},
        format="json",
    )

    assert response.status_code == 201
    warning = response.json()["approval_warning"]
    # 11 units at 90.00: Otherton's 6 are 540.00 + VAT 108.00 = 648.00.
    assert "£648.00" in warning
    assert "£100.00" in warning


def test_the_buyer_is_warned_at_change_and_not_when_the_share_fits(
    api, requisition, other_buyer, other_force, small_approver
):
    """Issue 9, finding 9: changing the quantity answers with the warning too."""
    participation = join(requisition, other_buyer, other_force, quantity=6)
    url = f"/api/v1/participations/{participation.pk}/"
    client = api.as_user(other_buyer)

    assert client.patch(url, {"quantity": 7}, format="json").json()["approval_warning"]
    small_approver.memberships.update(approval_limit=Decimal("1000000.00"))
    assert client.patch(url, {"quantity": 8}, format="json").json()["approval_warning"] is None


def test_the_page_warns_the_buyer_after_joining(
    client, requisition, other_buyer, other_force, small_approver
):
    """Issue 9, finding 9: the page shows the warning to the force's buyer."""
    client.force_login(other_buyer)
    response = client.post(
        reverse("procurement:participation_edit", args=[requisition.pk]),
        {"quantity": 6, "delivery_address": "Otherton stores", "cost_centre": "CC-1"},
        follow=True,
    )

    html = response.content.decode()
    assert "No finance approver of Otherton Police can approve" in html
    assert "£648.00" in html


def test_at_close_a_share_no_approver_can_cover_is_listed_as_blocking(
    api,
    client,
    requisition,
    buyer,
    finance,
    other_buyer,
    other_force,
    small_approver,
    commercial_lead,
):
    """Issue 9, finding 9: the requisition page and API list the blocking share, with the
    route (the commercial lead releases the force)."""
    participation = join(requisition, other_buyer, other_force, quantity=6)
    services.requisition_close(requisition=requisition, user=buyer)

    data = api.as_user(buyer).get(f"/api/v1/joint-requisitions/{requisition.pk}/").json()
    (blocking,) = data["blocking_shares"]
    assert blocking["participation"] == participation.pk
    assert blocking["force"] == "otherton"
    assert blocking["share_including_vat"] == "648.00"
    assert blocking["highest_approval_limit"] == "100.00"

    client.force_login(commercial_lead)
    html = client.get(reverse("procurement:requisition_detail", args=[requisition.pk]))
    text = html.content.decode()
    assert "No finance approver of Otherton Police can approve its share" in text
    assert reverse("procurement:participation_release", args=[participation.pk]) in text


def test_the_commercial_lead_releases_a_force_and_the_rest_are_repriced(
    requisition, buyer, other_buyer, other_force, small_approver, commercial_lead
):
    """Issue 9, finding 9: after close, the commercial lead releases the force; the others
    are re-priced as after a rejection."""
    participation = join(requisition, other_buyer, other_force, quantity=6)
    services.requisition_close(requisition=requisition, user=buyer)

    services.participation_release(
        participation=participation, user=commercial_lead, reason="No approver can cover it."
    )

    participation.refresh_from_db()
    requisition.refresh_from_db()
    assert participation.status == ParticipationStatus.RELEASED
    assert requisition.status == RequisitionStatus.CLOSED
    assert requisition.total_quantity == 5
    assert requisition.pooled_unit_price == Decimal("100.00")
    lead = requisition.participations.get(force=requisition.lead_force)
    assert (lead.share, lead.approval_round) == (Decimal("500.00"), 2)
    assert AuditEvent.objects.filter(
        action="participation.released", object_id=str(participation.pk)
    ).exists()


def test_only_the_commercial_lead_releases_and_only_a_share_nobody_can_cover(
    closed_requisition, buyer, finance, commercial_lead
):
    """Issue 9, finding 9: a coverable share is decided by its force, not released."""
    participation = closed_requisition.participations.get(force=closed_requisition.lead_force)
    with pytest.raises(NotPermitted):
        services.participation_release(participation=participation, user=buyer, reason="x")
    with pytest.raises(InvalidTransition, match="can approve"):
        services.participation_release(
            participation=participation, user=commercial_lead, reason="Why not."
        )


def test_the_api_release_action(
    api, requisition, buyer, other_buyer, other_force, small_approver, commercial_lead
):
    participation = join(requisition, other_buyer, other_force, quantity=6)
    services.requisition_close(requisition=requisition, user=buyer)
    url = f"/api/v1/participations/{participation.pk}/release/"

    assert api.as_user(buyer).post(url, {"reason": "x"}, format="json").status_code == 403
    response = api.as_user(commercial_lead).post(url, {"reason": "Too big."}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "released"


def test_before_close_the_route_is_to_reduce_or_withdraw(
    client, requisition, other_buyer, other_force, small_approver
):
    """Issue 9, finding 9: while open the buyer is told to reduce or withdraw."""
    join(requisition, other_buyer, other_force, quantity=6)
    client.force_login(other_buyer)

    html = client.get(reverse("procurement:requisition_detail", args=[requisition.pk]))

    assert "reduce the quantity or withdraw" in html.content.decode()


def test_start_records_the_lead_buyer_as_the_quantity_setter(buyer, force, product):
    requisition = start(buyer, force, product, quantity=5)
    (participation,) = requisition.participations.all()
    assert quantity_setter_ids(participation) == {buyer.pk}


def test_the_release_button_is_only_for_the_commercial_lead(
    client, requisition, buyer, finance, other_buyer, other_force, small_approver
):
    participation = join(requisition, other_buyer, other_force, quantity=6)
    services.requisition_close(requisition=requisition, user=buyer)
    client.force_login(other_buyer)

    html = client.get(reverse("procurement:requisition_detail", args=[requisition.pk]))

    text = html.content.decode()
    assert "No finance approver of Otherton Police can approve its share" in text
    assert reverse("procurement:participation_release", args=[participation.pk]) not in text


def test_releasing_through_the_page(
    client, requisition, buyer, finance, other_buyer, other_force, small_approver, commercial_lead
):
    """Issue 9, finding 9: the commercial lead's button releases the force."""
    participation = join(requisition, other_buyer, other_force, quantity=6)
    services.requisition_close(requisition=requisition, user=buyer)
    client.force_login(commercial_lead)

    client.post(
        reverse("procurement:participation_release", args=[participation.pk]),
        {"reason": "No approver can cover it."},
    )

    participation.refresh_from_db()
    assert participation.status == ParticipationStatus.RELEASED


def test_the_approvers_asked_leave_out_whoever_set_the_quantity(
    mailoutbox,
    django_capture_on_commit_callbacks,
    requisition,
    buyer,
    kent,
    kent_colleague,
    kent_buyer_and_approver,
):
    """Issue 9, finding 1: the e-mail asking for approval is not sent to a quantity setter."""
    other_approver = member(Role.FINANCE, kent, email="finance@kent.police.example")
    _kent_share_raised_then_address_changed(
        requisition, kent_colleague, kent_buyer_and_approver, kent
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.requisition_close(requisition=requisition, user=buyer)

    recipients = {m.to[0] for m in mailoutbox}
    assert other_approver.email in recipients
    assert kent_buyer_and_approver.email not in recipients


def test_the_commercial_queue_marks_a_requisition_blocked_by_a_share_nobody_can_cover(
    client, requisition, buyer, finance, other_buyer, other_force, small_approver, commercial_lead
):
    """Issue 9, finding 9: the commercial lead finds the requisitions waiting on a release."""
    join(requisition, other_buyer, other_force, quantity=6)
    services.requisition_close(requisition=requisition, user=buyer)
    client.force_login(commercial_lead)

    response = client.get(reverse("procurement:commercial_queue"))

    assert response.context["blocked"] == {requisition.pk}
    assert "A share no approver can cover" in response.content.decode()
