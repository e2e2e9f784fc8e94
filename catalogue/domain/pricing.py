"""Price breaks: the one place that says what a unit costs at a given quantity.

A break is anything with ``min_quantity`` and ``unit_price`` (a PriceBreak row, or a
``Tier``). Breaks are valid when the first is at quantity 1 at the list price, quantities
strictly increase, and the unit price never rises as quantity rises.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class BreakLike(Protocol):
    # Read-only, so that a frozen ``Tier`` is a break as well as a PriceBreak row.
    @property
    def min_quantity(self) -> int: ...

    @property
    def unit_price(self) -> Decimal: ...


@dataclass(frozen=True)
class Tier:
    min_quantity: int
    unit_price: Decimal


def sorted_breaks(breaks: Iterable[BreakLike]) -> list[BreakLike]:
    return sorted(breaks, key=lambda b: b.min_quantity)


def price_break_errors(breaks: Sequence[BreakLike], list_price: Decimal) -> list[str]:
    """Every reason the breaks are invalid, in order; empty when they are valid."""
    errors: list[str] = []
    if not breaks:
        return ["A product needs at least one price break: quantity 1 at the list price."]
    ordered = list(breaks)
    first = ordered[0]
    if first.min_quantity != 1:
        errors.append("The first price break must be for quantity 1.")
    elif first.unit_price != list_price:
        errors.append(f"The price break for quantity 1 must equal the list price ({list_price}).")
    for index, (previous, current) in enumerate(zip(ordered, ordered[1:], strict=False), 2):
        if current.min_quantity <= previous.min_quantity:
            errors.append(
                f"Price break {index}: quantities must strictly increase "
                f"({current.min_quantity} is not above {previous.min_quantity})."
            )
        if current.unit_price > previous.unit_price:
            errors.append(
                f"Price break {index}: the unit price cannot rise with quantity "
                f"({current.unit_price} is above {previous.unit_price})."
            )
    for index, tier in enumerate(ordered, 1):
        if tier.min_quantity < 1:
            errors.append(f"Price break {index}: the quantity must be at least 1.")
        if tier.unit_price <= 0:
            errors.append(f"Price break {index}: the unit price must be above zero.")
    return errors


def break_for(breaks: Iterable[BreakLike], quantity: int) -> BreakLike:
    """The price break that applies to ``quantity`` units: the highest one reached."""
    if quantity < 1:
        raise ValueError("The quantity must be at least 1.")
    reached = None
    for tier in sorted_breaks(breaks):
        if tier.min_quantity <= quantity:
            reached = tier
        else:
            break
    if reached is None:
        raise ValueError("No price break applies: the first break must be for quantity 1.")
    return reached


def unit_price_for(breaks: Iterable[BreakLike], quantity: int) -> Decimal:
    """The unit price at ``quantity`` units."""
    return break_for(breaks, quantity).unit_price


def next_break_after(breaks: Iterable[BreakLike], quantity: int) -> BreakLike | None:
    """The next cheaper break above ``quantity``, or None when the best price is reached."""
    current = break_for(breaks, quantity)
    for tier in sorted_breaks(breaks):
        if tier.min_quantity > quantity and tier.unit_price < current.unit_price:
            return tier
    return None
