"""What each role can do, as shown on home pages and in the service navigation.

Links are resolved by URL name; a capability whose page does not exist yet is shown
as "not available yet" rather than linking to a page that is not there.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from accounts.models import Role, User

# How many things wait for the user behind a capability: shown on the home page, so each
# role's home is a dashboard of what needs doing. One or two queries each.


def _open_to_join(user: User) -> int:
    from procurement.selectors import open_requisitions_to_join

    return open_requisitions_to_join(user).count()


def _shares_to_decide(user: User) -> int:
    from procurement.selectors import approval_queue_for

    return approval_queue_for(user).count()


def _votes_not_cast(user: User) -> int:
    from standards.selectors import ballots_for

    return sum(1 for ballot in ballots_for(user) if ballot.vote is None)


def _to_review(user: User) -> int:
    from catalogue import selectors

    return (
        selectors.products_awaiting_review(user).count()
        + selectors.revisions_awaiting_review(user).count()
        + selectors.conformances_awaiting_review(user).count()
    )


def _failed_notifications(user: User) -> int:
    from accounts.models import DeliveryStatus
    from accounts.selectors import deliveries_visible_to

    return deliveries_visible_to(user).filter(status=DeliveryStatus.FAILED).count()


def _to_sign_off_or_award(user: User) -> int:
    from procurement.selectors import waiting_for_commercial_lead

    return waiting_for_commercial_lead()


@dataclass(frozen=True)
class Capability:
    title: str
    url_name: str
    description: str
    waiting: Callable[[User], int] | None = None

    @property
    def href(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


ROLE_CAPABILITIES: dict[str, list[Capability]] = {
    Role.BUYER: [
        Capability(
            "Browse the catalogue",
            "catalogue:product_list",
            "Search approved, standards-compliant products and their price breaks.",
        ),
        Capability(
            "Join an open joint requisition",
            "procurement:requisition_open_list",
            "See what other forces are buying and the saving your force would get by joining.",
            _open_to_join,
        ),
        Capability(
            "Start a joint requisition",
            "procurement:requisition_create",
            "Open a requisition for a product so that other forces can pool their demand.",
        ),
        Capability(
            "Your force's requisitions",
            "procurement:requisition_list",
            "Follow your force's requisitions from open to contracted.",
        ),
    ],
    Role.FINANCE: [
        Capability(
            "Shares awaiting approval",
            "procurement:approval_queue",
            "Approve or reject your force's share of pooled orders, within your limit.",
            _shares_to_decide,
        ),
        Capability(
            "Your force's orders",
            "procurement:order_list",
            "Orders placed for your force and their contract documents.",
        ),
    ],
    Role.DELEGATE: [
        Capability(
            "Votes awaiting your force",
            "standards:delegate_dashboard",
            "Cast your force's vote on network-code proposals before voting closes.",
            _votes_not_cast,
        ),
        Capability(
            "Proposals",
            "standards:proposal_list",
            "Proposals to establish, revise or abolish standards, with their impact.",
        ),
        Capability(
            "Register of standards",
            "standards:standard_list",
            "The network code's standards and every version of them.",
        ),
    ],
    Role.CATALOGUE_MANAGER: [
        Capability(
            "Review queue",
            "catalogue:review_queue",
            "Submitted listings, revisions and conformance claims awaiting a decision.",
            _to_review,
        ),
        Capability(
            "Browse the catalogue",
            "catalogue:product_list",
            "Everything published, with its conformance to the network code.",
        ),
    ],
    Role.COMMERCIAL_LEAD: [
        Capability(
            "Requisitions to sign off and award",
            "procurement:commercial_queue",
            "Approved requisitions awaiting sign-off above the threshold, and award.",
            _to_sign_off_or_award,
        ),
        Capability(
            "Orders",
            "procurement:order_list",
            "Awarded orders and the state of their contract documents.",
        ),
        Capability(
            "Failed notifications",
            "accounts:failed_notifications",
            "E-mails that could not be sent after every retry: send them again.",
            _failed_notifications,
        ),
    ],
    Role.STANDARDS_SECRETARY: [
        Capability(
            "Proposals",
            "standards:proposal_list",
            "Move proposals into consultation and voting; follow the tallies.",
        ),
        Capability(
            "Register of standards",
            "standards:standard_list",
            "The network code's standards and every version of them.",
        ),
    ],
    Role.SUPPLIER_EDITOR: [
        Capability(
            "Your listings",
            "catalogue:supplier_product_list",
            "Create, edit and submit your products, price breaks and conformance claims.",
        ),
        Capability(
            "Upload listings from a spreadsheet",
            "catalogue:product_import",
            "Create or update many draft listings at once from a CSV file.",
        ),
        Capability(
            "Orders to fulfil",
            "procurement:order_list",
            "Orders awarded to you and their contract documents.",
        ),
    ],
}

NAVIGATION: list[tuple[str, str]] = [
    ("Home", "home"),
    ("Catalogue", "catalogue:product_list"),
    ("Requisitions", "procurement:requisition_list"),
    ("Orders", "procurement:order_list"),
    ("Standards", "standards:standard_list"),
]


def navigation_items(path: str) -> list[dict]:
    items: list[dict[str, Any]] = []
    for label, url_name in NAVIGATION:
        try:
            href = reverse(url_name)
        except NoReverseMatch:
            continue
        matches = path == href if href == "/" else path.startswith(href)
        items.append({"label": label, "href": href, "current": matches})
    # One item is current: the longest matching link (/requisitions/orders/ is Orders,
    # not Requisitions).
    matching = [item for item in items if item["current"]]
    if len(matching) > 1:
        longest = max(matching, key=lambda item: len(item["href"]))
        for item in matching:
            item["current"] = item is longest
    return items
