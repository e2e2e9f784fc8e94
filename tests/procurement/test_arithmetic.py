from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from catalogue.domain.pricing import Tier, unit_price_for
from core.money import to_pence, vat_on
from procurement.domain import arithmetic
from procurement.models import Order
from tests.procurement.awarded import awarded_order

BREAKS = [Tier(1, Decimal("100.00")), Tier(10, Decimal("90.00")), Tier(100, Decimal("80.00"))]


@st.composite
def price_breaks(draw):
    """Valid breaks: quantity 1 first, quantities rising, unit prices never rising."""
    count = draw(st.integers(min_value=1, max_value=6))
    quantities = sorted(draw(st.sets(st.integers(2, 5000), min_size=count - 1, max_size=count - 1)))
    price_pence = draw(st.integers(min_value=1, max_value=5_000_000))
    tiers = [Tier(1, Decimal(price_pence) / 100)]
    for quantity in quantities:
        price_pence = draw(st.integers(min_value=1, max_value=price_pence))
        tiers.append(Tier(quantity, Decimal(price_pence) / 100))
    return tiers


quantities = st.lists(st.integers(min_value=1, max_value=100_000), min_size=1, max_size=44)
vat_rates = st.sampled_from([Decimal("0.20"), Decimal("0.05"), Decimal("0"), Decimal("0.175")])


@settings(max_examples=300, deadline=None)
@given(breaks=price_breaks(), amounts=quantities, rate=vat_rates)
def test_shares_and_vat_always_sum_exactly_to_the_order(breaks, amounts, rate):
    pool = arithmetic.pool(breaks, list(enumerate(amounts)), rate)

    assert sum(s.net for s in pool.shares) == pool.subtotal
    assert sum(s.vat for s in pool.shares) == pool.vat
    assert sum(s.total for s in pool.shares) == pool.total == pool.subtotal + pool.vat
    assert all(s.net == s.net.quantize(Decimal("0.01")) for s in pool.shares)
    assert all(s.vat >= 0 for s in pool.shares)


@settings(max_examples=300, deadline=None)
@given(breaks=price_breaks(), amounts=quantities, rate=vat_rates)
def test_each_lines_vat_is_its_own_net_times_the_rate_to_the_penny(breaks, amounts, rate):
    """Issue 9, finding 15: one stated method, VAT per force line rounded half up."""
    pool = arithmetic.pool(breaks, list(enumerate(amounts)), rate)

    for share in pool.shares:
        assert share.vat == vat_on(share.net, rate) == to_pence(share.net * rate)
    # The order's VAT is the sum of its lines, within half a penny a line of the VAT
    # on the subtotal.
    assert abs(pool.vat - pool.subtotal * rate) <= Decimal("0.005") * len(pool.shares)


@settings(max_examples=300, deadline=None)
@given(
    breaks=price_breaks(),
    amounts=quantities,
    rate=vat_rates,
    repeated=st.integers(min_value=1, max_value=100_000),
    copies=st.integers(min_value=2, max_value=5),
)
def test_identical_lines_always_get_identical_vat(breaks, amounts, rate, repeated, copies):
    """Issue 9, finding 15: two forces buying the same quantity pay the same VAT."""
    pool = arithmetic.pool(breaks, list(enumerate([*amounts, *[repeated] * copies])), rate)

    same = [s for s in pool.shares if s.quantity == repeated]
    assert len({(s.net, s.vat) for s in same}) == 1


@settings(max_examples=300, deadline=None)
@given(breaks=price_breaks(), amounts=quantities)
def test_the_pooled_unit_price_never_exceeds_what_a_force_pays_alone(breaks, amounts):
    pool = arithmetic.pool(breaks, list(enumerate(amounts)), Decimal("0.20"))

    for share in pool.shares:
        alone = unit_price_for(breaks, share.quantity)
        assert pool.unit_price <= alone
        assert share.net <= arithmetic.cost_alone(breaks, share.quantity)


@settings(max_examples=200, deadline=None)
@given(breaks=price_breaks(), amounts=quantities)
def test_live_figures_agree_with_the_pool_and_never_show_a_negative_saving(breaks, amounts):
    pairs = list(enumerate(amounts))
    aggregation = arithmetic.aggregate(breaks, pairs)
    pool = arithmetic.pool(breaks, pairs, Decimal("0.20"))

    assert aggregation.unit_price == pool.unit_price
    assert aggregation.indicative_subtotal == pool.subtotal
    assert all(f.saving >= 0 for f in aggregation.forces)
    if aggregation.next_break is not None:
        assert aggregation.next_break.unit_price < aggregation.unit_price
        assert aggregation.units_to_next_break == (
            aggregation.next_break.min_quantity - aggregation.total_quantity
        )


