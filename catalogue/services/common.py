"""What the catalogue's use cases share: the guards, locks and listing helpers.

Not part of the services' interface (``catalogue.services`` re-exports that): the
use-case modules beside this one import these directly.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from accounts import audit
from accounts.models import Organisation, User
from accounts.permissions import can_edit_listings_of, can_review_catalogue, may_review_listings_of
from accounts.permissions import review_refusal as review_refusal_for
from catalogue.domain.content import ProductContent, content_errors
from catalogue.domain.pricing import BreakLike
from catalogue.models import (
    OPEN_REVISION_STATUSES,
    PriceBreak,
    Product,
    ProductRevision,
    ProductStatus,
)
from catalogue.services import compliance
from catalogue.services.search_index import refresh_search_vectors
from catalogue.states import PRODUCT_AUDIT_FIELDS
from core.errors import DomainError, NotPermitted

# Statuses change only through the machines of ``catalogue.states``.
# States in which the product's own fields are the supplier's working copy.
EDITABLE_STATUSES = frozenset(
    {ProductStatus.DRAFT, ProductStatus.REJECTED, ProductStatus.WITHDRAWN}
)


# Guards.


def require_editor(actor: User, supplier_id: int) -> None:
    if not can_edit_listings_of(actor, supplier_id):
        raise NotPermitted("Only the supplier's listing editors can change its listings.")


def require_reviewer(actor: User, supplier: Organisation | None = None) -> None:
    """A catalogue manager, and (once the item is locked) not an editor of its supplier."""
    if not can_review_catalogue(actor):
        raise NotPermitted("Only the ICT company's catalogue managers can decide this.")
    if supplier is not None and not may_review_listings_of(actor, supplier.pk):
        raise NotPermitted(review_refusal_for(actor, supplier))


def reason_given(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(f"Give a reason for the {what}.", field="reason")
    if len(reason) > 2000:
        raise DomainError("The reason must be 2,000 characters or fewer.", field="reason")
    return reason


def validated_sku(sku: str) -> str:
    sku = (sku or "").strip()
    try:
        Product._meta.get_field("sku").clean(sku, None)
    except ValidationError as error:
        raise DomainError("The SKU is not valid.", errors={"sku": error.messages}) from error
    return sku


def sku_taken_error(sku: str) -> DomainError:
    return DomainError(f"This supplier already has a product with SKU {sku}.", field="sku")


def check_content(content: ProductContent) -> None:
    errors = content_errors(content)
    if errors:
        raise DomainError("The listing is not valid.", errors=errors)


# Locks.


def lock_product(product: Product | int) -> Product:
    pk = product if isinstance(product, int) else product.pk
    return Product.objects.select_for_update().get(pk=pk)


def locked_open_revision(product: Product) -> ProductRevision | None:
    return (
        ProductRevision.objects.select_for_update()
        .filter(product=product, status__in=OPEN_REVISION_STATUSES)
        .first()
    )


# A listing's content and its audit state.


def breaks_state(breaks: Iterable[BreakLike]) -> Any:
    return audit.to_json(
        [{"min_quantity": b.min_quantity, "unit_price": b.unit_price} for b in breaks]
    )


def listing_state(product: Product, breaks: Iterable[BreakLike]) -> dict[str, Any]:
    """A product's audited fields with its price breaks: the state of a listing."""
    return {
        **audit.snapshot(product, fields=PRODUCT_AUDIT_FIELDS),
        "price_breaks": breaks_state(breaks),
    }


def product_state(product: Product) -> dict[str, Any]:
    """The listing's state from its rows (the ``state`` of its audited changes)."""
    return listing_state(product, product.price_breaks.all())


def apply_content(product: Product, content: ProductContent) -> None:
    for name, value in content.model_fields().items():
        setattr(product, name, value)


def save_listing(product: Product) -> None:
    """Save a product whose SKU may clash with another of its supplier's (a 400, not a 500)."""
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as error:
        raise sku_taken_error(product.sku) from error


def replace_price_breaks(product: Product, content: ProductContent) -> list[PriceBreak]:
    PriceBreak.objects.filter(product=product).delete()
    return PriceBreak.objects.bulk_create(
        PriceBreak(product=product, min_quantity=t.min_quantity, unit_price=t.unit_price)
        for t in content.price_breaks
    )


def _next_revision_number(product: Product) -> int:
    current = ProductRevision.objects.filter(product=product).aggregate(n=Max("number"))["n"]
    return (current or 0) + 1


def revision_from(
    product: Product, content: ProductContent, actor: User, status: str
) -> ProductRevision:
    return ProductRevision(
        product=product,
        number=_next_revision_number(product),
        status=status,
        price_breaks=content.breaks_json(),
        created_by=actor,
        **content.model_fields(),
    )


def after_content_change(product_ids: list[int]) -> None:
    """Keep the search vector and compliance (the category may have moved) current."""
    refresh_search_vectors(product_ids)
    compliance.refresh(product_ids)
