"""The one place that answers "may this user do this?".

Pages, the API and services all ask here. The answers rest on memberships, which
are loaded once per user object and cached on it.
"""

from collections.abc import Iterable

from accounts.models import Membership, Organisation, OrganisationKind, Role, User

_CACHE_ATTR = "_network_code_memberships"


def memberships_of(user: User) -> list[Membership]:
    """The user's memberships with their organisations, loaded once per user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user)
            .select_related("organisation")
            .order_by("organisation__name", "role")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_memberships(user: User) -> None:
    """Drop the cached memberships after they change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(
    user: User, role: str | Iterable[str], organisation: Organisation | None = None
) -> bool:
    """Whether the user holds the role (any of the roles), optionally in one organisation."""
    roles = {role} if isinstance(role, str) else set(role)
    return any(
        m.role in roles and (organisation is None or m.organisation_id == organisation.pk)
        for m in memberships_of(user)
    )


def organisations_with_role(user: User, role: str | Iterable[str]) -> list[Organisation]:
    roles = {role} if isinstance(role, str) else set(role)
    seen: dict[int, Organisation] = {}
    for membership in memberships_of(user):
        if membership.role in roles:
            seen.setdefault(membership.organisation_id, membership.organisation)
    return list(seen.values())


def organisations_of(user: User, kind: str | None = None) -> list[Organisation]:
    seen: dict[int, Organisation] = {}
    for membership in memberships_of(user):
        if kind is None or membership.organisation.kind == kind:
            seen.setdefault(membership.organisation_id, membership.organisation)
    return list(seen.values())


def is_member(user: User, organisation: Organisation) -> bool:
    return any(m.organisation_id == organisation.pk for m in memberships_of(user))


def roles_in(user: User, organisation: Organisation) -> list[str]:
    return [m.role for m in memberships_of(user) if m.organisation_id == organisation.pk]


def approval_limit(user: User, force: Organisation):
    """The user's finance approval limit in a force, or None if they are not its approver."""
    limits = [
        m.approval_limit
        for m in memberships_of(user)
        if m.role == Role.FINANCE and m.organisation_id == force.pk
    ]
    return max(limits) if limits else None


# Accounts rules.


def can_manage_memberships(user: User) -> bool:
    """Memberships are granted by staff through the admin."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def is_ict_company_member(user: User) -> bool:
    return any(m.organisation.kind == OrganisationKind.ICT_COMPANY for m in memberships_of(user))


# Catalogue rules.


def is_catalogue_manager(user: User) -> bool:
    """The ICT company's catalogue managers review listings and see every product."""
    return any(
        m.role == Role.CATALOGUE_MANAGER and m.organisation.kind == OrganisationKind.ICT_COMPANY
        for m in memberships_of(user)
    )


def edited_supplier_ids(user: User) -> set[int]:
    """The suppliers whose listings this user maintains."""
    return {
        m.organisation_id
        for m in memberships_of(user)
        if m.role == Role.SUPPLIER_EDITOR and m.organisation.kind == OrganisationKind.SUPPLIER
    }


def can_edit_listings_of(user: User, supplier_id: int | None) -> bool:
    """Create, edit, submit and withdraw products, and claim conformance, for a supplier."""
    return supplier_id is not None and supplier_id in edited_supplier_ids(user)


def can_review_catalogue(user: User) -> bool:
    """Approve or reject listings, revisions and conformance claims."""
    return is_catalogue_manager(user)


def can_withdraw_product(user: User, supplier_id: int) -> bool:
    """The supplier withdraws its own listing; a catalogue manager may withdraw any."""
    return can_edit_listings_of(user, supplier_id) or is_catalogue_manager(user)


def can_manage_categories(user: User) -> bool:
    return is_catalogue_manager(user)


def can_download_evidence(user: User, supplier_id: int) -> bool:
    """Conformance evidence is for the supplier that gave it and for the ICT company."""
    return can_edit_listings_of(user, supplier_id) or is_ict_company_member(user)


# Standards rules.


# Procurement rules.
