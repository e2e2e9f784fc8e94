"""Catalogue's answers to the network code: the products conforming to a standard's versions
(registered with :mod:`standards.providers` in :meth:`catalogue.apps.CatalogueConfig.ready`)."""

from collections.abc import Sequence

from django.db.models import Aggregate, Count, Prefetch, Q

from catalogue.models import Conformance, ConformanceStatus, ProductStatus
from standards.models import StandardVersion
from standards.providers import (
    AffectedConformance,
    ConformanceProvider,
    register_conformance_provider,
)


def _verified_published(prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}status": ConformanceStatus.VERIFIED,
            f"{prefix}product__status": ProductStatus.PUBLISHED,
        }
    )


def conforming_products() -> Aggregate:
    return Count("conformances", filter=_verified_published("conformances__"), distinct=True)


def history() -> Prefetch:
    """Each version's published products, verified and (for history) lapsed."""
    conformances = (
        Conformance.objects.filter(
            product__status=ProductStatus.PUBLISHED,
            status__in=[ConformanceStatus.VERIFIED, ConformanceStatus.LAPSED],
        )
        .select_related("product__supplier")
        .order_by("product__name", "product__pk")
    )
    return Prefetch("conformances", queryset=conformances)


def affected(versions: Sequence[StandardVersion]) -> list[AffectedConformance]:
    rows = (
        Conformance.objects.filter(standard_version__in=versions)
        .filter(_verified_published())
        .order_by(
            "product__supplier__name", "product__name", "product__pk", "standard_version__version"
        )
        .values_list(
            "product_id",
            "product__name",
            "product__sku",
            "product__supplier_id",
            "product__supplier__slug",
            "product__supplier__name",
            "standard_version__version",
        )
    )
    return [AffectedConformance(*row) for row in rows]


def register() -> None:
    register_conformance_provider(
        ConformanceProvider(
            conforming_products=conforming_products, history=history, affected=affected
        )
    )
