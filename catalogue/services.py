"""Writes for the catalogue: one function per use case, atomic, locked and audited.

A product's lifecycle is draft -> submitted -> published | rejected, published ->
withdrawn; rejected and withdrawn products can be edited and submitted again. Before
its first publication a product's fields are the supplier's working copy. Once published
they are what buyers see, and a supplier's edit goes into the product's one open
``ProductRevision`` until a catalogue manager approves it.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts import audit
from accounts.models import Organisation, OrganisationKind, User
from accounts.permissions import (
    can_edit_listings_of,
    can_manage_categories,
    can_review_catalogue,
    can_withdraw_product,
    may_review_listings_of,
    review_refusal,
)
from catalogue import compliance, evidence
from catalogue.audit_actions import CatalogueAudit
from catalogue.categories import CategoryTree
from catalogue.content import ProductContent, content_errors
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
from catalogue.search import refresh_search_vectors
from catalogue.signals import product_no_longer_orderable
from catalogue.states import (
    CONFORMANCE,
    CONFORMANCE_AUDIT_FIELDS,
    PRODUCT,
    PRODUCT_AUDIT_FIELDS,
    REVISION,
    REVISION_AUDIT_FIELDS,
)
from core.errors import DomainError, InvalidTransition, NotPermitted
from standards.models import Standard, StandardVersion, VersionStatus

# Statuses change only through the machines of ``catalogue.states``.
# States in which the product's own fields are the supplier's working copy.
EDITABLE_STATUSES = frozenset(
    {ProductStatus.DRAFT, ProductStatus.REJECTED, ProductStatus.WITHDRAWN}
)


def _product_snapshot(product: Product, breaks=None) -> dict:
    data = audit.snapshot(product, fields=PRODUCT_AUDIT_FIELDS)
    if breaks is not None:
        data["price_breaks"] = audit.to_json(
            [{"min_quantity": b.min_quantity, "unit_price": b.unit_price} for b in breaks]
        )
    return data


def _lock_product(product: Product | int) -> Product:
    pk = product if isinstance(product, int) else product.pk
    return Product.objects.select_for_update().get(pk=pk)


def _locked_open_revision(product: Product) -> ProductRevision | None:
    return (
        ProductRevision.objects.select_for_update()
        .filter(product=product, status__in=OPEN_REVISION_STATUSES)
        .first()
    )


def _next_revision_number(product: Product) -> int:
    current = ProductRevision.objects.filter(product=product).aggregate(n=Max("number"))["n"]
    return (current or 0) + 1


def _check_content(content: ProductContent) -> None:
    errors = content_errors(content)
    if errors:
        raise DomainError("The listing is not valid.", errors=errors)


def validated_sku(sku: str) -> str:
    sku = (sku or "").strip()
    try:
        Product._meta.get_field("sku").clean(sku, None)
    except ValidationError as error:
        raise DomainError("The SKU is not valid.", errors={"sku": error.messages}) from error
    return sku


def _sku_taken_error(sku: str) -> DomainError:
    return DomainError(f"This supplier already has a product with SKU {sku}.", field="sku")


def require_editor(actor: User, supplier_id: int) -> None:
    if not can_edit_listings_of(actor, supplier_id):
        raise NotPermitted("Only the supplier's listing editors can change its listings.")


def _require_reviewer(actor: User, supplier: Organisation | None = None) -> None:
    """A catalogue manager, and (once the item is locked) not an editor of its supplier."""
    if not can_review_catalogue(actor):
        raise NotPermitted("Only the ICT company's catalogue managers can decide this.")
    if supplier is not None and not may_review_listings_of(actor, supplier.pk):
        raise NotPermitted(review_refusal(actor, supplier))


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(f"Give a reason for the {what}.", field="reason")
    if len(reason) > 2000:
        raise DomainError("The reason must be 2,000 characters or fewer.", field="reason")
    return reason


def _replace_price_breaks(product: Product, content: ProductContent) -> list[PriceBreak]:
    PriceBreak.objects.filter(product=product).delete()
    return PriceBreak.objects.bulk_create(
        PriceBreak(product=product, min_quantity=t.min_quantity, unit_price=t.unit_price)
        for t in content.price_breaks
    )


def _apply_content(product: Product, content: ProductContent) -> None:
    for name, value in content.model_fields().items():
        setattr(product, name, value)


def _revision_from(product: Product, content: ProductContent, actor: User, status: str):
    return ProductRevision(
        product=product,
        number=_next_revision_number(product),
        status=status,
        price_breaks=content.breaks_json(),
        created_by=actor,
        **content.model_fields(),
    )


def _after_content_change(product_ids: list[int]) -> None:
    """Keep the search vector and compliance (the category may have moved) current."""
    refresh_search_vectors(product_ids)
    compliance.refresh(product_ids)


# Categories.


def _require_category_manager(actor: User) -> None:
    if not can_manage_categories(actor):
        raise NotPermitted("Only the ICT company's catalogue managers can change categories.")


def _validated_category(category: Category) -> Category:
    try:
        category.full_clean(exclude=["parent", "required_standards"])
    except ValidationError as error:
        raise DomainError("The category is not valid.", errors=error.message_dict) from error
    return category


def _products_under(category_ids: Iterable[int]) -> list[int]:
    return list(
        Product.objects.filter(category_id__in=list(category_ids)).values_list("pk", flat=True)
    )


def _category_snapshot(category: Category) -> dict:
    data = audit.snapshot(category)
    data["required_standards"] = sorted(
        category.required_standards.values_list("reference", flat=True)
    )
    return data


@transaction.atomic
def category_create(
    *,
    actor: User,
    name: str,
    slug: str,
    cpv_code: str,
    parent: Category | None = None,
    description: str = "",
    required_standards: Iterable[Standard] = (),
) -> Category:
    _require_category_manager(actor)
    if parent is not None:
        parent = Category.objects.select_for_update().get(pk=parent.pk)
    category = _validated_category(
        Category(
            name=(name or "").strip(),
            slug=(slug or "").strip(),
            cpv_code=(cpv_code or "").strip(),
            parent=parent,
            description=description or "",
        )
    )
    category.save()
    category.required_standards.set(list(required_standards))
    audit.record(
        actor=actor,
        action=CatalogueAudit.CATEGORY_CREATED,
        obj=category,
        after=_category_snapshot(category),
    )
    return category


@transaction.atomic
def category_update(
    *,
    category: Category,
    actor: User,
    name: str | None = None,
    slug: str | None = None,
    cpv_code: str | None = None,
    description: str | None = None,
    required_standards: Iterable[Standard] | None = None,
) -> Category:
    """Change a category's own fields. Moving it is ``category_move``."""
    _require_category_manager(actor)
    locked = Category.objects.select_for_update().get(pk=category.pk)
    before = _category_snapshot(locked)
    old_cpv = locked.cpv_code
    for field, value in (
        ("name", name),
        ("slug", slug),
        ("cpv_code", cpv_code),
        ("description", description),
    ):
        if value is not None:
            setattr(locked, field, value.strip() if field != "description" else value)
    _validated_category(locked)
    locked.save()
    standards_changed = False
    if required_standards is not None:
        new = {s.pk for s in required_standards}
        old = set(locked.required_standards.values_list("pk", flat=True))
        if new != old:
            locked.required_standards.set(sorted(new))
            standards_changed = True
    if locked.cpv_code != old_cpv:
        refresh_search_vectors(_products_under([locked.pk]))
    if standards_changed:
        tree = CategoryTree.load()
        compliance.refresh(_products_under(tree.descendant_ids(locked.pk)))
    audit.record(
        actor=actor,
        action=CatalogueAudit.CATEGORY_UPDATED,
        obj=locked,
        before=before,
        after=_category_snapshot(locked),
    )
    return locked


