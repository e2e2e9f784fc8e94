"""Reads for the catalogue: every query set starts from what the user may see."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from accounts.permissions import (
    edited_supplier_ids,
    is_catalogue_manager,
    suppliers_barred_from_review,
)
from catalogue.models import (
    OPEN_REVISION_STATUSES,
    Category,
    Conformance,
    ConformanceStatus,
    PriceBreak,
    Product,
    ProductRevision,
    ProductStatus,
    RevisionStatus,
)


def products_visible_to(user: User | AnonymousUser) -> QuerySet[Product]:
    """Published products for everyone; a supplier's editors also see all of its own
    products in every state; the ICT company's catalogue managers see everything."""
    if not getattr(user, "is_authenticated", False):
        return Product.objects.none()
    if is_catalogue_manager(user):
        return Product.objects.all()
    supplier_ids = edited_supplier_ids(user)
    if supplier_ids:
        return Product.objects.filter(
            Q(status=ProductStatus.PUBLISHED) | Q(supplier_id__in=sorted(supplier_ids))
        )
    return Product.objects.filter(status=ProductStatus.PUBLISHED)


def products_of_suppliers_edited_by(user: User) -> QuerySet[Product]:
    """ "Your listings": the products of the suppliers the user maintains, in every state."""
    return Product.objects.filter(supplier_id__in=sorted(edited_supplier_ids(user)))


def price_breaks_prefetch() -> Prefetch:
    return Prefetch("price_breaks", queryset=PriceBreak.objects.order_by("min_quantity"))


def product_list_queryset(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """What a list of products needs, in a constant number of queries."""
    return (
        queryset.select_related("supplier", "category")
        .defer("search_vector", "description", "rejection_reason", "withdrawal_reason")
        .prefetch_related(price_breaks_prefetch())
    )


def conformance_prefetch() -> Prefetch:
    return Prefetch(
        "conformances",
        queryset=Conformance.objects.select_related("standard_version__standard").order_by(
            "standard_version__standard__reference", "-standard_version__version", "-claimed_at"
        ),
    )


def product_detail_queryset(queryset: QuerySet[Product]) -> QuerySet[Product]:
    return queryset.select_related(
        "supplier", "category", "published_revision", "created_by"
    ).prefetch_related(price_breaks_prefetch(), conformance_prefetch())


def open_revision(product: Product) -> ProductRevision | None:
    return (
        product.revisions.filter(status__in=OPEN_REVISION_STATUSES)
        .select_related("category", "created_by")
        .first()
    )


def revisions_visible_to(user: User) -> QuerySet[ProductRevision]:
    """Revisions are the supplier's and the catalogue managers' business, not buyers'."""
    if not getattr(user, "is_authenticated", False):
        return ProductRevision.objects.none()
    revisions = ProductRevision.objects.select_related("product", "category", "created_by")
    if is_catalogue_manager(user):
        return revisions
    return revisions.filter(product__supplier_id__in=sorted(edited_supplier_ids(user)))


def conformances_visible_to(user: User | AnonymousUser) -> QuerySet[Conformance]:
    """The conformance of every product the user can see (statuses show on product pages)."""
    return Conformance.objects.filter(product__in=products_visible_to(user)).select_related(
        "product__supplier", "standard_version__standard"
    )


def categories_visible_to(user: User | AnonymousUser) -> QuerySet[Category]:
    """The category tree is shared by every signed-in user."""
    if not getattr(user, "is_authenticated", False):
        return Category.objects.none()
    return Category.objects.all()


# The review queue (catalogue managers).


def _barred(reviewer: User | None) -> set[int]:
    """The suppliers this reviewer may not decide on (``may_review_listings_of``)."""
    return suppliers_barred_from_review(reviewer) if reviewer is not None else set()


def products_awaiting_review(reviewer: User | None = None) -> QuerySet[Product]:
    """Products submitted for their first publication (or re-publication), oldest first;
    for a reviewer, without those of suppliers they edit."""
    return (
        Product.objects.filter(status=ProductStatus.SUBMITTED)
        .exclude(supplier_id__in=_barred(reviewer))
        .select_related("supplier", "category")
        .defer("search_vector")
        .order_by("updated_at", "pk")
    )


def revisions_awaiting_review(reviewer: User | None = None) -> QuerySet[ProductRevision]:
    """Changes to published products, submitted for review, oldest first."""
    return (
        ProductRevision.objects.filter(
            status=RevisionStatus.SUBMITTED, product__status=ProductStatus.PUBLISHED
        )
        .exclude(product__supplier_id__in=_barred(reviewer))
        .select_related("product__supplier", "category")
        .order_by("submitted_at", "pk")
    )


def conformances_awaiting_review(reviewer: User | None = None) -> QuerySet[Conformance]:
    return (
        Conformance.objects.filter(status=ConformanceStatus.CLAIMED)
        .exclude(product__supplier_id__in=_barred(reviewer))
        .select_related("product__supplier", "standard_version__standard")
        .order_by("claimed_at", "pk")
    )
