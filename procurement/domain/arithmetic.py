"""The arithmetic of pooling: what the pooled quantity costs and how it is shared.

Pure functions over price breaks and quantities, so that the page, the API, the close
and the property tests all use the same figures. Which break applies is asked of
``catalogue.domain.pricing`` (the one price-break function); nothing here decides a price.

VAT, one stated method: each force's line carries VAT on its own net share, rounded to the
penny half up (``core.money.vat_on``); the order's VAT is the sum of its lines' VAT and its
total the sum of its lines' totals. So identical lines always carry identical VAT, and every
figure shown anywhere (pages, API, purchase orders, contract, OCDS) is read from the rows
priced here, never computed again.
"""

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from catalogue.domain.pricing import BreakLike, break_for, next_break_after, sorted_breaks
from core.limits import LARGEST_AMOUNT
from core.money import ZERO, to_pence, vat_on


class AmountTooLarge(ValueError):
    """The order would exceed what the books can hold: the quantities are absurd."""


@dataclass(frozen=True)
class Share:
    """One force's part of a pooled order, in pence."""

    key: Hashable
    quantity: int
    net: Decimal
    vat: Decimal

    @property
    def total(self) -> Decimal:
        return self.net + self.vat


@dataclass(frozen=True)
class Pool:
    """The pooled price and every share: ``sum(net) == subtotal``, ``sum(vat) == vat``."""

    total_quantity: int
    price_break: BreakLike
    unit_price: Decimal
    vat_rate: Decimal
    shares: list[Share]
    subtotal: Decimal
    vat: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.vat

    def share_for(self, key: Hashable) -> Share:
        return next(share for share in self.shares if share.key == key)


def cost_alone(breaks: Iterable[BreakLike], quantity: int) -> Decimal:
    """What a force would pay, net of VAT, buying ``quantity`` units on its own."""
    return to_pence(break_for(breaks, quantity).unit_price * quantity)


def pool(
    breaks: Sequence[BreakLike], quantities: Sequence[tuple[Hashable, int]], vat_rate: Decimal
) -> Pool:
    """Total quantity -> price break -> pooled unit price; each share = quantity x price.

    VAT is charged on each share to the penny (half up) and the order's VAT is their sum,
    so identical shares carry identical VAT and the forces add up exactly to the order.
    """
    if not quantities:
        raise ValueError("A pool needs at least one quantity.")
    total_quantity = sum(quantity for _, quantity in quantities)
    price_break = break_for(breaks, total_quantity)
    unit_price = price_break.unit_price
    nets = [to_pence(unit_price * quantity) for _, quantity in quantities]
    vats = [vat_on(net, vat_rate) for net in nets]
    subtotal = sum(nets, ZERO)
    vat = sum(vats, ZERO)
    if subtotal + vat > LARGEST_AMOUNT:
        raise AmountTooLarge("The order total is too large: check the quantities.")
    shares = [
        Share(key=key, quantity=quantity, net=net, vat=share_vat)
        for (key, quantity), net, share_vat in zip(quantities, nets, vats, strict=True)
    ]
    return Pool(
        total_quantity=total_quantity,
        price_break=price_break,
        unit_price=unit_price,
        vat_rate=vat_rate,
        shares=shares,
        subtotal=subtotal,
        vat=vat,
    )


@dataclass(frozen=True)
class ForceFigures:
    """One force's indicative figures while a requisition is open (net of VAT)."""

    key: Hashable
    quantity: int
    share: Decimal
    unit_price_alone: Decimal
    cost_alone: Decimal

    @property
    def saving(self) -> Decimal:
        return self.cost_alone - self.share


@dataclass(frozen=True)
class Aggregation:
    """The live figures of an open requisition: total, break reached, next break, savings."""

    total_quantity: int
    force_count: int
    price_break: BreakLike | None
    unit_price: Decimal | None
    next_break: BreakLike | None
    units_to_next_break: int | None
    forces: list[ForceFigures]

    @property
    def indicative_subtotal(self) -> Decimal:
        return sum((f.share for f in self.forces), ZERO)

    @property
    def total_saving(self) -> Decimal:
        return sum((f.saving for f in self.forces), ZERO)


def aggregate(
    breaks: Sequence[BreakLike], quantities: Sequence[tuple[Hashable, int]]
) -> Aggregation:
    """The indicative figures for the quantities pledged so far."""
    ordered = sorted_breaks(breaks)
    total_quantity = sum(quantity for _, quantity in quantities)
    if total_quantity == 0:
        first = ordered[0] if ordered else None
        return Aggregation(0, 0, None, None, first, first.min_quantity if first else None, [])
    price_break = break_for(ordered, total_quantity)
    unit_price = price_break.unit_price
    following = next_break_after(ordered, total_quantity)
    forces = [
        ForceFigures(
            key=key,
            quantity=quantity,
            share=to_pence(unit_price * quantity),
            unit_price_alone=break_for(ordered, quantity).unit_price,
            cost_alone=cost_alone(ordered, quantity),
        )
        for key, quantity in quantities
    ]
    return Aggregation(
        total_quantity=total_quantity,
        force_count=len(quantities),
        price_break=price_break,
        unit_price=unit_price,
        next_break=following,
        units_to_next_break=(following.min_quantity - total_quantity) if following else None,
        forces=forces,
    )


@dataclass(frozen=True)
class JoiningSaving:
    """What a force would pay for ``quantity`` units by joining, against buying alone."""

    quantity: int
    pooled_unit_price: Decimal
    unit_price_alone: Decimal
    share: Decimal
    cost_alone: Decimal

    @property
    def saving(self) -> Decimal:
        return self.cost_alone - self.share


def saving_by_joining(
    breaks: Sequence[BreakLike], pledged_quantity: int, quantity: int
) -> JoiningSaving:
    pooled = break_for(breaks, pledged_quantity + quantity).unit_price
    alone = break_for(breaks, quantity).unit_price
    return JoiningSaving(
        quantity=quantity,
        pooled_unit_price=pooled,
        unit_price_alone=alone,
        share=to_pence(pooled * quantity),
        cost_alone=to_pence(alone * quantity),
    )
