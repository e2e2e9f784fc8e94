"""Reads for accounts: query sets scoped to what the user may see."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import (
    ApiToken,
    ApiTokenQuerySet,
    AuditEvent,
    Membership,
    NotificationDelivery,
    Organisation,
    OrganisationKind,
    User,
)
from accounts.permissions import (
    can_see_notifications,
    is_ict_company_member,
    memberships_of,
    organisations_of,
)

ACTING_SESSION_KEY = "acting_organisation_id"


def organisations_visible_to(user: User | AnonymousUser) -> QuerySet[Organisation]:
    """The directory of organisations is shared by every signed-in user."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.all()


def memberships_of_user(user: User) -> list[Membership]:
    return memberships_of(user)


def audit_events_visible_to(user: User) -> QuerySet[AuditEvent]:
    """The ICT company sees the whole trail; others see events of their own organisations."""
    if not user.is_authenticated:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("organisation")
    if user.is_staff or is_ict_company_member(user):
        return events
    return events.filter(organisation__in=[o.pk for o in organisations_of(user)])


def acting_organisation(request) -> Organisation | None:
    """The organisation the signed-in user is acting for on pages (chosen in the header)."""
    user = request.user
    organisations = organisations_of(user)
    if not organisations:
        return None
    chosen = request.session.get(ACTING_SESSION_KEY)
    for organisation in organisations:
        if organisation.pk == chosen:
            return organisation
    return organisations[0]


def deliveries_visible_to(user: User | AnonymousUser) -> QuerySet[NotificationDelivery]:
    """Every notification's delivery, for the ICT company; nothing for anyone else."""
    if not can_see_notifications(user):
        return NotificationDelivery.objects.none()
    return NotificationDelivery.objects.all().order_by("-created_at", "-pk")


def supplier_with_slug(slug: str) -> Organisation | None:
    """A supplier by its public identifier (suppliers are public: no scope to apply)."""
    return Organisation.objects.filter(kind=OrganisationKind.SUPPLIER, slug=slug).first()


def suppliers() -> QuerySet[Organisation]:
    """Every supplier, by name (suppliers are public: the catalogue's filter lists them)."""
    return Organisation.objects.filter(kind=OrganisationKind.SUPPLIER).order_by("name")


def first_organisation_of(organisation_ids) -> Organisation | None:
    """The first by name of organisations the caller has already scoped to the user."""
    return Organisation.objects.filter(pk__in=sorted(organisation_ids)).order_by("name").first()


def organisations() -> QuerySet[Organisation]:
    """Every organisation: for matching a slug the user typed; the service checks the user's
    membership of the one chosen."""
    return Organisation.objects.all()


def forces() -> QuerySet[Organisation]:
    """Every police force (forces are public)."""
    return Organisation.objects.filter(kind=OrganisationKind.FORCE)


def organisation_with_pk(pk: int) -> Organisation:
    """An organisation the caller has already scoped to the user (an id from their memberships)."""
    return Organisation.objects.get(pk=pk)


def api_tokens_of(user: User | AnonymousUser) -> ApiTokenQuerySet:
    """The user's own API tokens, newest first (nobody sees another's)."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