@transaction.atomic
def category_move(*, category: Category, new_parent: Category | None, actor: User) -> Category:
    """Move a category (and its subtree) under another parent, or to the top level.

    Every category row is locked first, so two moves at once cannot build a cycle
    between them; then a category cannot go under itself or its own descendants.
    """
    _require_category_manager(actor)
    list(Category.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    tree = CategoryTree.load()
    locked = tree.by_id.get(category.pk)
    if locked is None:
        raise DomainError("This category no longer exists.", field="category")
    subtree = tree.descendant_ids(locked.pk)
    if new_parent is not None:
        if new_parent.pk not in tree.by_id:
            raise DomainError("The new parent category does not exist.", field="parent")
        if new_parent.pk in subtree:
            raise DomainError(
                "A category cannot be moved under itself or one of its own subcategories.",
                field="parent",
            )
    before = {"parent": locked.parent_id}
    locked.parent_id = new_parent.pk if new_parent is not None else None
    locked.save(update_fields=["parent"])
    # Required standards are inherited from ancestors: the subtree's may have changed.
    compliance.refresh(_products_under(subtree))
    audit.record(
        actor=actor,
        action=CatalogueAudit.CATEGORY_MOVED,
        obj=locked,
        before=before,
        after={"parent": locked.parent_id},
    )
    return locked


# Products.


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
        raise _sku_taken_error(sku)
    product = Product(supplier=supplier, sku=sku, status=ProductStatus.DRAFT, created_by=actor)
    _apply_content(product, content)
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as error:
        raise _sku_taken_error(sku) from error
    breaks = _replace_price_breaks(product, content)
    refresh_search_vectors([product.pk])
    audit.record(
        actor=actor,
        action=CatalogueAudit.PRODUCT_CREATED,
        obj=product,
        organisation=supplier,
        after=_product_snapshot(product, breaks),
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
    locked = _lock_product(product)
    require_editor(actor, locked.supplier_id)
    _check_content(content)
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
            raise _sku_taken_error(new_sku)
        locked.sku = new_sku

    if locked.status in EDITABLE_STATUSES:
        before = _product_snapshot(locked, locked.price_breaks.all())
        _apply_content(locked, content)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as error:
            raise _sku_taken_error(locked.sku) from error
        breaks = _replace_price_breaks(locked, content)
        _after_content_change([locked.pk])
        audit.record(
            actor=actor,
            action=CatalogueAudit.PRODUCT_UPDATED,
            obj=locked,
            organisation=locked.supplier,
            before=before,
            after=_product_snapshot(locked, breaks),
        )
        return locked

    # Published: propose the change as a revision.
    if content == ProductContent.of_product(locked):
        existing = _locked_open_revision(locked)
        if existing is None:
            raise DomainError("Nothing has changed: this is the published listing.")
    revision = _locked_open_revision(locked)
    if revision is not None and revision.status == RevisionStatus.SUBMITTED:
        raise InvalidTransition(
            "A change to this product is already awaiting review: wait for the decision, "
            "or withdraw that change first."
        )
    if revision is None:
        revision = _revision_from(locked, content, actor, RevisionStatus.DRAFT)
        revision.save()
        action, revision_before = CatalogueAudit.REVISION_CREATED, None
    else:
        revision_before = audit.snapshot(revision, fields=REVISION_AUDIT_FIELDS)
        for name, value in content.model_fields().items():
            setattr(revision, name, value)
        revision.price_breaks = content.breaks_json()
        revision.save()
        action = CatalogueAudit.REVISION_UPDATED
    audit.record(
        actor=actor,
        action=action,
        obj=revision,
        organisation=locked.supplier,
        before=revision_before,
        after=audit.snapshot(revision, fields=REVISION_AUDIT_FIELDS),
    )
    return locked


@transaction.atomic
def product_submit(*, product: Product, actor: User) -> Product:
    """Send a listing (or the open change to a published one) for review."""
    locked = _lock_product(product)
    require_editor(actor, locked.supplier_id)
    now = timezone.now()
    if locked.status == ProductStatus.PUBLISHED:
        revision = _locked_open_revision(locked)
        if revision is None:
            raise InvalidTransition("There are no changes to submit.")
        REVISION.check(revision, RevisionStatus.SUBMITTED)
        _check_content(ProductContent.of_revision(revision))
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
    _check_content(content)
    # The first revision is created already submitted, as the product's content.
    revision = _revision_from(locked, content, actor, RevisionStatus.SUBMITTED)
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
def product_approve(*, product: Product, actor: User) -> Product:
    """Publish a submitted product, or apply the submitted change to a published one."""
    _require_reviewer(actor)
    locked = _lock_product(product)
    _require_reviewer(actor, locked.supplier)
    revision = _locked_open_revision(locked)
    if revision is None or revision.status != RevisionStatus.SUBMITTED:
        raise InvalidTransition("Nothing about this product is awaiting review.")
    if locked.status not in (ProductStatus.SUBMITTED, ProductStatus.PUBLISHED):
        raise InvalidTransition("Nothing about this product is awaiting review.")
    now = timezone.now()
    before = _product_snapshot(locked, locked.price_breaks.all())
    content = ProductContent.of_revision(revision)
    _check_content(content)
    first_publication = locked.status == ProductStatus.SUBMITTED
    _apply_content(locked, content)
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
    breaks = _replace_price_breaks(locked, content)
    REVISION.change(
        revision,
        RevisionStatus.APPROVED,
        changes={"decided_by": actor, "decided_at": now, "decision_reason": ""},
    )
    _after_content_change([locked.pk])
    audit.record(
        actor=actor,
        action=CatalogueAudit.PRODUCT_PUBLISHED
        if first_publication
        else CatalogueAudit.REVISION_APPROVED,
        obj=locked,
        organisation=locked.supplier,
        before=before,
        after={**_product_snapshot(locked, breaks), "revision": revision.number},
    )
    return locked


@transaction.atomic
def product_reject(*, product: Product, actor: User, reason: str) -> Product:
    """Refuse a submitted product (it becomes editable again) or a submitted change
    to a published one (the published listing stays as it is)."""
    _require_reviewer(actor)
    reason = _reason(reason, "rejection")
    locked = _lock_product(product)
    _require_reviewer(actor, locked.supplier)
    revision = _locked_open_revision(locked)
    if revision is None or revision.status != RevisionStatus.SUBMITTED:
        raise InvalidTransition("Nothing about this product is awaiting review.")
    now = timezone.now()
    before = _product_snapshot(locked)
    REVISION.change(
        revision,
        RevisionStatus.REJECTED,
        changes={"decided_by": actor, "decided_at": now, "decision_reason": reason},
    )
    if locked.status == ProductStatus.SUBMITTED:
        PRODUCT.change(locked, ProductStatus.REJECTED, changes={"rejection_reason": reason})
        action = CatalogueAudit.PRODUCT_REJECTED
    else:
        action = CatalogueAudit.REVISION_REJECTED
    audit.record(
        actor=actor,
        action=action,
        obj=locked,
        organisation=locked.supplier,
        before=before,
        after={**_product_snapshot(locked), "revision": revision.number, "reason": reason},
    )
    return locked


@transaction.atomic
def product_withdraw(*, product: Product, actor: User, reason: str) -> Product:
    """Take a published product out of the catalogue (the supplier or a catalogue manager).
    Any change awaiting review is discarded with it."""
    locked = _lock_product(product)
    if not can_withdraw_product(actor, locked.supplier_id):
        raise NotPermitted("Only the supplier or a catalogue manager can withdraw a listing.")
    reason = _reason(reason, "withdrawal")
    PRODUCT.check(locked, ProductStatus.WITHDRAWN)
    now = timezone.now()
    revision = _locked_open_revision(locked)
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
    locked = _lock_product(product)
    require_editor(actor, locked.supplier_id)
    revision = _locked_open_revision(locked)
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


# Conformance.


def _conformance_snapshot(conformance: Conformance) -> dict:
    return audit.snapshot(conformance, fields=CONFORMANCE_AUDIT_FIELDS)


@transaction.atomic
def conformance_claim(
    *,
    product: Product,
    standard_version: StandardVersion,
    evidence_file: UploadedFile,
    actor: User,
) -> Conformance:
    """The supplier claims that the product conforms to the adopted version of a standard,
    with a PDF of evidence. A catalogue manager then verifies or rejects the claim."""
    locked = _lock_product(product)
    require_editor(actor, locked.supplier_id)
    version = StandardVersion.objects.select_related("standard").get(pk=standard_version.pk)
    if version.standard.is_abolished or version.status != VersionStatus.ADOPTED:
        raise DomainError(
            "Claims can be made only against the adopted version of a standard in force.",
            field="standard_version",
        )
    if (
        Conformance.objects.filter(product=locked, standard_version=version)
        .exclude(status=ConformanceStatus.REJECTED)
        .exists()
    ):
        raise DomainError(
            f"This product already claims {version.standard.reference} v{version.version}.",
            field="standard_version",
        )
    evidence.check_pdf(evidence_file)
    conformance = Conformance(
        product=locked,
        standard_version=version,
        status=ConformanceStatus.CLAIMED,
        evidence_name=evidence.display_name(evidence_file),
        evidence_sha256=evidence.sha256_of(evidence_file),
        claimed_by=actor,
    )
    conformance.evidence.save("evidence.pdf", evidence_file, save=False)
    stored_name = conformance.evidence.name
    try:
        with transaction.atomic():
            conformance.save()
    except IntegrityError as error:
        conformance.evidence.storage.delete(stored_name)
        raise DomainError(
            f"This product already claims {version.standard.reference} v{version.version}.",
            field="standard_version",
        ) from error
    audit.record(
        actor=actor,
        action=CatalogueAudit.CONFORMANCE_CLAIMED,
        obj=conformance,
        organisation=locked.supplier,
        after=_conformance_snapshot(conformance),
    )
    return conformance


def _lock_conformance(conformance: Conformance) -> Conformance:
    return (
        Conformance.objects.select_for_update(of=("self",))
        .select_related("product__supplier", "standard_version__standard")
        .get(pk=conformance.pk)
    )


@transaction.atomic
def conformance_verify(*, conformance: Conformance, actor: User) -> Conformance:
    _require_reviewer(actor)
    locked = _lock_conformance(conformance)
    _require_reviewer(actor, locked.product.supplier)
    before = _conformance_snapshot(locked)
    CONFORMANCE.change(
        locked,
        ConformanceStatus.VERIFIED,
        changes={"decided_by": actor, "decided_at": timezone.now(), "decision_reason": ""},
    )
    # The products' compliance changes before the event: the audit takes the last lock.
    compliance.refresh([locked.product_id])
    audit.record(
        actor=actor,
        action=CatalogueAudit.CONFORMANCE_VERIFIED,
        obj=locked,
        organisation=locked.product.supplier,
        before=before,
        after=_conformance_snapshot(locked),
    )
    return locked


@transaction.atomic
def conformance_reject(*, conformance: Conformance, actor: User, reason: str) -> Conformance:
    """Refuse a claim, or revoke a verified one found wanting."""
    _require_reviewer(actor)
    reason = _reason(reason, "rejection")
    locked = _lock_conformance(conformance)
    _require_reviewer(actor, locked.product.supplier)
    before = _conformance_snapshot(locked)
    CONFORMANCE.change(
        locked,
        ConformanceStatus.REJECTED,
        changes={"decided_by": actor, "decided_at": timezone.now(), "decision_reason": reason},
    )
    compliance.refresh([locked.product_id])
    audit.record(
        actor=actor,
        action=CatalogueAudit.CONFORMANCE_REJECTED,
        obj=locked,
        organisation=locked.product.supplier,
        before=before,
        after=_conformance_snapshot(locked),
    )
    return locked
