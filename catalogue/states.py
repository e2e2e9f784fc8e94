"""The catalogue's state machines: products, their revisions and conformance claims.

A product is draft -> submitted -> published | rejected, published -> withdrawn; rejected
and withdrawn products can be edited and submitted again. A change to a published product
is a revision: draft -> submitted -> approved | rejected, or discarded (by the supplier, or
when the product is withdrawn). A conformance claim is claimed -> verified | rejected, and
a claimed or verified one lapses when its standard version is superseded or abolished.
"""

from accounts import audit
from catalogue.models import (
    Conformance,
    ConformanceStatus,
    Product,
    ProductRevision,
    ProductStatus,
    RevisionStatus,
)
from core.state import StateMachine, move
from standards.models import VersionStatus

P = ProductStatus
R = RevisionStatus
C = ConformanceStatus

PRODUCT_AUDIT_FIELDS = [
    "supplier",
    "sku",
    "status",
    "name",
    "summary",
    "description",
    "category",
    "unit",
    "list_price",
    "lead_time_days",
    "published_revision",
    "published_at",
    "rejection_reason",
    "withdrawn_at",
    "withdrawal_reason",
]
REVISION_AUDIT_FIELDS = [
    "product",
    "number",
    "status",
    "name",
    "summary",
    "description",
    "category",
    "unit",
    "list_price",
    "lead_time_days",
    "price_breaks",
    "submitted_at",
    "decided_by",
    "decided_at",
    "decision_reason",
]
CONFORMANCE_AUDIT_FIELDS = [
    "product",
    "standard_version",
    "status",
    "evidence_name",
    "evidence_sha256",
    "decided_by",
    "decided_at",
    "decision_reason",
    "lapses_at",
    "lapsed_at",
]


# Products.


def _product_refusal(product: Product, to: str) -> str:
    return (
        f"A {product.get_status_display().lower()} product cannot become "
        f"{ProductStatus(to).label.lower()}."
    )


PRODUCT: StateMachine[Product] = StateMachine(
    model=Product,
    table={
        P.DRAFT: [move(P.SUBMITTED)],
        P.REJECTED: [move(P.SUBMITTED)],
        P.WITHDRAWN: [move(P.SUBMITTED)],
        P.SUBMITTED: [move(P.PUBLISHED), move(P.REJECTED)],
        P.PUBLISHED: [move(P.WITHDRAWN)],
    },
    auditor=audit,
    audit_fields=PRODUCT_AUDIT_FIELDS,
    describe_refusal=_product_refusal,
)


# Revisions.


def _revision_refusal(revision: ProductRevision, to: str) -> str | None:
    if revision.status == R.SUBMITTED and to == R.SUBMITTED:
        return "These changes are already awaiting review."
    if to in (R.APPROVED, R.REJECTED):
        return "Nothing about this product is awaiting review."
    return None


REVISION: StateMachine[ProductRevision] = StateMachine(
    model=ProductRevision,
    table={
        R.DRAFT: [move(R.SUBMITTED), move(R.DISCARDED)],
        R.SUBMITTED: [move(R.APPROVED), move(R.REJECTED), move(R.DISCARDED)],
        R.APPROVED: [],
        R.REJECTED: [],
        R.DISCARDED: [],
    },
    auditor=audit,
    audit_fields=REVISION_AUDIT_FIELDS,
    describe_refusal=_revision_refusal,
)


# Conformance.


def standard_in_force(conformance: Conformance, **context: object) -> str | None:
    """A claim against an abolished standard cannot be verified."""
    version = conformance.standard_version
    if version.standard.is_abolished or version.status == VersionStatus.ABOLISHED:
        return "The standard has been abolished: the claim cannot be verified."
    return None


def _conformance_refusal(conformance: Conformance, to: str) -> str | None:
    state = conformance.get_status_display().lower()
    if to == C.VERIFIED:
        return f"This claim is {state}: only a claim awaiting verification can be verified."
    if to == C.REJECTED:
        return f"This claim is {state}: it cannot be rejected."
    return None


CONFORMANCE: StateMachine[Conformance] = StateMachine(
    model=Conformance,
    table={
        C.CLAIMED: [move(C.VERIFIED, standard_in_force), move(C.REJECTED), move(C.LAPSED)],
        # A verified claim found wanting is revoked (rejected).
        C.VERIFIED: [move(C.REJECTED), move(C.LAPSED)],
        C.REJECTED: [],
        C.LAPSED: [],
    },
    auditor=audit,
    audit_fields=CONFORMANCE_AUDIT_FIELDS,
    describe_refusal=_conformance_refusal,
)
