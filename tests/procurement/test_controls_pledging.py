"""Issue 9: pledging controls (open for pledges, orderable, the price lock)."""

import datetime
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from catalogue import services as catalogue_services
from catalogue.models import PriceBreak, ProductStatus
from catalogue.policies import is_orderable, orderable_problem
from catalogue.services import compliance
from core.errors import DomainError, InvalidTransition
from procurement import services
from procurement.models import (
    JointRequisition,
    ParticipationQuantityChange,
    ParticipationStatus,
    RequisitionStatus,
)
from procurement.policies.pledging import is_open_for_pledges, pledging_problem
from standards.models import Standard
from tests.factories import ProductFactory, ProductRevisionFactory
from tests.procurement.conftest import join, start

pytestmark = pytest.mark.django_db


def _past_deadline(requisition) -> None:
    """The closing time passes; the scheduler has not run, so the status is still open."""
    JointRequisition.objects.filter(pk=requisition.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.OPEN


def _abolish_required_standard(product) -> None:
    """What enacting an abolition does to the product: the standard is abolished, its
    conformances lapse and the product's compliance is recomputed."""
    standard_ids = product.conformances.values_list("standard_version__standard_id", flat=True)
    Standard.objects.filter(pk__in=list(standard_ids)).update(abolished_at=timezone.now())
    product.conformances.update(status="lapsed")
    compliance.refresh([product.pk])


# Finding 5: after closes_at nothing changes, whether or not the scheduler has run.


def test_join_after_closes_at_is_refused_while_the_status_is_still_open(
    requisition, other_buyer, other_force
):
    """Issue 9, finding 5: a join after closes_at is refused at once."""
    _past_deadline(requisition)

    with pytest.raises(InvalidTransition, match="closed to pledges"):
        join(requisition, other_buyer, other_force, quantity=5)

    assert not requisition.participations.filter(force=other_force).exists()


def test_change_after_closes_at_is_refused_while_the_status_is_still_open(
    requisition, other_buyer, other_force
):
    """Issue 9, finding 5: a quantity change after closes_at is refused at once."""
    participation = join(requisition, other_buyer, other_force, quantity=5)
    _past_deadline(requisition)

    with pytest.raises(InvalidTransition, match="closed to pledges"):
        services.participation_change(participation=participation, user=other_buyer, quantity=50)

    participation.refresh_from_db()
    assert participation.quantity == 5


def test_a_withdrawal_after_closes_at_cannot_raise_another_forces_share(
    requisition, buyer, other_buyer, other_force
):
    """Issue 9, finding 5: a withdrawal after the deadline is refused, so the others' shares
    are those pledged by the deadline."""
    participation = join(requisition, other_buyer, other_force, quantity=6)
    _past_deadline(requisition)

    with pytest.raises(InvalidTransition, match="closed to pledges"):
        services.participation_withdraw(participation=participation, user=other_buyer)

    services.requisition_close(requisition=requisition, user=None)
    requisition.refresh_from_db()
    assert requisition.total_quantity == 11
    assert requisition.pooled_unit_price == Decimal("90.00")
    lead = requisition.participations.get(force=requisition.lead_force)
    assert lead.share == Decimal("450.00")


def test_pledges_stay_refused_while_a_close_is_blocked(
    requisition, product, other_buyer, other_force
):
    """Issue 9, finding 5: a blocked close does not reopen the requisition to pledges."""
    PriceBreak.objects.filter(product=product).delete()
    _past_deadline(requisition)
    services.close_due_requisitions()
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.OPEN
    assert requisition.close_blocked_reason

    with pytest.raises(InvalidTransition, match="closed to pledges"):
        join(requisition, other_buyer, other_force, quantity=5)


def test_the_pledging_policy_is_open_and_before_the_deadline(requisition):
    now = timezone.now()
    assert is_open_for_pledges(requisition, now)
    assert pledging_problem(requisition, now) is None
    assert not is_open_for_pledges(requisition, requisition.closes_at)
    requisition.status = RequisitionStatus.CANCELLED
    assert not is_open_for_pledges(requisition, now)


def test_the_page_and_the_api_offer_no_pledge_after_closes_at(
    client, api, requisition, other_buyer, other_force
):
    join(requisition, other_buyer, other_force, quantity=5)
    url = reverse("procurement:requisition_detail", args=[requisition.pk])
    client.force_login(other_buyer)
    before = client.get(url)
    assert before.context["can_change"] and before.context["can_withdraw"]
    data = api.as_user(other_buyer).get(f"/api/v1/joint-requisitions/{requisition.pk}/").json()
    own = next(p for p in data["participations"] if p["force"] == "otherton")
    lead = next(p for p in data["participations"] if p["force"] == "testshire")
    assert (own["can_change"], own["can_withdraw"]) == (True, True)
    assert (lead["can_change"], lead["can_withdraw"]) == (False, False)

    _past_deadline(requisition)
    after = client.get(url)
    assert not after.context["can_change"]
    assert not after.context["can_withdraw"]
    assert "Change your force" not in after.content.decode()

    data = api.as_user(other_buyer).get(f"/api/v1/joint-requisitions/{requisition.pk}/").json()
    assert data["open_for_pledges"] is False
    own = next(p for p in data["participations"] if p["force"] == "otherton")
    assert (own["can_change"], own["can_withdraw"]) == (False, False)


# Orderable: one rule, checked at start, join, change, close and award.


def test_the_orderable_rule_names_what_is_missing(product):
    assert is_orderable(product)
    product.status = ProductStatus.WITHDRAWN
    assert "not published" in orderable_problem(product)
    product.status = ProductStatus.PUBLISHED
    PriceBreak.objects.filter(product=product).delete()
    assert "no prices" in orderable_problem(product)


def test_joining_a_requisition_for_a_withdrawn_product_is_refused(
    requisition, product, other_buyer, other_force
):
    product.status = ProductStatus.WITHDRAWN
    product.save()

    with pytest.raises(DomainError, match="not published") as raised:
        join(requisition, other_buyer, other_force, quantity=5)
    assert raised.value.errors.keys() == {"product"}


def test_raising_or_lowering_a_quantity_is_refused_for_a_product_no_longer_orderable(
    requisition, product, buyer
):
    participation = requisition.participations.get()
    product.conformances.update(status="lapsed")
    compliance.refresh([product.pk])

    for quantity in (50, 1):
        with pytest.raises(DomainError, match="does not conform"):
            services.participation_change(
                participation=participation, user=buyer, quantity=quantity
            )


def test_join_is_refused_after_the_required_standard_is_abolished(
    requisition, product, other_buyer, other_force
):
    """Issue 9, finding 7: joins are refused for a product whose required standard was
    abolished (it no longer conforms)."""
    _abolish_required_standard(product)

    with pytest.raises(DomainError, match="does not conform"):
        join(requisition, other_buyer, other_force, quantity=5)


def test_award_is_refused_after_the_required_standard_is_abolished(
    closed_requisition, product, finance, other_finance, commercial_lead
):
    """Issue 9, finding 7: award re-checks compliance now, as close does."""
    for participation in closed_requisition.participations.all():
        approver = finance if participation.force_id == closed_requisition.lead_force_id else None
        services.participation_approve(
            participation=participation, approver=approver or other_finance
        )
    closed_requisition.refresh_from_db()
    assert closed_requisition.status == RequisitionStatus.APPROVED
    _abolish_required_standard(product)

    with pytest.raises(InvalidTransition, match="does not conform"):
        services.requisition_award(requisition=closed_requisition, user=commercial_lead)

    closed_requisition.refresh_from_db()
    assert closed_requisition.status == RequisitionStatus.APPROVED


def test_the_api_refuses_an_award_for_a_product_no_longer_orderable(
    api, closed_requisition, product, finance, other_finance, commercial_lead
):
    """Issue 9, finding 7: the API answers 409 with the reason, not 201."""
    for participation in closed_requisition.participations.all():
        approver = finance if participation.force_id == closed_requisition.lead_force_id else None
        services.participation_approve(
            participation=participation, approver=approver or other_finance
        )
    _abolish_required_standard(product)

    response = api.as_user(commercial_lead).post(
        f"/api/v1/joint-requisitions/{closed_requisition.pk}/award/"
    )
    assert response.status_code == 409
    assert "does not conform" in response.json()["detail"]


def test_the_product_page_offers_a_requisition_only_for_an_orderable_product(
    client, buyer, product
):
    url = reverse("catalogue:product_detail", args=[product.pk])
    client.force_login(buyer)

    def offers_a_requisition() -> bool:
        panels = client.get(url).context["product_panels"]
        return any(panel["name"] == "requisition" for panel in panels)

    assert offers_a_requisition()
    PriceBreak.objects.filter(product=product).delete()
    assert not offers_a_requisition()


# Finding 6: the price lock.


def _approve_revision_raising_price(product, catalogue_manager, price: str) -> None:
    ProductRevisionFactory(
        product=product,
        status="submitted",
        list_price=Decimal(price),
        price_breaks=[{"min_quantity": 1, "unit_price": price}],
    )
    catalogue_services.product_approve(product=product, actor=catalogue_manager)
    assert product.price_breaks.get().unit_price == Decimal(price)


def test_close_charges_the_breaks_locked_when_the_requisition_opened(
    buyer, force, other_buyer, other_force, supplier, catalogue_manager
):
    """Issue 9, finding 6: forces joined at 9.00; an approved revision raises the price to
    11.00 while open; the close charges 9.00, from the breaks locked at opening."""
    product = ProductFactory(supplier=supplier, breaks=[(1, "9.00")], list_price="9.00")
    requisition = start(buyer, force, product, quantity=10)
    opened_revision = requisition.product_revision_id
    join(requisition, other_buyer, other_force, quantity=10)
    _approve_revision_raising_price(product, catalogue_manager, "11.00")

    services.requisition_close(requisition=requisition, user=buyer)

    requisition.refresh_from_db()
    assert requisition.pooled_unit_price == Decimal("9.00")
    assert requisition.subtotal == Decimal("180.00")
    assert requisition.product_revision_id == opened_revision
    assert requisition.locked_price_breaks == [{"min_quantity": 1, "unit_price": "9.00"}]


def test_the_page_and_the_api_show_the_locked_breaks_and_price_from_them(
    client, api, buyer, force, supplier, catalogue_manager
):
    """Issue 9, finding 6: the indicative price while open comes from the locked breaks."""
    product = ProductFactory(supplier=supplier, breaks=[(1, "9.00")], list_price="9.00")
    requisition = start(buyer, force, product, quantity=10)
    _approve_revision_raising_price(product, catalogue_manager, "11.00")

    data = api.as_user(buyer).get(f"/api/v1/joint-requisitions/{requisition.pk}/").json()
    assert data["locked_price_breaks"] == [{"min_quantity": 1, "unit_price": "9.00"}]
    assert data["unit_price"] == "9.00"

    client.force_login(buyer)
    page = client.get(reverse("procurement:requisition_detail", args=[requisition.pk]))
    html = page.content.decode()
    assert "Prices locked when this requisition opened" in html
    assert "£9.00" in html
    assert "£11.00" not in html


def test_forces_are_told_when_the_product_is_withdrawn_while_open(
    requisition, product, other_buyer, other_force, supplier_editor, buyer
):
    """Issue 9, price lock: the forces taking part are told when the product stops being
    orderable, and close is refused with the reason."""
    join(requisition, other_buyer, other_force, quantity=5)

    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        catalogue_services.product_withdraw(
            product=product, actor=supplier_editor, reason="End of life."
        )

    recipients = {m.to[0] for m in mail.outbox}
    assert {buyer.email, other_buyer.email} <= recipients
    assert any("no longer be ordered" in m.subject for m in mail.outbox)
    with pytest.raises(InvalidTransition, match="not published"):
        services.requisition_close(requisition=requisition, user=buyer)


def test_forces_are_told_when_the_product_loses_compliance_while_open(requisition, product, buyer):
    """Issue 9, price lock: a lapsed conformance tells the forces taking part."""
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        product.conformances.update(status="lapsed")
        compliance.refresh([product.pk])

    assert buyer.email in {m.to[0] for m in mail.outbox}


def test_withdrawn_participations_are_not_told(requisition, product, other_buyer, other_force):
    participation = join(requisition, other_buyer, other_force, quantity=5)
    services.participation_withdraw(participation=participation, user=other_buyer)
    participation.refresh_from_db()
    assert participation.status == ParticipationStatus.WITHDRAWN
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        product.conformances.update(status="lapsed")
        compliance.refresh([product.pk])

    assert other_buyer.email not in {m.to[0] for m in mail.outbox}


def test_the_api_refuses_join_and_withdraw_after_closes_at_with_409(
    api, requisition, other_buyer, other_force, third_buyer, third_force
):
    """Issue 9, finding 5: the API answers 409 at once after the deadline."""
    participation = join(requisition, other_buyer, other_force, quantity=5)
    _past_deadline(requisition)

    withdraw = api.as_user(other_buyer).delete(f"/api/v1/participations/{participation.pk}/")
    joining = api.as_user(third_buyer).post(
        f"/api/v1/joint-requisitions/{requisition.pk}/participations/",
        {"quantity": 5, "delivery_address": "Thirdshire stores", "cost_centre": "CC-3"},
        format="json",
    )

    assert (withdraw.status_code, joining.status_code) == (409, 409)
    assert "closed to pledges" in withdraw.json()["detail"]


def test_the_open_list_leaves_out_a_requisition_past_its_closing_time(
    client, requisition, other_buyer
):
    client.force_login(other_buyer)
    url = reverse("procurement:requisition_open_list")
    assert [r["requisition"].pk for r in client.get(url).context["rows"]] == [requisition.pk]

    _past_deadline(requisition)

    assert client.get(url).context["rows"] == []


def test_the_join_form_is_not_offered_after_closes_at(client, requisition, other_buyer):
    _past_deadline(requisition)
    client.force_login(other_buyer)

    response = client.get(
        reverse("procurement:participation_edit", args=[requisition.pk]), follow=True
    )

    assert response.redirect_chain
    assert "closed to pledges" in response.content.decode()
    assert not response.context["can_join"]


def test_the_api_says_the_requisition_is_open_for_pledges_before_the_deadline(
    api, requisition, buyer
):
    data = api.as_user(buyer).get(f"/api/v1/joint-requisitions/{requisition.pk}/").json()
    assert data["open_for_pledges"] is True
    assert data["product_revision"] == requisition.product_revision_id


def test_the_migration_locks_the_current_breaks_of_requisitions_opened_before_the_lock(
    requisition,
):

    migration = import_module("procurement.migrations.0005_price_lock_and_quantity_history")
    JointRequisition.objects.filter(pk=requisition.pk).update(locked_price_breaks=[])
    ParticipationQuantityChange.objects.all().delete()

    migration.backfill(apps, None)

    requisition.refresh_from_db()
    assert requisition.locked_price_breaks == [
        {"min_quantity": 1, "unit_price": "100.00"},
        {"min_quantity": 10, "unit_price": "90.00"},
        {"min_quantity": 100, "unit_price": "80.00"},
    ]
    assert ParticipationQuantityChange.objects.filter(user=requisition.created_by).count() == 1
