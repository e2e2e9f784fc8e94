"""Joint requisitions: forces pool demand for one product; the pooled quantity sets the
price; each force's finance approves its share; the ICT company awards; documents follow."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.limits import MAX_QUANTITY_PER_FORCE, MONEY_DIGITS

HALF_PENNY = Decimal("0.005")


class ThresholdKind(models.TextChoices):
    SIGN_OFF = "sign_off", "Procurement threshold (commercial lead sign-off)"
    NOTIFIABLE = "notifiable", "Notifiable award (must be published)"


class ProcurementThreshold(models.Model):
    """A dated threshold, e.g. GBP 207,720 including VAT from 2026-01-01. The one in force on
    a day is the one with the latest ``effective_from`` on or before it."""

    kind = models.CharField(max_length=20, choices=ThresholdKind.choices)
    amount = models.DecimalField(**MONEY_DIGITS)
    includes_vat = models.BooleanField(default=True)
    effective_from = models.DateField()
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "effective_from"], name="threshold_one_per_kind_and_date"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="threshold_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount} from {self.effective_from}"


class SignOffGrounds(models.TextChoices):
    """Why the commercial lead signed a requisition off (``procurement.policies.sign_off``)."""

    THRESHOLD = "threshold", "The order total reaches the procurement threshold"
    SPLIT = "split", "A split purchase"
    THRESHOLD_AND_SPLIT = (
        "threshold_and_split",
        "The order total reaches the procurement threshold, and a split purchase",
    )
    VOLUNTARY = "voluntary", "Voluntary: below the threshold, no split purchase"


class RequisitionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed, awaiting approval"
    APPROVED = "approved", "Approved"
    AWARDED = "awarded", "Awarded"
    CONTRACTED = "contracted", "Contracted"
    CANCELLED = "cancelled", "Cancelled"


class JointRequisition(models.Model):
    """One product, many forces. Pricing fields are fixed when it closes."""

    ocid = models.CharField("OCDS ocid", max_length=100, unique=True)
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.PROTECT, related_name="joint_requisitions"
    )
    product_revision = models.ForeignKey(
        "catalogue.ProductRevision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The published revision when the requisition opened.",
    )
    locked_price_breaks = models.JSONField(
        default=list,
        blank=True,
        help_text="The price breaks in force when the requisition opened "
        '([{"min_quantity": 1, "unit_price": "9.00"}, ...]): the pool is priced from them.',
    )
    lead_force = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="led_requisitions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    closes_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=RequisitionStatus.choices, default=RequisitionStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Fixed at close.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    total_quantity = models.PositiveIntegerField(null=True, blank=True)
    pooled_unit_price = models.DecimalField(**MONEY_DIGITS, null=True, blank=True)
    price_break_min_quantity = models.PositiveIntegerField(null=True, blank=True)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    subtotal = models.DecimalField(**MONEY_DIGITS, null=True, blank=True)
    vat = models.DecimalField(**MONEY_DIGITS, null=True, blank=True)
    total = models.DecimalField(**MONEY_DIGITS, null=True, blank=True)

    # Sign-off (whether it is needed is the live rule ``needs_sign_off`` below), award and
    # cancellation.
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_grounds = models.CharField(max_length=30, choices=SignOffGrounds.choices, blank=True)
    sign_off_reasons = models.TextField(
        blank=True, help_text="The commercial lead's reasons (required for a split purchase)."
    )
    sign_off_evidence = models.JSONField(
        null=True,
        blank=True,
        help_text="What the rules found at sign-off: the threshold and any split purchase.",
    )
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    awarded_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(blank=True)

    # Set when the scheduled close could not close it (e.g. the product lapsed), so that the
    # lead force is told once, not every minute.
    close_blocked_reason = models.TextField(blank=True)
    close_blocked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RequisitionStatus.values),
                name="requisition_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "closes_at"], name="requisition_closing_idx"),
        ]

    def __str__(self) -> str:
        return self.title or f"Joint requisition {self.pk}"

    @property
    def needs_sign_off(self) -> bool:
        """The live rule (never a stored flag that a threshold change could leave stale)."""
        # Imported here: the policies import these models (a cycle at import time).
        from procurement.policies.sign_off import needs_sign_off

        return needs_sign_off(self)


class ParticipationStatus(models.TextChoices):
    ACTIVE = "active", "Taking part"
    WITHDRAWN = "withdrawn", "Withdrawn"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting finance approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected by finance"
    RELEASED = "released", "Released by the commercial lead"


class Participation(models.Model):
    """A force's part in a joint requisition: one per force per requisition."""

    joint_requisition = models.ForeignKey(
        JointRequisition, on_delete=models.CASCADE, related_name="participations"
    )
    force = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="participations"
    )
    quantity = models.PositiveIntegerField()
    delivery_address = models.TextField()
    cost_centre = models.CharField(max_length=50)
    needed_by = models.DateField(null=True, blank=True)
    internal_note = models.TextField(blank=True, help_text="Seen only by the force's own users.")
    status = models.CharField(
        max_length=20, choices=ParticipationStatus.choices, default=ParticipationStatus.ACTIVE
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    last_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Fixed at close (and recomputed if a rejected share changes the price).
    share = models.DecimalField(**MONEY_DIGITS, null=True, blank=True)
    vat = models.DecimalField(**MONEY_DIGITS, null=True, blank=True)
    approval_round = models.PositiveIntegerField(
        default=1, help_text="Raised when the share is recomputed and needs approving again."
    )
    split_purchase_flag = models.JSONField(
        null=True, blank=True, help_text="Set when earlier awarded shares add up to a threshold."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["joint_requisition", "force__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["joint_requisition", "force"],
                name="participation_one_per_force",
                violation_error_message="This force already takes part in this requisition.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="participation_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity__lte=MAX_QUANTITY_PER_FORCE),
                name="participation_quantity_not_absurd",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ParticipationStatus.values),
                name="participation_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.force} x{self.quantity} in {self.joint_requisition}"


class ParticipationQuantityChange(models.Model):
    """Who set a participation's quantity, each time it was set (at start, join, rejoin and
    change): nobody here may approve or reject the share (separation of duties)."""

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="quantity_changes"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    old_quantity = models.PositiveIntegerField(null=True, blank=True)
    new_quantity = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["participation", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.user} set {self.participation} to {self.new_quantity}"


class ApprovalDecision(models.TextChoices):
    APPROVE = "approve", "Approved"
    REJECT = "reject", "Rejected"


class Approval(models.Model):
    """A finance user's decision on a force's share, with their limit at the time."""

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="approvals"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=ApprovalDecision.choices)
    comment = models.TextField(blank=True)
    amount = models.DecimalField(**MONEY_DIGITS, help_text="The share (incl. VAT) decided on.")
    approver_limit = models.DecimalField(**MONEY_DIGITS)
    round = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["participation", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "approver", "round"],
                name="approval_once_per_approver_and_round",
                violation_error_message="You have already decided on this share.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.approver} {self.decision} {self.participation}"


