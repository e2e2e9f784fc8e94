from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from catalogue.domain.pricing import (
    Tier,
    break_for,
    next_break_after,
    price_break_errors,
    unit_price_for,
)

BREAKS = [Tier(1, Decimal("100.00")), Tier(10, Decimal("90.00")), Tier(100, Decimal("80.00"))]


@pytest.mark.parametrize(
    ("quantity", "price"),
    [(1, "100.00"), (9, "100.00"), (10, "90.00"), (99, "90.00"), (100, "80.00"), (10**6, "80.00")],
)
def test_unit_price_is_that_of_the_highest_break_reached(quantity, price):
    assert unit_price_for(BREAKS, quantity) == Decimal(price)


def test_next_break_says_what_the_next_cheaper_tier_is():
    assert next_break_after(BREAKS, 3) == BREAKS[1]
    assert next_break_after(BREAKS, 10) == BREAKS[2]
    assert next_break_after(BREAKS, 500) is None


def test_a_quantity_below_one_has_no_price():
    with pytest.raises(ValueError):
        break_for(BREAKS, 0)


def test_valid_breaks_have_no_errors():
    assert price_break_errors(BREAKS, Decimal("100.00")) == []


@pytest.mark.parametrize(
    ("breaks", "message"),
    [
        ([], "at least one price break"),
        ([Tier(2, Decimal("100.00"))], "first price break must be for quantity 1"),
        ([Tier(1, Decimal("99.00"))], "must equal the list price"),
        ([Tier(1, Decimal("100.00")), Tier(10, Decimal("101.00"))], "cannot rise"),
        ([Tier(1, Decimal("100.00")), Tier(1, Decimal("90.00"))], "strictly increase"),
        ([Tier(1, Decimal("100.00")), Tier(5, Decimal("0.00"))], "above zero"),
    ],
)
def test_invalid_breaks_are_explained(breaks, message):
    errors = price_break_errors(breaks, Decimal("100.00"))
    assert any(message in error for error in errors), errors


tiers = st.lists(
    st.tuples(
        st.integers(min_value=2, max_value=10_000),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2),
    ),
    max_size=6,
    unique_by=lambda t: t[0],
)


@given(tiers=tiers, quantity=st.integers(min_value=1, max_value=20_000), more=st.integers(0, 5000))
def test_the_unit_price_never_rises_with_quantity(tiers, quantity, more):
    prices = sorted((p for _, p in tiers), reverse=True)
    list_price = max([Decimal("1000.00"), *prices])
    breaks = [Tier(1, list_price)] + [
        Tier(q, p) for q, p in zip(sorted(q for q, _ in tiers), prices, strict=True)
    ]
    assume(price_break_errors(breaks, list_price) == [])

    assert unit_price_for(breaks, quantity + more) <= unit_price_for(breaks, quantity)
    assert unit_price_for(breaks, quantity) <= list_price
