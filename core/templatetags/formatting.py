"""Template filters for money and dates, used by pages and documents alike."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core.money import format_gbp

register = template.Library()


@register.filter
def gbp(value) -> str:
    """£1,234.56 from a Decimal or a decimal string; empty for nothing."""
    if value in (None, ""):
        return ""
    try:
        return format_gbp(Decimal(str(value)))
    except InvalidOperation:
        return ""


@register.filter
def when(value, with_time: bool = True) -> str:
    """26 November 2026 at 14:05 (UK time) from a datetime, date or ISO string."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = parse_datetime(value) or parse_date(value)
        if value is None:
            return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        if with_time:
            return f"{value.day} {value:%B %Y} at {value:%H:%M}"
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


@register.filter
def day(value) -> str:
    return when(value, False)
