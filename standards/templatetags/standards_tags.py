"""Small presentation helpers for the network code's pages."""

from django import template
from django.utils.html import format_html

from core.templatetags.formatting import day, when
from standards.presentation.charts import fraction_percent

register = template.Library()

PROPOSAL_TAGS = {
    "draft": "govuk-tag--grey",
    "consultation": "govuk-tag--blue",
    "voting": "govuk-tag--purple",
    "carried": "govuk-tag--turquoise",
    "rejected": "govuk-tag--red",
    "enacted": "govuk-tag--green",
}
VERSION_TAGS = {
    "adopted": "govuk-tag--green",
    "superseded": "govuk-tag--yellow",
    "abolished": "govuk-tag--red",
}
CONFORMANCE_TAGS = {
    "verified": "govuk-tag--green",
    "claimed": "govuk-tag--grey",
    "lapsed": "govuk-tag--orange",
    "rejected": "govuk-tag--red",
}


@register.simple_tag
def proposal_tag(proposal):
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>',
        PROPOSAL_TAGS.get(proposal.status, "govuk-tag--grey"),
        proposal.get_status_display(),
    )


@register.simple_tag
def version_tag(version):
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>',
        VERSION_TAGS.get(version.status, "govuk-tag--grey"),
        version.get_status_display(),
    )


@register.simple_tag
def conformance_tag(conformance):
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>',
        CONFORMANCE_TAGS.get(conformance.status, "govuk-tag--grey"),
        conformance.get_status_display(),
    )


register.filter("day", day)
register.filter("moment", when)


@register.filter
def met(value):
    return "Met" if value else "Not met"


@register.filter
def as_percent(fraction):
    """A rule's fraction as people read it: Decimal("0.5500") is 55%."""

    return fraction_percent(fraction)
