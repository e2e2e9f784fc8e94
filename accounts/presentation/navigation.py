"""What each role can do, as shown on home pages, and the service navigation.

Accounts sits below the domain apps, so it imports none of them: each app registers its own
capabilities (with how many things wait behind them) and navigation links from its
``AppConfig.ready()``, and this module only composes what was registered.

Links are resolved by URL name; a capability whose page does not exist yet is shown
as "not available yet" rather than linking to a page that is not there.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from accounts.models import DeliveryStatus, Role, User
from accounts.selectors import deliveries_visible_to


@dataclass(frozen=True)
class Capability:
    title: str
    url_name: str
    description: str
    # How many things wait for the user behind it: shown on the home page, so each role's
    # home is a dashboard of what needs doing. One or two queries each.
    waiting: Callable[[User], int] | None = None
    # Where it stands among its role's capabilities, whichever app registered it.
    order: int = 0

    @property
    def href(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


class CapabilityRegistry(Mapping[str, list[Capability]]):
    """Role -> its capabilities in order. Filled by each app's ``AppConfig.ready()``."""

    def __init__(self) -> None:
        self._by_role: dict[str, list[Capability]] = defaultdict(list)

    def register(self, role: str, *capabilities: Capability) -> None:
        known = self._by_role[role]
        for capability in capabilities:
            if capability not in known:  # ready() may run twice (tests, reloads)
                known.append(capability)
        known.sort(key=lambda capability: capability.order)

    def __getitem__(self, role: str) -> list[Capability]:
        if role not in self._by_role:
            raise KeyError(role)
        return list(self._by_role[role])

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_role)

    def __len__(self) -> int:
        return len(self._by_role)


ROLE_CAPABILITIES = CapabilityRegistry()
register_capabilities = ROLE_CAPABILITIES.register


@dataclass(frozen=True)
class NavigationLink:
    label: str
    url_name: str
    order: int


NAVIGATION: list[NavigationLink] = []


def register_navigation(label: str, url_name: str, *, order: int) -> None:
    """Add a link to the service navigation (each app adds its own, in its ready())."""
    link = NavigationLink(label, url_name, order)
    if link not in NAVIGATION:
        NAVIGATION.append(link)
        NAVIGATION.sort(key=lambda item: item.order)


def _failed_notifications(user: User) -> int:
    return deliveries_visible_to(user).filter(status=DeliveryStatus.FAILED).count()


def register_accounts() -> None:
    """Accounts' own entries: the home link and the failed notifications."""
    register_navigation("Home", "home", order=0)
    register_capabilities(
        Role.COMMERCIAL_LEAD,
        Capability(
            "Failed notifications",
            "accounts:failed_notifications",
            "E-mails that could not be sent after every retry: send them again.",
            _failed_notifications,
            order=90,
        ),
    )


def navigation_items(path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for link in NAVIGATION:
        label, url_name = link.label, link.url_name
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
