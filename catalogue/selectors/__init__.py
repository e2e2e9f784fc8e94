"""Reads for the catalogue: every query set starts from what the user may see.

Beside this module: ``search`` (the catalogue search), ``category_tree`` (the category
tree, read whole) and ``compliance`` (whether products conform, computed from their rows).
"""

from collections import defaultdict

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import User
from accounts.permissions import (
    edited_supplier_ids,
    is_catalogue_manager,
    suppliers_barred_from_review,
)
from catalogue.domain.content import ProductContent
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
from core.errors import DomainError
from standards.models import Standard, StandardVersion, VersionStatus


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


def sees_only_published(user: User | AnonymousUser) -> bool:
    """Whether :func:`products_visible_to` gives the user exactly the published products."""
    return (
        getattr(user, "is_authenticated", False)
        and not is_catalogue_manager(user)
        and not edited_supplier_ids(user)
    )


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


def product_detail(pk: int) -> Product:
    """A product the caller has already found through a scoped selector, loaded again for
    its detail (after a service changed it)."""
    return product_detail_queryset(Product.objects.all()).get(pk=pk)


def with_submitted_revision(queryset: QuerySet[Product], awaiting: bool) -> QuerySet[Product]:
    """Products with (or, ``awaiting=False``, without) a revision awaiting review."""
    submitted = Exists(
        ProductRevision.objects.filter(product=OuterRef("pk"), status=RevisionStatus.SUBMITTED)
    )
    return queryset.filter(submitted if awaiting else ~submitted)


def standards_in_force() -> QuerySet[Standard]:
    """Standards not abolished, by reference: what a category may require or a search filter."""
    return Standard.objects.filter(abolished_at__isnull=True).order_by("reference")


def standards_by_pk(pks) -> dict[int, Standard]:
    return {s.pk: s for s in Standard.objects.filter(pk__in=sorted(pks))}


def claimable_versions() -> list[StandardVersion]:
    """The adopted versions of standards in force: what a supplier may claim conformance to."""
    return list(
        StandardVersion.objects.filter(
            status=VersionStatus.ADOPTED, standard__abolished_at__isnull=True
        )
        .select_related("standard")
        .order_by("standard__reference")
    )


def adopted_version(reference: str) -> StandardVersion | None:
    """The adopted version of the standard with this reference, if any."""
    return (
        StandardVersion.objects.filter(
            standard__reference=reference.strip().upper(), status=VersionStatus.ADOPTED
        )
        .select_related("standard")
        .first()
    )


def required_standard_ids(category_ids) -> set[int]:
    """Standards in force that any of these categories requires."""
    return set(
        Category.required_standards.through.objects.filter(
            category_id__in=sorted(category_ids), standard__abolished_at__isnull=True
        ).values_list("standard_id", flat=True)
    )


def required_references_by_category() -> dict[int, list[str]]:
    """Each category's required standards' references, in order."""
    required: dict[int, list[str]] = defaultdict(list)
    for category_id, reference in Category.required_standards.through.objects.values_list(
        "category_id", "standard__reference"
    ).order_by("standard__reference"):
        required[category_id].append(reference)
    return required


def categories() -> QuerySet[Category]:
    """Every category (categories are public)."""
    return Category.objects.all()


def standards() -> QuerySet[Standard]:
    """Every standard (standards are public)."""
    return Standard.objects.all()


def comparison_sides(
    product: Product, old_key: str | None, new_key: str | None
) -> tuple[str, str, ProductContent, ProductContent]:
    """Resolve ``from``/``to`` (revision numbers or 'live') into contents to compare."""
    revisions = {r.number: r for r in product.revisions.select_related("category")}
    open_revision = next(
        (r for r in revisions.values() if r.status in OPEN_REVISION_STATUSES), None
    )
    old_key = (old_key or "live").strip()
    if not new_key:
        if open_revision is not None:
            new_key = str(open_revision.number)
        elif revisions:
            new_key = str(max(revisions))
        else:
            new_key = "live"

    def side(key: str, name: str) -> ProductContent:
        if key == "live":
            return ProductContent.of_product(product)
        try:
            return ProductContent.of_revision(revisions[int(key)])
        except (ValueError, KeyError) as error:
            raise DomainError(
                f"This product has no revision {key!r}: give a revision number or 'live'.",
                field=name,
            ) from error

    return old_key, new_key, side(old_key, "from"), side(new_key, "to")
