"""What the network code shows of the apps above it, supplied by them.

Standards sits below catalogue and procurement and imports neither: catalogue registers how
to count and list the products conforming to a version (and which a proposal would touch),
procurement how much each force has bought of them, each from its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Aggregate, Prefetch

from standards.models import StandardVersion


class AffectedConformance(NamedTuple):
    """A published product verified as conforming to a version a proposal would change."""

    product_id: int
    name: str
    sku: str
    supplier_id: int
    supplier_slug: str
    supplier_name: str
    version: int


class Purchase(NamedTuple):
    """How many of a product a force has bought through awarded orders."""

    product_id: int
    force_id: int
    force_slug: str
    force_name: str
    quantity: int


@dataclass(frozen=True)
class ConformanceProvider:
    """Catalogue's answers (catalogue/providers.py)."""

    # StandardVersion annotation: how many published products are verified against it.
    conforming_products: Callable[[], Aggregate]
    # Prefetch of each version's conformances to show in its history.
    history: Callable[[], Prefetch]
    # The verified, published conformances to these versions; one query.
    affected: Callable[[Sequence[StandardVersion]], list[AffectedConformance]]


@dataclass(frozen=True)
class PurchasesProvider:
    """Procurement's answer (procurement/providers.py): what forces bought of these
    products, ordered by force name then product; one query."""

    bought: Callable[[Sequence[int]], list[Purchase]]


class _Providers:
    conformance: ConformanceProvider | None = None
    purchases: PurchasesProvider | None = None


_registered = _Providers()


def register_conformance_provider(provider: ConformanceProvider) -> None:
    _registered.conformance = provider


def register_purchases_provider(provider: PurchasesProvider) -> None:
    _registered.purchases = provider


def conformance() -> ConformanceProvider:
    if _registered.conformance is None:
        raise ImproperlyConfigured("No conformance provider: is catalogue installed?")
    return _registered.conformance


def purchases() -> PurchasesProvider:
    if _registered.purchases is None:
        raise ImproperlyConfigured("No purchases provider: is procurement installed?")
    return _registered.purchases
