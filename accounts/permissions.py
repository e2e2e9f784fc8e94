"""The one place that answers "may this user do this?".

Pages, the API and services all ask here. The answers rest on memberships, which
are loaded once per user object and cached on it.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser

from accounts.models import Membership, Organisation, OrganisationKind, Role, User

_CACHE_ATTR = "_network_code_memberships"


def memberships_of(user: User | AnonymousUser) -> list[Membership]:
    """The user's memberships with their organisations, loaded once per user object; none
    for an anonymous user (the API's schema generation asks for one)."""
    if isinstance(user, AnonymousUser) or not getattr(user, "is_authenticated", False):
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


def organisations_of(user: User | AnonymousUser, kind: str | None = None) -> list[Organisation]:
    seen: dict[int, Organisation] = {}
    for membership in memberships_of(user):
        if kind is None or membership.organisation.kind == kind:
            seen.setdefault(membership.organisation_id, membership.organisation)
    return list(seen.values())


def is_member(user: User, organisation: Organisation) -> bool:
    return any(m.organisation_id == organisation.pk for m in memberships_of(user))


def roles_in(user: User, organisation: Organisation) -> list[str]:
    return [m.role for m in memberships_of(user) if m.organisation_id == organisation.pk]


def approval_limit(user: User, force: Organisation) -> Decimal | None:
    """The user's finance approval limit in a force, or None if they are not its approver."""
    # A constraint gives every finance membership a limit: the last test only narrows it.
    limits = [
        m.approval_limit
        for m in memberships_of(user)
        if m.role == Role.FINANCE and m.organisation_id == force.pk and m.approval_limit is not None
    ]
    return max(limits) if limits else None


# Accounts rules.


def can_manage_memberships(user: User) -> bool:
    """Memberships are granted by staff through the admin."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def is_ict_company_member(user: User | AnonymousUser) -> bool:
    return any(m.organisation.kind == OrganisationKind.ICT_COMPANY for m in memberships_of(user))


# Catalogue rules.


def is_catalogue_manager(user: User | AnonymousUser) -> bool:
    """The ICT company's catalogue managers review listings and see every product."""
    return any(
        m.role == Role.CATALOGUE_MANAGER and m.organisation.kind == OrganisationKind.ICT_COMPANY
        for m in memberships_of(user)
    )


def edited_supplier_ids(user: User | AnonymousUser) -> set[int]:
    """The suppliers whose listings this user maintains."""
    return {
        m.organisation_id
        for m in memberships_of(user)
        if m.role == Role.SUPPLIER_EDITOR and m.organisation.kind == OrganisationKind.SUPPLIER
    }


def can_edit_listings_of(user: User | AnonymousUser, supplier_id: int | None) -> bool:
    """Create, edit, submit and withdraw products, and claim conformance, for a supplier."""
    return supplier_id is not None and supplier_id in edited_supplier_ids(user)


def can_review_catalogue(user: User) -> bool:
    """Approve or reject listings, revisions and conformance claims (of suppliers the user
    does not edit: see ``may_review_listings_of``)."""
    return is_catalogue_manager(user)


def suppliers_barred_from_review(user: User) -> set[int]:
    """The suppliers whose listings this reviewer may not decide on: those they edit."""
    return edited_supplier_ids(user)


def may_review_listings_of(user: User, supplier_id: int) -> bool:
    """Separation of duties: a catalogue manager reviews listings, revisions, conformance
    claims and evidence, but never those of a supplier they are an editor of."""
    return can_review_catalogue(user) and supplier_id not in suppliers_barred_from_review(user)


def review_refusal(user: User, supplier: Organisation) -> str:
    """Why ``may_review_listings_of`` says no, in words."""
    if not can_review_catalogue(user):
        return "Only the ICT company's catalogue managers can decide this."
    return (
        f"You are an editor of {supplier.name}: another catalogue manager must review its "
        "listings and evidence."
    )


# Roles that one person may not hold together: a reviewer of listings and an editor of them.
INCOMPATIBLE_ROLES = frozenset({Role.CATALOGUE_MANAGER, Role.SUPPLIER_EDITOR})


def role_conflict(
    user: User, *, organisation: Organisation, role: str, replacing: int | None = None
) -> str | None:
    """Why ``user`` may not also hold ``role`` in ``organisation`` (None if they may).

    A catalogue manager of the ICT company may not be a supplier's editor, and a supplier's
    editor may not be a catalogue manager: whichever comes second is refused. ``replacing``
    is the membership being changed, left out of the comparison."""
    if role not in INCOMPATIBLE_ROLES:
        return None
    others = Membership.objects.filter(user=user, role__in=INCOMPATIBLE_ROLES).exclude(role=role)
    if replacing is not None:
        others = others.exclude(pk=replacing)
    held = list(others.select_related("organisation").order_by("organisation__name"))
    if not held:
        return None
    who = user.get_full_name() or user.email
    if role == Role.SUPPLIER_EDITOR:
        return (
            f"{who} is a catalogue manager of {held[0].organisation.name}: a catalogue manager "
            f"cannot also be an editor of {organisation.name}, or they would review their own "
            "listings. Remove the catalogue manager role first, or choose another editor."
        )
    names = ", ".join(m.organisation.name for m in held)
    return (
        f"{who} is an editor of {names}: a supplier's editor cannot also be a catalogue "
        "manager, or they would review their own listings. Remove the editor role first, or "
        "choose another catalogue manager."
    )


def can_withdraw_product(user: User, supplier_id: int) -> bool:
    """The supplier withdraws its own listing; a catalogue manager may withdraw any."""
    return can_edit_listings_of(user, supplier_id) or is_catalogue_manager(user)


def can_manage_categories(user: User | AnonymousUser) -> bool:
    return is_catalogue_manager(user)


def can_download_evidence(user: User, supplier_id: int) -> bool:
    """Conformance evidence is for the supplier that gave it and for the ICT company."""
    return can_edit_listings_of(user, supplier_id) or is_ict_company_member(user)


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


def forces_where(user: User, role: str) -> list[Organisation]:
    """The forces in which the user holds ``role``."""
    return [o for o in organisations_with_role(user, role) if o.kind == OrganisationKind.FORCE]


def can_start_requisition(user: User, force: Organisation) -> bool:
    """A force's buyer opens a requisition for their force (which becomes the lead force)."""
    return force.kind == OrganisationKind.FORCE and has_role(user, Role.BUYER, force)


def can_take_part_for(user: User, force: Organisation) -> bool:
    """Joining, changing and withdrawing a force's participation: that force's buyers."""
    return force.kind == OrganisationKind.FORCE and has_role(user, Role.BUYER, force)


def can_close_requisition(user: User, requisition) -> bool:
    """The lead force's buyers may close early; the scheduler closes at ``closes_at``."""
    return has_role(user, Role.BUYER, requisition.lead_force)


def can_cancel_requisition(user: User, requisition) -> bool:
    """The lead force (its buyers) or the ICT company (its commercial leads), before award."""
    return has_role(user, Role.BUYER, requisition.lead_force) or is_commercial_lead(user)


def can_decide_share(user: User, participation) -> bool:
    """A force's finance approvers decide on that force's share, and nobody else."""
    return has_role(user, Role.FINANCE, participation.force)


def is_commercial_lead(user: User) -> bool:
    return any(
        m.role == Role.COMMERCIAL_LEAD and m.organisation.kind == OrganisationKind.ICT_COMPANY
        for m in memberships_of(user)
    )


def can_sign_off_and_award(user: User) -> bool:
    """Sign-off above the threshold and award are the ICT company's commercial leads'."""
    return is_commercial_lead(user)


def can_see_participation_details(user: User, participation) -> bool:
    """Delivery address, cost centre, needed-by date and internal note: the force's own
    users and the ICT company only; other forces see quantities, shares and statuses."""
    return is_member(user, participation.force) or is_ict_company_member(user)


def can_retry_documents(user: User) -> bool:
    """Retrying a failed contract document, or issuing a new version, is for commercial leads."""
    return is_commercial_lead(user)


# Notifications.


def can_see_notifications(user: User | AnonymousUser) -> bool:
    """Every e-mail's delivery, failed ones above all, is for the ICT company to watch and
    retry: it may name any force's people."""
    return is_ict_company_member(user)
