"""Money: GBP as Decimal, quantised to pence with ROUND_HALF_UP, never float."""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


def to_pence(amount: Decimal | int | str) -> Decimal:
    """Round an amount to whole pence, halves away from zero."""
    if isinstance(amount, float):
        raise TypeError("Money is never a float: pass a Decimal, int or str.")
    return Decimal(amount).quantize(PENNY, rounding=ROUND_HALF_UP)


def allocate(total: Decimal, weights: Sequence[int | Decimal]) -> list[Decimal]:
    """Split ``total`` (in pence) in proportion to ``weights`` so the parts sum exactly to it.

    Largest-remainder method: each part is rounded down to the penny, then the pennies
    left over go to the parts with the largest remainders (earlier parts win ties).
    """
    total = to_pence(total)
    if not weights:
        return []
    if any(Decimal(w) < 0 for w in weights):
        raise ValueError("Weights cannot be negative.")
    weight_sum = sum(Decimal(w) for w in weights)
    if weight_sum == 0:
        raise ValueError("At least one weight must be above zero.")
    total_pence = int(total / PENNY)
    exact = [Decimal(total_pence) * Decimal(w) / weight_sum for w in weights]
    floors = [int(x.to_integral_value(rounding="ROUND_FLOOR")) for x in exact]
    left_over = total_pence - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left_over]:
        floors[i] += 1
    return [Decimal(p) * PENNY for p in floors]


def vat_on(net: Decimal, rate: Decimal) -> Decimal:
    return to_pence(to_pence(net) * rate)


def format_gbp(amount: Decimal | int) -> str:
    return f"£{to_pence(amount):,.2f}"
