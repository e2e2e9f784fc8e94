"""The catalogue managers' decisions on listings: publish a submitted product or apply the
submitted change to a published one; or refuse either."""

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import User
from catalogue.audit_actions import CatalogueAudit
from catalogue.domain.content import ProductContent
from catalogue.models import Product, ProductStatus, RevisionStatus
from catalogue.services.common import (
    after_content_change,
    apply_content,
    breaks_state,
    check_content,
    lock_product,
    locked_open_revision,
    product_state,
    reason_given,
    replace_price_breaks,
    require_reviewer,
)
from catalogue.states import PRODUCT, PRODUCT_AUDIT_FIELDS, REVISION
from core.errors import InvalidTransition


@transaction.atomic
def product_approve(*, product: Product, actor: User) -> Product:
    """Publish a submitted product, or apply the submitted change to a published one."""
    require_reviewer(actor)
    locked = lock_product(product)
    require_reviewer(actor, locked.supplier)
    revision = locked_open_revision(locked)
    if revision is None or revision.status != RevisionStatus.SUBMITTED:
        raise InvalidTransition("Nothing about this product is awaiting review.")
    if locked.status not in (ProductStatus.SUBMITTED, ProductStatus.PUBLISHED):
        raise InvalidTransition("Nothing about this product is awaiting review.")
    now = timezone.now()
    content = ProductContent.of_revision(revision)
    check_content(content)
    first_publication = locked.status == ProductStatus.SUBMITTED
    with audit.audited(
        locked,
        actor=actor,
        action=CatalogueAudit.PRODUCT_PUBLISHED
        if first_publication
        else CatalogueAudit.REVISION_APPROVED,
        organisation=locked.supplier,
        state=product_state,
    ) as change:
        apply_content(locked, content)
        locked.published_revision = revision
        if first_publication:
            PRODUCT.change(
                locked,
                ProductStatus.PUBLISHED,
                changes={
                    "published_at": now,
                    "rejection_reason": "",
                    "withdrawn_at": None,
                    "withdrawal_reason": "",
                },
            )
        else:
            locked.save()
        breaks = replace_price_breaks(locked, content)
        REVISION.change(
            revision,
            RevisionStatus.APPROVED,
            changes={"decided_by": actor, "decided_at": now, "decision_reason": ""},
        )
        after_content_change([locked.pk])
        # The breaks as written (re-read, their prices would come back quantised).
        change.details.update(price_breaks=breaks_state(breaks), revision=revision.number)
    return locked


@transaction.atomic
def product_reject(*, product: Product, actor: User, reason: str) -> Product:
    """Refuse a submitted product (it becomes editable again) or a submitted change
    to a published one (the published listing stays as it is)."""
    require_reviewer(actor)
    reason = reason_given(reason, "rejection")
    locked = lock_product(product)
    require_reviewer(actor, locked.supplier)
    revision = locked_open_revision(locked)
    if revision is None or revision.status != RevisionStatus.SUBMITTED:
        raise InvalidTransition("Nothing about this product is awaiting review.")
    now = timezone.now()
    first_review = locked.status == ProductStatus.SUBMITTED
    with audit.audited(
        locked,
        actor=actor,
        action=CatalogueAudit.PRODUCT_REJECTED
        if first_review
        else CatalogueAudit.REVISION_REJECTED,
        organisation=locked.supplier,
        fields=PRODUCT_AUDIT_FIELDS,
    ) as change:
        REVISION.change(
            revision,
            RevisionStatus.REJECTED,
            changes={"decided_by": actor, "decided_at": now, "decision_reason": reason},
        )
        if first_review:
            PRODUCT.change(locked, ProductStatus.REJECTED, changes={"rejection_reason": reason})
        change.details.update(revision=revision.number, reason=reason)
    return locked
