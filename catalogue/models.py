"""The catalogue: CPV categories, supplier products with reviewed revisions, price breaks
and conformance to the network code's standards."""

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from core.cpv import validate_cpv_code
from core.limits import MONEY_DIGITS, SMALLEST_PRICE
from core.text import SingleLineValidator


class Category(models.Model):
    """A node of the category tree. Each carries a CPV code; descendants inherit filters."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=200, validators=[SingleLineValidator("name")])
    slug = models.SlugField(max_length=100, unique=True)
    cpv_code = models.CharField(
        "CPV code", max_length=10, unique=True, validators=[validate_cpv_code]
    )
    description = models.TextField(blank=True)
    required_standards = models.ManyToManyField(
        "standards.Standard",
        blank=True,
        related_name="required_by_categories",
        help_text="Products in this category (and its subcategories) must conform to these.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="category_not_its_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.cpv_code})"


class Unit(models.TextChoices):
    EACH = "each", "each"
    LICENCE = "licence", "licence"
    USER_PER_MONTH = "user_per_month", "user per month"
    USER_PER_YEAR = "user_per_year", "user per year"
    DEVICE_PER_YEAR = "device_per_year", "device per year"
    DAY = "day", "day"
    PACK = "pack", "pack"


class ProductStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for review"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Product(models.Model):
    """A supplier's listing. Its content fields are what buyers see: the last approved
    revision once published, the supplier's working copy before that."""

    supplier = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="products"
    )
    sku = models.CharField(
        "SKU",
        max_length=64,
        validators=[
            SingleLineValidator("SKU"),
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
                "Use letters, digits, dots, slashes, hyphens and underscores only, "
                "starting with a letter or digit.",
            ),
        ],
    )
    status = models.CharField(
        max_length=20, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    name = models.CharField(max_length=200, validators=[SingleLineValidator("name")])
    summary = models.CharField(
        max_length=300, blank=True, validators=[SingleLineValidator("summary")]
    )
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.EACH)
    list_price = models.DecimalField(**MONEY_DIGITS, validators=[MinValueValidator(SMALLEST_PRICE)])
    lead_time_days = models.PositiveIntegerField(default=0)
    published_revision = models.ForeignKey(
        "ProductRevision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The approved revision whose content buyers see.",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    is_compliant = models.BooleanField(
        default=False,
        db_index=True,
        help_text="Kept up to date by catalogue.compliance from the product's conformance.",
    )
    search_vector = SearchVectorField(null=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "sku"],
                name="product_sku_unique_per_supplier",
                violation_error_message="This supplier already has a product with this SKU.",
            ),
            models.CheckConstraint(
                condition=Q(list_price__gt=0), name="product_list_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProductStatus.values), name="product_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "category"], name="product_status_category_idx"),
            models.Index(fields=["status", "list_price"], name="product_status_price_idx"),
            GinIndex(fields=["search_vector"], name="product_search_vector_idx"),
            # The catalogue's default order and "newest first", read in order a page at a time.
            models.Index(fields=["name", "id"], name="product_name_idx"),
            models.Index(
                Coalesce("published_at", "created_at").desc(),
                F("id").desc(),
                name="product_newest_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @property
    def is_published(self) -> bool:
        return self.status == ProductStatus.PUBLISHED


class SearchTerm(models.Model):
    """A word of published products' names and summaries, and how many products use it: the
    vocabulary that "did you mean" corrects a misspelt search against (trigram distance,
    GiST-indexed), a few thousand rows rather than every product.

    On PostgreSQL, triggers on ``catalogue_product`` keep it up to date whatever writes the
    products (migration 0005, ``catalogue.services.search_index``); elsewhere it stays empty.
    """

    term = models.CharField(max_length=100, primary_key=True)
    products = models.IntegerField()

    class Meta:
        indexes = [
            GistIndex(fields=["term"], name="search_term_trgm_idx", opclasses=["gist_trgm_ops"])
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.products})"


class FacetCount(models.Model):
    """How many published products each category, supplier and compliance have together:
    the catalogue's facets and counts without a query word, summed from a few thousand rows
    instead of counted over every product. Kept up to date like :class:`SearchTerm`."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    is_compliant = models.BooleanField()
    products = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "supplier", "is_compliant"], name="facet_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category_id}/{self.supplier_id}/{self.is_compliant}: {self.products}"


class PriceBreak(models.Model):
    """A volume tier of a product's live price: from ``min_quantity`` units, ``unit_price`` each."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_breaks")
    min_quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(**MONEY_DIGITS, validators=[MinValueValidator(SMALLEST_PRICE)])

    class Meta:
        ordering = ["product", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "min_quantity"], name="price_break_quantity_unique"
            ),
            models.CheckConstraint(condition=Q(min_quantity__gte=1), name="price_break_min_qty"),
            models.CheckConstraint(
                condition=Q(unit_price__gt=0), name="price_break_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.min_quantity}+ at {self.unit_price}"


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    DISCARDED = "discarded", "Discarded"


# A product has at most one revision in these states (see revision_one_open_per_product).
OPEN_REVISION_STATUSES = (RevisionStatus.DRAFT, RevisionStatus.SUBMITTED)


class ProductRevision(models.Model):
    """A snapshot of a product's content proposed for review. Kept for ever, so revisions
    can be compared; the approved ones are the product's publication history."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=20, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT
    )
    name = models.CharField(max_length=200, validators=[SingleLineValidator("name")])
    summary = models.CharField(
        max_length=300, blank=True, validators=[SingleLineValidator("summary")]
    )
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(max_length=20, choices=Unit.choices)
    list_price = models.DecimalField(**MONEY_DIGITS)
    lead_time_days = models.PositiveIntegerField()
    price_breaks = models.JSONField(
        default=list, help_text='[{"min_quantity": 1, "unit_price": "10.00"}, ...]'
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["product", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="revision_number_unique"),
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(status__in=["draft", "submitted"]),
                name="revision_one_open_per_product",
                violation_error_message="This product already has a revision in progress.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} revision {self.number}"


class ConformanceStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed, awaiting verification"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"
    LAPSED = "lapsed", "Lapsed"


def evidence_upload_to(instance, filename: str) -> str:
    return f"evidence/{uuid.uuid4().hex}.pdf"


class Conformance(models.Model):
    """A supplier's claim that a product meets a standard version, verified by the ICT company.

    A verified conformance lapses when its version is superseded (after the transition
    period, at ``lapses_at``) or abolished (at once).
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="conformances")
    standard_version = models.ForeignKey(
        "standards.StandardVersion", on_delete=models.PROTECT, related_name="conformances"
    )
    status = models.CharField(
        max_length=20, choices=ConformanceStatus.choices, default=ConformanceStatus.CLAIMED
    )
    evidence = models.FileField(upload_to=evidence_upload_to, blank=True)
    evidence_name = models.CharField(max_length=255, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    claimed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    lapses_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the version is superseded: end of transition."
    )
    lapsed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["product", "standard_version"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "standard_version"],
                condition=~Q(status="rejected"),
                name="conformance_one_live_claim_per_version",
                violation_error_message="This product already claims this standard version.",
            ),
        ]
        indexes = [models.Index(fields=["status", "lapses_at"], name="conformance_lapse_idx")]

    def __str__(self) -> str:
        return f"{self.product} conforms to {self.standard_version} ({self.status})"
