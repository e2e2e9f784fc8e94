"""Users, the organisations they act for, their roles, and the audit trail."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, NoReturn, TypeVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.limits import MONEY_DIGITS
from core.text import SingleLineValidator


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields: Any) -> "User":
        if not email:
            raise ValueError("Users must have an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> "User":
        """Sign-in ignores the case of the email address (all are stored in lower case)."""
        return self.get(email=(username or "").strip().lower())

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with their email address; acts through memberships."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(
        max_length=150, blank=True, validators=[SingleLineValidator("full name")]
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class OrganisationKind(models.TextChoices):
    ICT_COMPANY = "ict_company", "ICT company"
    FORCE = "force", "Police force"
    SUPPLIER = "supplier", "Supplier"


class Role(models.TextChoices):
    CATALOGUE_MANAGER = "catalogue_manager", "Catalogue manager"
    COMMERCIAL_LEAD = "commercial_lead", "Commercial lead"
    STANDARDS_SECRETARY = "standards_secretary", "Standards secretary"
    BUYER = "buyer", "Buyer"
    FINANCE = "finance", "Finance approver"
    DELEGATE = "delegate", "Delegate"
    SUPPLIER_EDITOR = "supplier_editor", "Supplier editor"


ROLES_BY_KIND: dict[str, frozenset[str]] = {
    OrganisationKind.ICT_COMPANY: frozenset(
        {Role.CATALOGUE_MANAGER, Role.COMMERCIAL_LEAD, Role.STANDARDS_SECRETARY}
    ),
    OrganisationKind.FORCE: frozenset({Role.BUYER, Role.FINANCE, Role.DELEGATE}),
    OrganisationKind.SUPPLIER: frozenset({Role.SUPPLIER_EDITOR}),
}


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def ict_company(self) -> "Organisation | None":
        """The one ICT company (a constraint allows no second), or None before it exists."""
        return self.filter(kind=OrganisationKind.ICT_COMPANY).first()


class Organisation(models.Model):
    """The ICT company, a police force or a supplier."""

    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    name = models.CharField(max_length=200, unique=True, validators=[SingleLineValidator("name")])
    slug = models.SlugField(max_length=80, unique=True)
    officer_headcount = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Forces only: the weight of the force's vote under the network code.",
    )
    address = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=OrganisationKind.FORCE,
                        officer_headcount__isnull=False,
                        officer_headcount__gt=0,
                    )
                )
                | (~Q(kind=OrganisationKind.FORCE) & Q(officer_headcount__isnull=True)),
                name="organisation_headcount_for_forces_only",
                violation_error_message=(
                    "A force needs an officer headcount above zero; other organisations have none."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind=OrganisationKind.ICT_COMPANY),
                name="organisation_one_ict_company",
                violation_error_message="There is only one ICT company.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_force(self) -> bool:
        return self.kind == OrganisationKind.FORCE

    @property
    def is_supplier(self) -> bool:
        return self.kind == OrganisationKind.SUPPLIER

    @property
    def is_ict_company(self) -> bool:
        return self.kind == OrganisationKind.ICT_COMPANY


class Membership(models.Model):
    """A user's role in an organisation. One user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    approval_limit = models.DecimalField(
        **MONEY_DIGITS,
        null=True,
        blank=True,
        help_text="Finance approvers only: the largest share (GBP, incl. VAT) they may approve.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                name="membership_unique_role",
                violation_error_message="This user already has this role here.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        role=Role.FINANCE,
                        approval_limit__isnull=False,
                        approval_limit__gte=Decimal("0.00"),
                    )
                )
                | (~Q(role=Role.FINANCE) & Q(approval_limit__isnull=True)),
                name="membership_approval_limit_for_finance_only",
                violation_error_message=(
                    "Finance approvers need an approval limit of zero or more; "
                    "other roles have none."
                ),
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} at {self.organisation}"

    def clean(self) -> None:
        super().clean()
        if self.organisation_id and self.role:
            allowed = ROLES_BY_KIND[self.organisation.kind]
            if self.role not in allowed:
                raise ValidationError(
                    {
                        "role": (
                            f"A {self.organisation.get_kind_display().lower()} cannot have "
                            f"a {self.get_role_display().lower()} member."
                        )
                    }
                )


_Method = TypeVar("_Method", bound=Callable[..., Any])


def queryset_only(method: _Method) -> _Method:
    """Keep a query set method off the manager (Django copies the others onto it)."""
    setattr(method, "queryset_only", True)  # noqa: B010 (mypy rejects attributes on functions)
    return method


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    @queryset_only
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("Audit events are append-only: they cannot be updated.")

    @queryset_only
    def delete(self) -> NoReturn:
        raise TypeError("Audit events are append-only: they cannot be deleted.")


class AuditEvent(models.Model):
    """One state change, hash-chained to the one before it. Written only by accounts.audit."""

    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    occurred_at = models.DateTimeField(editable=False, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Audit events are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only: they cannot be deleted.")


class AuditChainHead(models.Model):
    """The newest link of the audit chain; locked while an event is appended."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.sequence}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"


class NotificationDelivery(models.Model):
    """One e-mail to one recipient: queued, sent, retrying after a failure, or failed for
    good. Nothing is dropped silently: the ICT company sees failures and can retry them."""

    event = models.CharField(max_length=50)
    recipient = models.EmailField(
        blank=True, help_text="Blank when the e-mails could not even be built."
    )
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.recipient}: {self.status}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self, now=None) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    """One API client's token: issued at sign-in through the API, one per client, until it
    expires or is revoked. Only the SHA-256 of the key is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    client = models.CharField(
        max_length=100, help_text="The client it was issued to, as the client named itself."
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "revoked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.client} ({self.user})"

    def is_active(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())
