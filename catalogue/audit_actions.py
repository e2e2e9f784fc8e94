"""What the catalogue app's audit events record (``AuditEvent.action``), each named once."""

from accounts.audit import AuditAction


class CatalogueAudit(AuditAction):
    CATEGORY_CREATED = "category.created"
    CATEGORY_MOVED = "category.moved"
    CATEGORY_UPDATED = "category.updated"
    CONFORMANCE_CLAIMED = "conformance.claimed"
    CONFORMANCE_LAPSED = "conformance.lapsed"
    CONFORMANCE_LAPSE_SCHEDULED = "conformance.lapse_scheduled"
    CONFORMANCE_REJECTED = "conformance.rejected"
    CONFORMANCE_VERIFIED = "conformance.verified"
    PRODUCT_CREATED = "product.created"
    PRODUCT_IMPORTED = "product.imported"
    PRODUCT_PUBLISHED = "product.published"
    PRODUCT_REJECTED = "product.rejected"
    PRODUCT_SUBMITTED = "product.submitted"
    PRODUCT_UPDATED = "product.updated"
    PRODUCT_WITHDRAWN = "product.withdrawn"
    REVISION_APPROVED = "revision.approved"
    REVISION_CREATED = "revision.created"
    REVISION_DISCARDED = "revision.discarded"
    REVISION_REJECTED = "revision.rejected"
    REVISION_SUBMITTED = "revision.submitted"
    REVISION_UPDATED = "revision.updated"
