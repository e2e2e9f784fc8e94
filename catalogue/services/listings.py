"""A supplier's listings: create, change, submit for review, withdraw, discard a change.

A product's lifecycle is draft -> submitted -> published | rejected, published ->
withdrawn; rejected and withdrawn products can be edited and submitted again. Before
its first publication a product's fields are the supplier's working copy. Once published
they are what buyers see, and a supplier's edit goes into the product's one open
``ProductRevision`` until a catalogue manager approves it (:mod:`catalogue.services.review`).
"""

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import Organisation, OrganisationKind, User
from accounts.permissions import can_withdraw_product
from catalogue.audit_actions import CatalogueAudit
from catalogue.domain.content import ProductContent, content_errors
from catalogue.models import Product, ProductRevision, ProductStatus, RevisionStatus
from catalogue.services.common import (
    EDITABLE_STATUSES,
    after_content_change,
    apply_content,
    breaks_state,
    check_content,
    listing_state,
    lock_product,
    locked_open_revision,
    product_state,
    reason_given,
    replace_price_breaks,
    require_editor,
    revision_from,
    save_listing,
    sku_taken_error,
    validated_sku,
)
from catalogue.services.search_index import refresh_search_vectors
from catalogue.signals import product_no_longer_orderable
from catalogue.states import PRODUCT, REVISION, REVISION_AUDIT_FIELDS
from core.errors import DomainError, InvalidTransition, NotPermitted


@transaction.atomic
def product_create(
    *, actor: User, supplier: Organisation, sku: str, content: ProductContent
) -> Product:
    """A new draft listing with its price breaks."""
    if supplier.kind != OrganisationKind.SUPPLIER:
        raise DomainError("Products belong to suppliers.", field="supplier")
    require_editor(actor, supplier.pk)
    errors = content_errors(content)
    try:
        sku = validated_sku(sku)
    except DomainError as error:
        errors = {**error.errors, **errors}
    if errors:
        raise DomainError("The listing is not valid.", errors=errors)
    if Product.objects.filter(supplier=supplier, sku=sku).exists():
        raise sku_taken_error(sku)
    product = Product(supplier=supplier, sku=sku, status=ProductStatus.DRAFT, created_by=actor)
    apply_content(product, content)
    save_listing(product)
    breaks = replace_price_breaks(product, content)
    refresh_search_vectors([product.pk])
    audit.record(
        actor=actor,
        action=CatalogueAudit.PRODUCT_CREATED,
        obj=product,
        organisation=supplier,
        after=listing_state(product, breaks),
    )
    return product


@transaction.atomic
def product_update(
    *, product: Product, actor: User, content: ProductContent, sku: str | None = None
) -> Product:
    """Change a listing.

    A draft, rejected or withdrawn product is changed in place. A published product is
    not: the change goes into its open revision (created on the first edit) and buyers
    keep seeing the published content until a catalogue manager approves it.
    """
    locked = lock_product(product)
    require_editor(actor, locked.supplier_id)
    check_content(content)
    if locked.status == ProductStatus.SUBMITTED:
        raise InvalidTransition(
            "This product is awaiting review: it cannot change until a catalogue manager "
            "has decided."
        )
    if sku is not None and sku.strip() != locked.sku:
        if locked.published_revision_id is not None or locked.status not in EDITABLE_STATUSES:
            raise DomainError(
                "The SKU of a product that has been published cannot change.", field="sku"
            )
        new_sku = validated_sku(sku)
        if Product.objects.filter(supplier_id=locked.supplier_id, sku=new_sku).exists():
            raise sku_taken_error(new_sku)
        locked.sku = new_sku

    if locked.status in EDITABLE_STATUSES:
        with audit.audited(
            locked,
            actor=actor,
            action=CatalogueAudit.PRODUCT_UPDATED,
            organisation=locked.supplier,
            state=product_state,
        ) as change:
            apply_content(locked, content)
            save_listing(locked)
            breaks = replace_price_breaks(locked, content)
            after_content_change([locked.pk])
            # The breaks as written (re-read, their prices would come back quantised).
            change.details["price_breaks"] = breaks_state(breaks)
        return locked

    # Published: propose the change as a revision.
    revision = locked_open_revision(locked)
    if revision is None and content == ProductContent.of_product(locked):
        raise DomainError("Nothing has changed: this is the published listing.")
    if revision is not None and revision.status == RevisionStatus.SUBMITTED:
        raise InvalidTransition(
            "A change to this product is already awaiting review: wait for the decision, "
            "or withdraw that change first."
        )
    if revision is None:
        revision = revision_from(locked, content, actor, RevisionStatus.DRAFT)
        revision.save()
        audit.record(
            actor=actor,
            action=CatalogueAudit.REVISION_CREATED,
            obj=revision,
            organisation=locked.supplier,
            after=audit.snapshot(revision, fields=REVISION_AUDIT_FIELDS),
        )
    else:
        audit.audited_update(
            revision,
            actor=actor,
            action=CatalogueAudit.REVISION_UPDATED,
            organisation=locked.supplier,
            fields=REVISION_AUDIT_FIELDS,
            changes={**content.model_fields(), "price_breaks": content.breaks_json()},
        )
    return locked


