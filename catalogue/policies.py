"""The catalogue's rules for buyers, each stated once.

``orderable_problem`` is the one answer to "can this product be ordered now?": published,
compliant now (recomputed from its conformance rows by ``catalogue.selectors.compliance``, not read
from the cached flag) and priced. Procurement's services, pages and API, and the product
page, all ask it. ``orderable_products`` is the same rule as a query (it reads the cached
compliance flag, so it serves lists; a service re-checks with ``orderable_problem``).
"""

from django.db.models import Exists, OuterRef, QuerySet

from catalogue.models import PriceBreak, Product, ProductStatus
from catalogue.selectors import compliance


def orderable_problem(product: Product) -> str | None:
    """Why the product cannot be ordered now, or None when it can."""
    if product.status != ProductStatus.PUBLISHED:
        return (
            f"{product.name} is not published in the catalogue "
            f"(it is {product.get_status_display().lower()}): it cannot be ordered."
        )
    if not compliance.compute([product.pk]).get(product.pk, False):
        return (
            f"{product.name} does not conform to the network code's standards now (a "
            "required conformance is missing, has lapsed or been withdrawn, or its standard "
            "was abolished): it cannot be ordered."
        )
    if not product.price_breaks.all():
        return f"{product.name} has no prices yet: it cannot be ordered."
    return None


def is_orderable(product: Product) -> bool:
    return orderable_problem(product) is None


def orderable_products(queryset: QuerySet[Product] | None = None) -> QuerySet[Product]:
    """The orderable rule as a filter, for lists and pickers."""
    products = Product.objects.all() if queryset is None else queryset
    return products.filter(status=ProductStatus.PUBLISHED, is_compliant=True).filter(
        Exists(PriceBreak.objects.filter(product=OuterRef("pk")))
    )
