"""Templates ask an object's state machine what it may become, rather than restating it."""

from django import template
from django.db.models import Model

from core.state import machine_for

register = template.Library()


@register.filter
def may_become(obj: Model | None, status: str) -> bool:
    """Whether the table (and guards, at this moment) let ``obj`` become ``status`` now."""
    if obj is None or obj == "":
        return False
    return machine_for(obj).can(obj, status)
