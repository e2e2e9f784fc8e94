"""Reads for accounts: query sets scoped to what the user may see."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import AuditEvent, Membership, NotificationDelivery, Organisation, User
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