@transaction.atomic
def product_submit(*, product: Product, actor: User) -> Product:
    """Send a listing (or the open change to a published one) for review."""
    locked = lock_product(product)
    require_editor(actor, locked.supplier_id)
    now = timezone.now()
    if locked.status == ProductStatus.PUBLISHED:
        revision = locked_open_revision(locked)
        if revision is None:
            raise InvalidTransition("There are no changes to submit.")
        REVISION.check(revision, RevisionStatus.SUBMITTED)
        check_content(ProductContent.of_revision(revision))
        REVISION.apply(
            revision,
            RevisionStatus.SUBMITTED,
            actor=actor,
            action=CatalogueAudit.REVISION_SUBMITTED,
            organisation=locked.supplier,
            changes={"submitted_at": now},
        )
        return locked

    PRODUCT.check(locked, ProductStatus.SUBMITTED)
    content = ProductContent.of_product(locked)
    check_content(content)
    # The first revision is created already submitted, as the product's content.
    revision = revision_from(locked, content, actor, RevisionStatus.SUBMITTED)
    revision.submitted_at = now
    revision.save()
    PRODUCT.apply(
        locked,
        ProductStatus.SUBMITTED,
        actor=actor,
        action=CatalogueAudit.PRODUCT_SUBMITTED,
        organisation=locked.supplier,
        changes={"rejection_reason": ""},
        details={"revision": revision.number},
    )
    return locked


@transaction.atomic
def product_withdraw(*, product: Product, actor: User, reason: str) -> Product:
    """Take a published product out of the catalogue (the supplier or a catalogue manager).
    Any change awaiting review is discarded with it."""
    locked = lock_product(product)
    if not can_withdraw_product(actor, locked.supplier_id):
        raise NotPermitted("Only the supplier or a catalogue manager can withdraw a listing.")
    reason = reason_given(reason, "withdrawal")
    PRODUCT.check(locked, ProductStatus.WITHDRAWN)
    now = timezone.now()
    revision = locked_open_revision(locked)
    if revision is not None:
        # Recorded in the product's event: the change awaiting review goes with it.
        REVISION.change(
            revision,
            RevisionStatus.DISCARDED,
            changes={"decided_at": now, "decision_reason": "The product was withdrawn."},
        )
    PRODUCT.apply(
        locked,
        ProductStatus.WITHDRAWN,
        actor=actor,
        action=CatalogueAudit.PRODUCT_WITHDRAWN,
        organisation=locked.supplier,
        changes={"withdrawn_at": now, "withdrawal_reason": reason},
    )
    product_no_longer_orderable.send(
        sender=Product,
        product_ids=[locked.pk],
        reason=f"The supplier or the ICT company withdrew it from the catalogue: {reason}",
    )
    return locked


@transaction.atomic
def revision_discard(*, product: Product, actor: User) -> ProductRevision:
    """The supplier abandons its open change to a published product (kept, as discarded)."""
    locked = lock_product(product)
    require_editor(actor, locked.supplier_id)
    revision = locked_open_revision(locked)
    if locked.status != ProductStatus.PUBLISHED or revision is None:
        raise InvalidTransition("This product has no open change to discard.")
    return REVISION.apply(
        revision,
        RevisionStatus.DISCARDED,
        actor=actor,
        action=CatalogueAudit.REVISION_DISCARDED,
        organisation=locked.supplier,
        changes={"decided_at": timezone.now(), "decision_reason": "Discarded by the supplier."},
    )
