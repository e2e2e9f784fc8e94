from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import allocate, format_gbp, to_pence, vat_on


def test_to_pence_rounds_halves_up():
    assert to_pence(Decimal("1.005")) == Decimal("1.01")
    assert to_pence(Decimal("1.004")) == Decimal("1.00")
    assert to_pence("2") == Decimal("2.00")


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        to_pence(1.1)


def test_allocate_gives_leftover_pennies_to_the_largest_remainders():
    assert allocate(Decimal("10.00"), [1, 1, 1]) == [
        Decimal("3.34"),
        Decimal("3.33"),
        Decimal("3.33"),
    ]


def test_vat_and_formatting():
    assert vat_on(Decimal("99.99"), Decimal("0.20")) == Decimal("20.00")
    assert format_gbp(Decimal("207720")) == "£207,720.00"


@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=50).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_allocated_parts_always_sum_to_the_total(total, weights):
    parts = allocate(total, weights)

    assert sum(parts) == to_pence(total)
    assert all(p >= 0 for p in parts)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = to_pence(total) * weight / weight_sum
        assert abs(part - exact) < Decimal("0.01")
