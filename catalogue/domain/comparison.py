"""Field-by-field comparison of two versions of a product's content, price breaks included."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from catalogue.domain.content import FIELD_LABELS, ProductContent
from catalogue.models import Unit
from core.money import format_gbp


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class BreakChange:
    min_quantity: int
    old: Decimal | None
    new: Decimal | None

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed" if self.changed else "unchanged"


@dataclass(frozen=True)
class Comparison:
    fields: list[FieldChange]
    price_breaks: list[BreakChange]

    @property
    def changed_fields(self) -> list[str]:
        return [change.field for change in self.fields if change.changed]

    @property
    def has_changes(self) -> bool:
        return bool(self.changed_fields)

    def as_dict(self) -> dict[str, Any]:
        return {
            "changed_fields": self.changed_fields,
            "fields": [
                {
                    "field": c.field,
                    "label": c.label,
                    "old": c.old,
                    "new": c.new,
                    "changed": c.changed,
                }
                for c in self.fields
            ],
            "price_breaks": [
                {
                    "min_quantity": b.min_quantity,
                    "old_unit_price": None if b.old is None else str(b.old),
                    "new_unit_price": None if b.new is None else str(b.new),
                    "change": b.kind,
                }
                for b in self.price_breaks
            ],
        }


def _display(content: ProductContent, field: str) -> str:
    value = getattr(content, field)
    if field == "category":
        return str(value) if value is not None else ""
    if field == "unit":
        return Unit(value).label if value in Unit.values else str(value)
    if field == "list_price":
        return format_gbp(value)
    if field == "price_breaks":
        return "; ".join(f"{t.min_quantity}+ at {format_gbp(t.unit_price)}" for t in value)
    return str(value)


def compare(old: ProductContent, new: ProductContent) -> Comparison:
    fields = [
        FieldChange(field, label, _display(old, field), _display(new, field))
        for field, label in FIELD_LABELS.items()
    ]
    old_breaks = {t.min_quantity: t.unit_price for t in old.price_breaks}
    new_breaks = {t.min_quantity: t.unit_price for t in new.price_breaks}
    breaks = [
        BreakChange(quantity, old_breaks.get(quantity), new_breaks.get(quantity))
        for quantity in sorted(set(old_breaks) | set(new_breaks))
    ]
    return Comparison(fields=fields, price_breaks=breaks)
