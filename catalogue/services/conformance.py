"""Conformance claims: a supplier claims a product conforms to a standard, with evidence; a
catalogue manager verifies or rejects the claim. (Lapsing is :mod:`catalogue.services.lapsing`.)"""

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from accounts.models import User
from catalogue.audit_actions import CatalogueAudit
from catalogue.domain import evidence
from catalogue.models import Conformance, ConformanceStatus, Product
from catalogue.services import compliance
from catalogue.services.common import lock_product, reason_given, require_editor, require_reviewer
from catalogue.states import CONFORMANCE, CONFORMANCE_AUDIT_FIELDS
from core.errors import DomainError
from standards.models import StandardVersion, VersionStatus


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
    locked = lock_product(product)
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
        after=audit.snapshot(conformance, fields=CONFORMANCE_AUDIT_FIELDS),
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
    require_reviewer(actor)
    locked = _lock_conformance(conformance)
    require_reviewer(actor, locked.product.supplier)
    with audit.audited(
        locked,
        actor=actor,
        action=CatalogueAudit.CONFORMANCE_VERIFIED,
        organisation=locked.product.supplier,
        fields=CONFORMANCE_AUDIT_FIELDS,
    ):
        CONFORMANCE.change(
            locked,
            ConformanceStatus.VERIFIED,
            changes={"decided_by": actor, "decided_at": timezone.now(), "decision_reason": ""},
        )
        # The products' compliance changes before the event: the audit takes the last lock.
        compliance.refresh([locked.product_id])
    return locked


@transaction.atomic
def conformance_reject(*, conformance: Conformance, actor: User, reason: str) -> Conformance:
    """Refuse a claim, or revoke a verified one found wanting."""
    require_reviewer(actor)
    reason = reason_given(reason, "rejection")
    locked = _lock_conformance(conformance)
    require_reviewer(actor, locked.product.supplier)
    with audit.audited(
        locked,
        actor=actor,
        action=CatalogueAudit.CONFORMANCE_REJECTED,
        organisation=locked.product.supplier,
        fields=CONFORMANCE_AUDIT_FIELDS,
    ):
        CONFORMANCE.change(
            locked,
            ConformanceStatus.REJECTED,
            changes={"decided_by": actor, "decided_at": timezone.now(), "decision_reason": reason},
        )
        compliance.refresh([locked.product_id])
    return locked
