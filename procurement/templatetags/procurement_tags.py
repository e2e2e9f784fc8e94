from decimal import Decimal

from django import template

from core.money import format_gbp

register = template.Library()


@register.filter
def gbp(amount) -> str:
    """£1,234.56; an empty string for no amount."""
    if amount is None or amount == "":
        return ""
    return format_gbp(Decimal(str(amount)))


STATUS_TAGS = {
    "open": "govuk-tag--blue",
    "closed": "govuk-tag--yellow",
    "approved": "govuk-tag--turquoise",
    "awarded": "govuk-tag--green",
    "contracted": "govuk-tag--green",
    "cancelled": "govuk-tag--grey",
    "active": "govuk-tag--blue",
    "withdrawn": "govuk-tag--grey",
    "awaiting_approval": "govuk-tag--yellow",
    "rejected": "govuk-tag--red",
    "placed": "govuk-tag--purple",
}


@register.filter
def status_tag_class(status: str) -> str:
    return STATUS_TAGS.get(status, "govuk-tag--grey")
