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


# Standards rules.


def is_standards_secretary(user: User) -> bool:
    """The standards secretary runs the network code: consultation, voting, closing."""
    return has_role(user, Role.STANDARDS_SECRETARY)


def proposer_organisations(user: User) -> list[Organisation]:
    """Where the user may propose from: a force they are delegate of, or the ICT company
    as standards secretary."""
    return organisations_with_role(user, [Role.DELEGATE, Role.STANDARDS_SECRETARY])


def can_propose_standards_change(user: User) -> bool:
    return bool(proposer_organisations(user))


def delegate_forces(user: User) -> list[Organisation]:
    """The forces whose one vote this user casts."""
    return [o for o in organisations_with_role(user, Role.DELEGATE) if o.is_force]


def can_vote_for(user: User, force: Organisation) -> bool:
    return force.is_force and has_role(user, Role.DELEGATE, force)


def commenting_forces(user: User) -> list[Organisation]:
    """Any member of a force, in any role, may comment on a proposal in consultation."""
    return organisations_of(user, kind=OrganisationKind.FORCE)


def can_see_draft_proposal(user: User, proposer_organisation_id: int) -> bool:
    """A draft is seen by its proposer's organisation and by the standards secretary."""
    return is_standards_secretary(user) or any(
        m.organisation_id == proposer_organisation_id for m in memberships_of(user)
    )


def can_see_purchase_quantities(user: User) -> bool:
    """How much each force has bought of a product (a proposal's impact): forces and the ICT
    company see it; suppliers do not see what forces bought from their competitors."""
    if user.is_staff or is_ict_company_member(user):
        return True
    return any(m.organisation.kind == OrganisationKind.FORCE for m in memberships_of(user))


# Procurement rules.
