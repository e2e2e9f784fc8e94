"""A product's content (what buyers see) as one value, and the rules it must meet.

Pages, the API and the CSV import all parse their input into a ``ProductContent``;
``content_errors`` is the one check of it, used by the services before anything is saved.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from catalogue.domain.pricing import Tier, price_break_errors
from catalogue.models import Category, Product, ProductRevision, Unit
from core.limits import (
    LARGEST_AMOUNT,
    MAX_DESCRIPTION_LENGTH,
    MAX_LEAD_TIME_DAYS,
    MAX_PRICE_BREAKS,
    MAX_PRICED_QUANTITY,
)
from core.text import single_line_errors

# The content fields, in the order pages and comparisons show them.
FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "summary": "Summary",
    "description": "Description",
    "category": "Category",
    "unit": "Unit",
    "list_price": "List price",
    "lead_time_days": "Lead time (days)",
    "price_breaks": "Price breaks",
}


@dataclass(frozen=True)
class ProductContent:
    name: str
    summary: str
    description: str
    category: Category | None
    unit: str
    list_price: Decimal
    lead_time_days: int
    price_breaks: tuple[Tier, ...]

    @classmethod
    def of_product(cls, product: Product) -> "ProductContent":
        """The product's live content, from its fields and PriceBreak rows."""
        return cls(
            name=product.name,
            summary=product.summary,
            description=product.description,
            category=product.category,
            unit=product.unit,
            list_price=product.list_price,
            lead_time_days=product.lead_time_days,
            price_breaks=tuple(
                Tier(b.min_quantity, b.unit_price)
                for b in sorted(product.price_breaks.all(), key=lambda b: b.min_quantity)
            ),
        )

    @classmethod
    def of_revision(cls, revision: ProductRevision) -> "ProductContent":
        return cls(
            name=revision.name,
            summary=revision.summary,
            description=revision.description,
            category=revision.category,
            unit=revision.unit,
            list_price=revision.list_price,
            lead_time_days=revision.lead_time_days,
            price_breaks=tiers_from_json(revision.price_breaks),
        )

    def replace(self, **changes: Any) -> "ProductContent":
        values = {name: getattr(self, name) for name in FIELD_LABELS}
        values.update(changes)
        return ProductContent(**values)

    def model_fields(self) -> dict[str, Any]:
        """The values to copy onto a Product or ProductRevision."""
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "category": self.category,
            "unit": self.unit,
            "list_price": self.list_price,
            "lead_time_days": self.lead_time_days,
        }

    def breaks_json(self) -> list[dict[str, Any]]:
        return tiers_to_json(self.price_breaks)


def tiers_to_json(tiers) -> list[dict[str, Any]]:
    return [{"min_quantity": t.min_quantity, "unit_price": str(t.unit_price)} for t in tiers]


def tiers_from_json(data) -> tuple[Tier, ...]:
    return tuple(Tier(int(b["min_quantity"]), Decimal(str(b["unit_price"]))) for b in data or [])


def parse_money(value: Any) -> Decimal | None:
    """A Decimal amount from user input, or None when it is not a number."""
    if isinstance(value, float):
        value = str(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "").lstrip("£"))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _money_errors(amount: Decimal, what: str) -> list[str]:
    if amount <= 0:
        return [f"{what} must be above zero."]
    if amount > LARGEST_AMOUNT:
        return [f"{what} is too large."]
    if amount != amount.quantize(Decimal("0.01")):
        return [f"{what} must be in pounds and pence, with at most 2 decimal places."]
    return []


def content_errors(content: ProductContent) -> dict[str, list[str]]:
    """Every reason the content cannot be saved, by field; empty when it is valid."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not content.name.strip():
        add("name", "Enter the product's name.")
    elif len(content.name) > 200:
        add("name", "The name must be 200 characters or fewer.")
    if len(content.summary) > 300:
        add("summary", "The summary must be 300 characters or fewer.")
    for field, messages in single_line_errors(
        name=("name", content.name), summary=("summary", content.summary)
    ).items():
        for message in messages:
            add(field, message)
    if len(content.description) > MAX_DESCRIPTION_LENGTH:
        add(
            "description",
            f"The description must be {MAX_DESCRIPTION_LENGTH:,} characters or fewer.",
        )
    if content.category is None:
        add("category", "Choose a category.")
    if content.unit not in Unit.values:
        add("unit", "Choose a unit: " + ", ".join(Unit.values) + ".")
    for message in _money_errors(content.list_price, "The list price"):
        add("list_price", message)
    if not 0 <= content.lead_time_days <= MAX_LEAD_TIME_DAYS:
        add("lead_time_days", f"The lead time must be between 0 and {MAX_LEAD_TIME_DAYS} days.")

    breaks = content.price_breaks
    if len(breaks) > MAX_PRICE_BREAKS:
        add("price_breaks", f"A product can have at most {MAX_PRICE_BREAKS} price breaks.")
    for index, tier in enumerate(breaks, 1):
        if not 1 <= tier.min_quantity <= MAX_PRICED_QUANTITY:
            add("price_breaks", f"Price break {index}: the quantity must be a whole number from 1.")
        for message in _money_errors(tier.unit_price, f"Price break {index}: the unit price"):
            add("price_breaks", message)
    if "list_price" not in errors and "price_breaks" not in errors:
        for message in price_break_errors(breaks, content.list_price):
            add("price_breaks", message)
    return errors
