from django import template

from core.templatetags.formatting import gbp

register = template.Library()
register.filter("gbp", gbp)


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
    "released": "govuk-tag--orange",
    "placed": "govuk-tag--purple",
}


@register.filter
def status_tag_class(status: str) -> str:
    return STATUS_TAGS.get(status, "govuk-tag--grey")