class OrderStatus(models.TextChoices):
    PLACED = "placed", "Placed, documents being prepared"
    CONTRACTED = "contracted", "Contracted, documents ready"
    CANCELLED = "cancelled", "Cancelled"


class Order(models.Model):
    """The order to the supplier created on award, with a line per participating force."""

    joint_requisition = models.OneToOneField(
        JointRequisition, on_delete=models.PROTECT, related_name="order"
    )
    number = models.CharField(max_length=30, unique=True)
    supplier = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    unit_price = models.DecimalField(**MONEY_DIGITS)
    subtotal = models.DecimalField(**MONEY_DIGITS)
    vat = models.DecimalField(**MONEY_DIGITS)
    total = models.DecimalField(**MONEY_DIGITS)
    notifiable = models.BooleanField(
        default=False, help_text="At or above the notifiable threshold: the award is published."
    )
    documents_requested_at = models.DateTimeField(null=True, blank=True)
    contracted_at = models.DateTimeField(
        null=True, blank=True, help_text="When every contract document was ready."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Within half a penny, not equal: SQLite compares decimals as floats, where
            # 39.22 + 7.84 is not 47.06. Amounts have two places, so on PostgreSQL's exact
            # numerics this is the same as equality.
            models.CheckConstraint(
                condition=Q(total__gt=models.F("subtotal") + models.F("vat") - HALF_PENNY)
                & Q(total__lt=models.F("subtotal") + models.F("vat") + HALF_PENNY),
                name="order_total_is_subtotal_plus_vat",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    participation = models.OneToOneField(
        Participation, on_delete=models.PROTECT, related_name="order_line"
    )
    force = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY_DIGITS)
    share = models.DecimalField(**MONEY_DIGITS, help_text="Net of VAT.")
    vat = models.DecimalField(**MONEY_DIGITS)
    total = models.DecimalField(**MONEY_DIGITS)
    delivery_address = models.TextField()
    cost_centre = models.CharField(max_length=50)

    class Meta:
        ordering = ["order", "force__name"]
        constraints = [
            models.UniqueConstraint(fields=["order", "force"], name="order_line_one_per_force"),
        ]

    def __str__(self) -> str:
        return f"{self.order}: {self.force} x{self.quantity}"


class DocumentKind(models.TextChoices):
    CONTRACT = "contract", "Call-off contract"
    PURCHASE_ORDER = "purchase_order", "Purchase order"


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


def document_upload_to(instance, filename: str) -> str:
    return f"documents/{secrets.token_urlsafe(24)}.pdf"


class Document(models.Model):
    """An issued document: a snapshot, a file and its hash. A regeneration is a new version."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    force = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For a purchase order: the force it is for.",
    )
    version = models.PositiveIntegerField(default=1)
    number = models.CharField(max_length=40)
    status = models.CharField(
        max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=document_upload_to, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    snapshot = models.JSONField(
        default=dict, help_text="What the document says, fixed when it was requested."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "kind", "force__name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind", "version"],
                condition=Q(force__isnull=True),
                name="document_unique_without_force",
            ),
            models.UniqueConstraint(
                fields=["order", "kind", "force", "version"],
                condition=Q(force__isnull=False),
                name="document_unique_per_force",
            ),
            models.CheckConstraint(
                condition=Q(kind="contract", force__isnull=True)
                | Q(kind="purchase_order", force__isnull=False),
                name="document_force_only_on_purchase_orders",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} v{self.version}"


class OcdsRelease(models.Model):
    """A published OCDS 1.1 release: immutable once written, like any publication."""

    joint_requisition = models.ForeignKey(
        JointRequisition, on_delete=models.PROTECT, related_name="ocds_releases"
    )
    release_id = models.CharField(max_length=150, unique=True)
    tag = models.CharField(max_length=30)
    date = models.DateTimeField(db_index=True)
    data = models.JSONField()
    pool = models.JSONField(
        default=dict,
        blank=True,
        help_text="For a tender release: each participating force's quantity by its slug.",
    )

    class Meta:
        ordering = ["date", "pk"]
        constraints = [
            # One release per event (opened, cancelled, awarded, contracted); the pool's
            # updates (tenderUpdate) are as many as the pool's changes, each its own id.
            models.UniqueConstraint(
                fields=["joint_requisition", "tag"],
                condition=~Q(tag="tenderUpdate"),
                name="ocds_release_one_per_event",
            ),
        ]
        indexes = [
            models.Index(fields=["joint_requisition", "tag", "date"], name="ocds_release_tag_idx"),
        ]

    def __str__(self) -> str:
        return self.release_id


class OcdsPendingUpdate(models.Model):
    """A pool change not yet published because a tender release went out less than a minute
    ago: the tender update that reflects the pool as it then is goes out at ``due_at``."""

    joint_requisition = models.OneToOneField(
        JointRequisition, on_delete=models.CASCADE, related_name="ocds_pending_update"
    )
    due_at = models.DateTimeField(db_index=True)
    changed_at = models.DateTimeField(help_text="The latest pool change it stands for.")

    def __str__(self) -> str:
        return f"Tender update of {self.joint_requisition_id} due at {self.due_at}"
