"""Issue 9: the threshold rule, the split-purchase rule and the commercial lead's sign-off.

Figures used throughout (VAT at 20%): 200 units at GBP 833.00 = 166,600.00 + 33,320.00 VAT
= 199,920.00 including VAT; 100 units at GBP 1,000.00 = 120,000.00 including VAT. The
sign-off threshold seeded by migration is GBP 207,720.00 including VAT from 2026-01-01.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.errors import DomainError, InvalidTransition
from procurement import selectors, services
from procurement.models import (
    DocumentKind,
    JointRequisition,
    Order,
    ProcurementThreshold,
    RequisitionStatus,
)
from procurement.policies import sign_off
from procurement.services import documents
from tests.factories import CategoryFactory, ForceFactory, ProductFactory, member
from tests.procurement.conftest import join, start

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


@pytest.fixture
def clock(monkeypatch):
    """Sets what ``timezone.now()`` answers (and so every London date derived from it)."""

    def set_to(moment: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


class Party:
    """A force with a buyer and a finance approver."""

    def __init__(self, name: str, slug: str):
        self.force = ForceFactory(name=name, slug=slug)
        self.buyer = member(Role.BUYER, self.force, email=f"buyer@{slug}.example")
        self.finance = member(
            Role.FINANCE, self.force, email=f"finance@{slug}.example", approval_limit=10**7
        )


@pytest.fixture
def surrey(db):
    return Party("Surrey Police", "surrey")


@pytest.fixture
def sussex(db):
    return Party("Sussex Police", "sussex")


@pytest.fixture
def desktop(supplier):
    """GBP 833.00 each at any quantity."""
    return ProductFactory(
        supplier=supplier,
        name="Desktop D1",
        list_price=Decimal("833.00"),
        breaks=[(1, "833.00")],
    )


def _thousand(supplier, name: str, category=None):
    extra = {"category": category} if category is not None else {}
    return ProductFactory(
        supplier=supplier,
        name=name,
        list_price=Decimal("1000.00"),
        breaks=[(1, "1000.00")],
        **extra,
    )


def _open(lead: Party, product, quantity: int, *others: tuple[Party, int]) -> JointRequisition:
    requisition = start(lead.buyer, lead.force, product, quantity=quantity)
    for party, their_quantity in others:
        join(requisition, party.buyer, party.force, quantity=their_quantity)
    return requisition


def _close_and_approve(requisition: JointRequisition, *parties: Party) -> JointRequisition:
    services.requisition_close(requisition=requisition, user=requisition.created_by)
    for party in parties:
        share = requisition.participations.get(force=party.force)
        services.participation_approve(participation=share, approver=party.finance)
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.APPROVED
    return requisition


def _approved(lead: Party, product, quantity: int, *others: tuple[Party, int]):
    requisition = _open(lead, product, quantity, *others)
    return _close_and_approve(requisition, lead, *(party for party, _ in others))


def _queue_ids() -> dict[str, set[int]]:
    return {name: {r.pk for r in rows} for name, rows in selectors.commercial_queue().items()}


def _contract(order: Order) -> tuple[dict, str]:
    contract = order.documents.get(kind=DocumentKind.CONTRACT)
    html = documents.render_html(
        documents.TEMPLATES[DocumentKind.CONTRACT], {"doc": contract.snapshot}, for_print=False
    )
    return contract.snapshot, " ".join(html.split())


# Finding 2: split purchases across joint requisitions.


def test_two_identical_requisitions_across_forces_are_both_flagged_and_sent_for_sign_off(
    surrey, sussex, desktop, commercial_lead
):
    """Issue 9, finding 2: two identical joint requisitions (Surrey and Sussex, GBP 199,920
    each including VAT, same product, same week) are both flagged and sent for sign-off, and
    neither can be awarded without it."""
    first = _open(surrey, desktop, 100, (sussex, 100))
    second = _open(sussex, desktop, 100, (surrey, 100))
    first = _close_and_approve(first, surrey, sussex)
    second = _close_and_approve(second, sussex, surrey)

    for requisition, other in ((first, second), (second, first)):
        assert requisition.total == Decimal("199920.00")
        requirement = sign_off.sign_off_requirement(requisition)
        assert not requirement.threshold.reached
        assert requirement.split is not None
        assert requirement.grounds == sign_off.SignOffGrounds.SPLIT
        assert requirement.split.combined == Decimal("399840.00")
        assert [p.requisition_id for p in requirement.split.related] == [other.pk]
        flags = [p.split_purchase_flag for p in requisition.participations.all()]
        assert all(flags), "each force's approvers are told at close"

    queue = _queue_ids()
    assert queue["to_sign_off"] == {first.pk, second.pk}
    assert queue["to_award"] == set()
    for requisition in (first, second):
        with pytest.raises(InvalidTransition) as refused:
            services.requisition_award(requisition=requisition, user=commercial_lead)
        assert "split purchase" in refused.value.message
    assert not Order.objects.exists()


def test_a_cancelled_requisition_or_a_withdrawn_share_does_not_count_towards_a_split(
    surrey, sussex, desktop
):
    """Issue 9, finding 2: only live purchases count: a cancelled requisition and a share the
    force withdrew are not part of a split."""
    first = _approved(surrey, desktop, 100, (sussex, 100))
    cancelled = _open(sussex, desktop, 200)
    services.requisition_cancel(requisition=cancelled, user=sussex.buyer, reason="Duplicate")
    kent = Party("Kent Police", "kent")
    withdrawn = _open(kent, desktop, 50, (sussex, 200))
    services.participation_withdraw(
        participation=withdrawn.participations.get(force=sussex.force), user=sussex.buyer
    )

    assert sign_off.split_purchase(first) is None


# Finding 3: a detected split is awarded only after a sign-off with reasons.


def test_a_detected_split_is_awarded_only_after_a_sign_off_with_reasons_and_the_contract_says_so(
    surrey, supplier, commercial_lead, django_capture_on_commit_callbacks
):
    """Issue 9, finding 3: GBP 240,000 combined against the GBP 207,720 threshold needs the
    commercial lead's sign-off with reasons before award, and the contract says a split
    purchase was signed off, with the reasons (not that no sign-off was needed)."""
    laptop = _thousand(supplier, "Laptop L1")
    earlier = _approved(surrey, laptop, 100)
    earlier_order = services.requisition_award(requisition=earlier, user=commercial_lead)
    requisition = _approved(surrey, laptop, 100)

    requirement = sign_off.sign_off_requirement(requisition)
    assert requirement.split is not None
    assert requirement.split.combined == Decimal("240000.00")
    assert [p.number for p in requirement.split.related] == [earlier_order.number]
    with pytest.raises(InvalidTransition) as refused:
        services.requisition_award(requisition=requisition, user=commercial_lead)
    assert "sign" in refused.value.message and "reasons" in refused.value.message

    with pytest.raises(DomainError) as no_reasons:
        services.requisition_sign_off(requisition=requisition, user=commercial_lead, reasons=" ")
    assert "reasons" in no_reasons.value.errors

    reasons = "Two separate operational needs: custody suites in spring, response cars later."
    services.requisition_sign_off(requisition=requisition, user=commercial_lead, reasons=reasons)
    requisition.refresh_from_db()
    assert requisition.sign_off_grounds == sign_off.SignOffGrounds.SPLIT
    assert requisition.sign_off_reasons == reasons
    assert requisition.sign_off_evidence["split"]["related"][0]["number"] == earlier_order.number

    with django_capture_on_commit_callbacks(execute=False):
        order = services.requisition_award(requisition=requisition, user=commercial_lead)
    snapshot, text = _contract(order)
    assert snapshot["sign_off"]["grounds"] == "split"
    assert "split purchase" in text
    assert reasons in text
    assert earlier_order.number in text
    assert "no commercial sign-off was needed" not in text


# Finding 4: the same CPV category, not just the same product.


def test_a_split_across_two_products_of_the_same_cpv_category_is_detected(
    surrey, supplier, commercial_lead
):
    """Issue 9, finding 4: splitting across two products of the same CPV category is
    detected; a product of another category does not count."""
    laptops = CategoryFactory(name="Laptops", cpv_code="30213100-6")
    software = CategoryFactory(name="Software", cpv_code="48000000-8")
    first_product = _thousand(supplier, "Laptop L1", laptops)
    second_product = _thousand(supplier, "Laptop L2", laptops)
    other_product = _thousand(supplier, "Office suite", software)

    earlier = _approved(surrey, first_product, 100)
    services.requisition_award(requisition=earlier, user=commercial_lead)
    unrelated = _approved(surrey, other_product, 100)
    requisition = _approved(surrey, second_product, 100)

    assert sign_off.split_purchase(unrelated) is None
    split = sign_off.split_purchase(requisition)
    assert split is not None
    assert [p.requisition_id for p in split.related] == [earlier.pk]
    assert requisition.participations.get().split_purchase_flag is not None
    with pytest.raises(InvalidTransition):
        services.requisition_award(requisition=requisition, user=commercial_lead)
    services.requisition_award(requisition=unrelated, user=commercial_lead)


# Finding 8: which day's threshold.


def test_a_threshold_lowered_at_the_year_end_applies_and_the_queue_page_and_award_agree(
    clock, client, surrey, sussex, desktop, commercial_lead
):
    """Issue 9, finding 8: a threshold lowered from 1 January applies to an award on
    1 January of a requisition opened on 31 December (the lower of the two); the queue, the
    page and the service agree: it is never "to award" while award is refused."""
    ProcurementThreshold.objects.create(
        kind="sign_off", amount=Decimal("180000.00"), effective_from=datetime.date(2027, 1, 1)
    )
    clock(datetime.datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    requisition = _approved(surrey, desktop, 100, (sussex, 100))  # 199,920.00
    assert sign_off.sign_off_requirement(requisition).needed is False
    assert requisition.pk in _queue_ids()["to_award"]

    clock(datetime.datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    requirement = sign_off.sign_off_requirement(requisition)
    assert requirement.threshold.threshold.amount == Decimal("180000.00")
    assert requirement.grounds == sign_off.SignOffGrounds.THRESHOLD
    queue = _queue_ids()
    assert requisition.pk in queue["to_sign_off"]
    assert requisition.pk not in queue["to_award"]
    client.force_login(commercial_lead)
    page = client.get(reverse("procurement:requisition_detail", args=[requisition.pk]))
    content = page.content.decode()
    assert reverse("procurement:requisition_sign_off", args=[requisition.pk]) in content
    assert "Award to" not in content
    assert "£180,000.00" in content
    with pytest.raises(InvalidTransition):
        services.requisition_award(requisition=requisition, user=commercial_lead)

    services.requisition_sign_off(requisition=requisition, user=commercial_lead)
    assert requisition.pk in _queue_ids()["to_award"]
    services.requisition_award(requisition=requisition, user=commercial_lead)


def test_a_threshold_raised_at_the_year_end_does_not_lift_the_opening_days_threshold(
    clock, surrey, supplier, commercial_lead
):
    """Issue 9, finding 8: raised from 1 January, the threshold that applies to a requisition
    opened on 31 December is still the lower one in force on its opening day."""
    ProcurementThreshold.objects.create(
        kind="sign_off", amount=Decimal("250000.00"), effective_from=datetime.date(2027, 1, 1)
    )
    product = _thousand(supplier, "Laptop L1")
    clock(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    requisition = _approved(surrey, product, 176)  # 211,200.00 including VAT

    clock(datetime.datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    requirement = sign_off.sign_off_requirement(requisition)
    assert requirement.threshold.opened_on == datetime.date(2026, 12, 31)
    assert requirement.threshold.decided_on == datetime.date(2027, 1, 1)
    assert requirement.threshold.threshold.amount == Decimal("207720.00")
    assert requirement.needed
    with pytest.raises(InvalidTransition) as refused:
        services.requisition_award(requisition=requisition, user=commercial_lead)
    assert "207,720.00" in refused.value.message
    assert requisition.pk in _queue_ids()["to_sign_off"]


def test_the_london_date_decides_near_midnight_utc_on_the_page_and_in_the_service(
    clock, client, surrey, sussex, desktop, commercial_lead
):
    """Issue 9, finding 8: at 23:30 UTC on 30 June it is already 1 July in London: the
    threshold from 1 July applies on the requisition page as in the service (the page used
    to read the UTC date)."""
    ProcurementThreshold.objects.create(
        kind="sign_off", amount=Decimal("300000.00"), effective_from=datetime.date(2026, 6, 1)
    )
    ProcurementThreshold.objects.create(
        kind="sign_off", amount=Decimal("150000.00"), effective_from=datetime.date(2026, 7, 1)
    )
    clock(datetime.datetime(2026, 6, 15, 12, 0, tzinfo=UTC))
    requisition = _approved(surrey, desktop, 100, (sussex, 100))  # 199,920.00

    clock(datetime.datetime(2026, 6, 30, 22, 30, tzinfo=UTC))  # 23:30 in London
    assert not sign_off.sign_off_requirement(requisition).needed

    clock(datetime.datetime(2026, 6, 30, 23, 30, tzinfo=UTC))  # 00:30 on 1 July in London
    requirement = sign_off.sign_off_requirement(requisition)
    assert requirement.threshold.decided_on == datetime.date(2026, 7, 1)
    assert requirement.needed
    client.force_login(commercial_lead)
    content = client.get(
        reverse("procurement:requisition_detail", args=[requisition.pk])
    ).content.decode()
    assert "£150,000.00" in content
    assert "1 July 2026" in content
    assert "Award to" not in content
    with pytest.raises(InvalidTransition):
        services.requisition_award(requisition=requisition, user=commercial_lead)


def test_the_api_reports_the_live_requirement(api, clock, surrey, sussex, desktop):
    """Issue 9, finding 8: the API's needs_sign_off is the live rule, never a stale flag."""
    ProcurementThreshold.objects.create(
        kind="sign_off", amount=Decimal("180000.00"), effective_from=datetime.date(2027, 1, 1)
    )
    clock(datetime.datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    requisition = _approved(surrey, desktop, 100, (sussex, 100))
    url = f"/api/v1/joint-requisitions/{requisition.pk}/"
    assert api.as_user(surrey.buyer).get(url).json()["needs_sign_off"] is False

    clock(datetime.datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    body = api.as_user(surrey.buyer).get(url).json()
    assert body["needs_sign_off"] is True
    assert body["sign_off"]["grounds"] == "threshold"
    assert body["sign_off"]["threshold"]["amount"] == "180000.00"


# Voluntary sign-off and the documents' wording.


def test_a_sign_off_below_the_threshold_without_a_split_is_voluntary_and_says_so(
    surrey, supplier, commercial_lead, django_capture_on_commit_callbacks
):
    """Issue 9, finding 3: a sign-off that no rule required is recorded and described as
    voluntary, never as "above the threshold"."""
    requisition = _approved(surrey, _thousand(supplier, "Laptop L1"), 10)
    services.requisition_sign_off(requisition=requisition, user=commercial_lead)
    requisition.refresh_from_db()
    assert requisition.sign_off_grounds == sign_off.SignOffGrounds.VOLUNTARY

    with django_capture_on_commit_callbacks(execute=False):
        order = services.requisition_award(requisition=requisition, user=commercial_lead)
    snapshot, text = _contract(order)
    assert snapshot["sign_off"]["grounds"] == "voluntary"
    assert "voluntary" in text.lower()
    assert "above the procurement threshold" not in text


def test_documents_say_when_the_total_reaches_the_threshold_and_when_none_was_needed(
    surrey, supplier, commercial_lead, django_capture_on_commit_callbacks
):
    """Issue 9, finding 3: the contract and purchase orders state the threshold reached
    (amount and date), or that none was needed, with the threshold that applied."""
    product = _thousand(supplier, "Laptop L1")
    big = _approved(surrey, product, 176)  # 211,200.00
    services.requisition_sign_off(requisition=big, user=commercial_lead)
    with django_capture_on_commit_callbacks(execute=False):
        order = services.requisition_award(requisition=big, user=commercial_lead)
    snapshot, text = _contract(order)
    assert snapshot["sign_off"]["grounds"] == "threshold"
    assert "reaches the procurement threshold of £207,720.00" in text
    assert "1 January 2026" in text
    purchase_order = order.documents.get(kind=DocumentKind.PURCHASE_ORDER)
    assert purchase_order.snapshot["sign_off"]["grounds"] == "threshold"

    small_product = _thousand(supplier, "Mouse M1", CategoryFactory(cpv_code="30237410-6"))
    small = _approved(surrey, small_product, 10)
    with django_capture_on_commit_callbacks(execute=False):
        small_order = services.requisition_award(requisition=small, user=commercial_lead)
    snapshot, text = _contract(small_order)
    assert snapshot["sign_off"] is None
    assert snapshot["sign_off_required"]["needed"] is False
    assert "no commercial sign-off was needed" in text
    assert "£207,720.00" in text


# The sign-off form: pages and API.


def test_the_sign_off_page_shows_the_split_and_requires_reasons(
    client, surrey, supplier, commercial_lead
):
    """Issue 9, finding 3: the sign-off form shows which purchases add up and refuses a
    sign-off of a split without reasons."""
    laptop = _thousand(supplier, "Laptop L1")
    earlier = _approved(surrey, laptop, 100)
    requisition = _approved(surrey, laptop, 100)
    client.force_login(commercial_lead)
    url = reverse("procurement:requisition_detail", args=[requisition.pk])
    sign_off_url = reverse("procurement:requisition_sign_off", args=[requisition.pk])

    content = client.get(url).content.decode()
    assert "Split purchase" in content
    assert earlier.title in content
    assert "£240,000.00" in content
    refused = client.post(sign_off_url, {"reasons": ""}, follow=True).content.decode()
    assert "Enter the reasons" in refused
    requisition.refresh_from_db()
    assert requisition.signed_off_at is None

    client.post(sign_off_url, {"reasons": "Separate needs, checked with both forces."})
    requisition.refresh_from_db()
    assert requisition.signed_off_at is not None
    assert requisition.sign_off_reasons == "Separate needs, checked with both forces."
    assert "Award to" in client.get(url).content.decode()


def test_sign_off_with_reasons_through_the_api(api, surrey, supplier, commercial_lead):
    """Issue 9, finding 3: the API shows the split's evidence, refuses award (409) and a
    sign-off without reasons (400), and records the reasons."""
    laptop = _thousand(supplier, "Laptop L1")
    earlier = _approved(surrey, laptop, 100)
    requisition = _approved(surrey, laptop, 100)
    base = f"/api/v1/joint-requisitions/{requisition.pk}/"
    api.as_user(commercial_lead)

    body = api.get(base).json()
    assert body["needs_sign_off"] is True
    assert body["sign_off"]["grounds"] == "split"
    assert body["sign_off"]["split"]["combined"] == "240000.00"
    assert [p["requisition"] for p in body["sign_off"]["split"]["related"]] == [earlier.pk]
    outsider_view = api.as_user(surrey.buyer).get(base).json()["sign_off"]
    assert outsider_view["split"] == {"detected": True}
    assert outsider_view["awaiting"] == "Awaiting the commercial lead's sign-off."
    api.as_user(commercial_lead)
    award = api.post(f"{base}award/")
    assert award.status_code == 409
    assert "split purchase" in award.json()["detail"]
    no_reasons = api.post(f"{base}sign-off/", {})
    assert no_reasons.status_code == 400
    assert "reasons" in no_reasons.json()["errors"]

    signed = api.post(f"{base}sign-off/", {"reasons": "Separate needs."})
    assert signed.status_code == 200
    assert signed.json()["sign_off"]["grounds"] == "split"
    assert signed.json()["sign_off"]["reasons"] == "Separate needs."
    assert api.post(f"{base}award/").status_code == 201


def test_a_split_detected_after_a_threshold_sign_off_needs_a_sign_off_with_reasons(
    surrey, supplier, commercial_lead
):
    """Issue 9, finding 3: a sign-off given on the threshold alone does not cover a split
    purchase detected afterwards: the award waits for a new sign-off with reasons."""
    laptop = _thousand(supplier, "Laptop L1")
    requisition = _approved(surrey, laptop, 176)  # 211,200.00: reaches the threshold alone
    services.requisition_sign_off(requisition=requisition, user=commercial_lead)
    requisition.refresh_from_db()
    assert requisition.sign_off_grounds == sign_off.SignOffGrounds.THRESHOLD

    _open(surrey, laptop, 10)  # another live purchase of the category by Surrey
    with pytest.raises(InvalidTransition) as refused:
        services.requisition_award(requisition=requisition, user=commercial_lead)
    assert "did not cover a split purchase" in refused.value.message
    assert requisition.pk in _queue_ids()["to_sign_off"]

    services.requisition_sign_off(
        requisition=requisition, user=commercial_lead, reasons="A separate, later need."
    )
    requisition.refresh_from_db()
    assert requisition.sign_off_grounds == sign_off.SignOffGrounds.THRESHOLD_AND_SPLIT
    services.requisition_award(requisition=requisition, user=commercial_lead)


def test_the_queue_and_the_api_list_ask_the_rules_in_a_constant_number_of_queries(
    client, api, supplier, commercial_lead
):
    """Issue 9, finding 8: the live rule is asked for every row without a query per row."""

    product = _thousand(supplier, "Laptop L1")

    def counts() -> tuple[int, int]:
        client.get(reverse("procurement:commercial_queue"))
        api.get("/api/v1/joint-requisitions/")
        with CaptureQueriesContext(connection) as queue:
            assert client.get(reverse("procurement:commercial_queue")).status_code == 200
        with CaptureQueriesContext(connection) as listing:
            assert api.get("/api/v1/joint-requisitions/").status_code == 200
        return len(queue), len(listing)

    client.force_login(commercial_lead)
    api.as_user(commercial_lead)
    first = Party("Force 0", "force-0")
    _approved(first, product, 5)
    _open(first, product, 3)
    few = counts()
    for i in range(1, 6):
        party = Party(f"Force {i}", f"force-{i}")
        _approved(party, product, 5)
        _open(party, product, 3)

    assert counts() == few


def test_a_voluntary_sign_off_that_a_lowered_threshold_requires_is_recorded_as_required(
    clock, surrey, sussex, desktop, commercial_lead, django_capture_on_commit_callbacks
):
    """Issue 9, findings 3 and 8: signed off voluntarily on 31 December, awarded on 1 January
    under a lower threshold that the total reaches: the record and the contract say the
    threshold was reached, not that the sign-off was voluntary."""
    ProcurementThreshold.objects.create(
        kind="sign_off", amount=Decimal("180000.00"), effective_from=datetime.date(2027, 1, 1)
    )
    clock(datetime.datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    requisition = _approved(surrey, desktop, 100, (sussex, 100))  # 199,920.00
    services.requisition_sign_off(requisition=requisition, user=commercial_lead)
    requisition.refresh_from_db()
    assert requisition.sign_off_grounds == sign_off.SignOffGrounds.VOLUNTARY

    clock(datetime.datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    with django_capture_on_commit_callbacks(execute=False):
        order = services.requisition_award(requisition=requisition, user=commercial_lead)
    requisition.refresh_from_db()
    assert requisition.sign_off_grounds == sign_off.SignOffGrounds.THRESHOLD
    snapshot, text = _contract(order)
    assert "reaches the procurement threshold of £180,000.00" in text
    assert "voluntary" not in text.lower()
