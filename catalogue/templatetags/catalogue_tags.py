"""Template helpers for the catalogue's pages: money and status tags."""

from django import template

from catalogue.models import ConformanceStatus, ProductStatus, RevisionStatus
from core.templatetags.formatting import gbp

register = template.Library()
register.filter("gbp", gbp)

# Keyed by status value: the enum members are strings, so a plain status looks them up.
PRODUCT_TAG_COLOURS: dict[str, str] = {
    ProductStatus.DRAFT: "govuk-tag--grey",
    ProductStatus.SUBMITTED: "govuk-tag--blue",
    ProductStatus.PUBLISHED: "govuk-tag--green",
    ProductStatus.REJECTED: "govuk-tag--red",
    ProductStatus.WITHDRAWN: "govuk-tag--orange",
}
REVISION_TAG_COLOURS: dict[str, str] = {
    RevisionStatus.DRAFT: "govuk-tag--grey",
    RevisionStatus.SUBMITTED: "govuk-tag--blue",
    RevisionStatus.APPROVED: "govuk-tag--green",
    RevisionStatus.REJECTED: "govuk-tag--red",
    RevisionStatus.DISCARDED: "govuk-tag--grey",
}
CONFORMANCE_TAG_COLOURS: dict[str, str] = {
    ConformanceStatus.CLAIMED: "govuk-tag--yellow",
    ConformanceStatus.VERIFIED: "govuk-tag--green",
    ConformanceStatus.REJECTED: "govuk-tag--red",
    ConformanceStatus.LAPSED: "govuk-tag--orange",
}


@register.filter
def product_tag(status: str) -> str:
    return PRODUCT_TAG_COLOURS.get(status, "govuk-tag--grey")


@register.filter
def revision_tag(status: str) -> str:
    return REVISION_TAG_COLOURS.get(status, "govuk-tag--grey")


@register.filter
def conformance_tag(status: str) -> str:
    return CONFORMANCE_TAG_COLOURS.get(status, "govuk-tag--grey")


@register.filter
def conformance_label(status: str) -> str:
    labels: dict[str, str] = {
        ConformanceStatus.CLAIMED: "Awaiting verification",
        ConformanceStatus.VERIFIED: "Verified",
        ConformanceStatus.REJECTED: "Rejected",
        ConformanceStatus.LAPSED: "Lapsed",
    }
    return labels.get(status, status)


@register.filter
def tier_ranges(breaks) -> list[dict]:
    """Each break with the quantities it covers: 1 to 9, 10 to 99, 100 or more."""
    ordered = sorted(breaks, key=lambda b: b.min_quantity)
    rows = []
    for index, tier in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        rows.append(
            {
                "low": tier.min_quantity,
                "high": following.min_quantity - 1 if following else None,
                "unit_price": tier.unit_price,
            }
        )
    return rows