def test_the_pooled_quantity_reaches_a_break_no_force_reaches_alone():
    pool = arithmetic.pool(BREAKS, [("a", 5), ("b", 6)], Decimal("0.20"))

    assert pool.total_quantity == 11
    assert pool.unit_price == Decimal("90.00")
    assert [s.net for s in pool.shares] == [Decimal("450.00"), Decimal("540.00")]
    assert pool.subtotal == Decimal("990.00")
    assert pool.vat == Decimal("198.00")
    assert [s.vat for s in pool.shares] == [Decimal("90.00"), Decimal("108.00")]


def test_vat_is_rounded_per_line_and_the_order_vat_is_their_sum():
    breaks = [Tier(1, Decimal("0.03"))]
    pool = arithmetic.pool(breaks, [("a", 1), ("b", 1), ("c", 1)], Decimal("0.20"))

    # 0.03 net -> 0.006 VAT -> 0.01 on each line; the order's VAT is 0.03, not 0.02.
    assert [s.vat for s in pool.shares] == [Decimal("0.01")] * 3
    assert pool.vat == Decimal("0.03")
    assert pool.total == Decimal("0.12")


def test_two_identical_lines_get_identical_vat():
    """Issue 9, finding 15: identical lines got GBP 7.84 and GBP 7.83 with no stated method."""
    breaks = [Tier(1, Decimal("39.18"))]

    pool = arithmetic.pool(breaks, [("surrey", 1), ("sussex", 1)], Decimal("0.20"))

    # 39.18 x 20% = 7.836 -> 7.84 on each line; the order's VAT is the sum, 15.68.
    assert [s.vat for s in pool.shares] == [Decimal("7.84"), Decimal("7.84")]
    assert pool.vat == Decimal("15.68")
    assert pool.total == Decimal("94.04")


def test_aggregation_reports_the_next_break_and_units_to_reach_it():
    aggregation = arithmetic.aggregate(BREAKS, [("a", 40), ("b", 50)])

    assert aggregation.total_quantity == 90
    assert aggregation.unit_price == Decimal("90.00")
    assert aggregation.next_break.min_quantity == 100
    assert aggregation.units_to_next_break == 10
    figures = {f.key: f for f in aggregation.forces}
    assert figures["a"].share == Decimal("3600.00")
    assert figures["a"].cost_alone == Decimal("3600.00")  # 40 alone already reach 90.00
    assert figures["a"].saving == Decimal("0.00")


def test_aggregation_with_nothing_pledged_points_at_the_first_break():
    aggregation = arithmetic.aggregate(BREAKS, [])

    assert aggregation.total_quantity == 0
    assert aggregation.unit_price is None
    assert aggregation.next_break.min_quantity == 1


def test_the_saving_of_joining_compares_the_pooled_price_with_buying_alone():
    saving = arithmetic.saving_by_joining(BREAKS, 95, 5)

    assert saving.pooled_unit_price == Decimal("80.00")
    assert saving.unit_price_alone == Decimal("100.00")
    assert saving.saving == Decimal("100.00")


def test_an_absurd_total_is_refused_rather_than_overflowing():
    breaks = [Tier(1, Decimal("999999999.00"))]

    with pytest.raises(arithmetic.AmountTooLarge):
        arithmetic.pool(breaks, [("a", 1_000_000)], Decimal("0.20"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("subtotal", "vat", "total", "stored"),
    [
        ("39.18", "7.84", "47.02", True),  # 39.18 + 7.84 is 47.019999... in floats
        ("78.36", "15.68", "94.04", True),  # and 94.03999...
        ("39.22", "7.84", "47.07", False),
        ("39.22", "7.84", "47.05", False),
    ],
)
def test_an_orders_total_must_be_its_subtotal_plus_vat_on_every_database(
    subtotal, vat, total, stored
):
    """The constraint holds to the penny on SQLite too, where decimals compare as floats."""
    order = awarded_order(forces=1)
    with transaction.atomic():
        if stored:
            Order.objects.filter(pk=order.pk).update(
                subtotal=Decimal(subtotal), vat=Decimal(vat), total=Decimal(total)
            )
        else:
            with pytest.raises(IntegrityError):
                Order.objects.filter(pk=order.pk).update(
                    subtotal=Decimal(subtotal), vat=Decimal(vat), total=Decimal(total)
                )
