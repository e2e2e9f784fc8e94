"""Memberships: who holds which role in which organisation (audited; separation of duties
checked with the user's row locked)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import audit
from accounts.audit_actions import AccountsAudit
from accounts.models import Membership, Organisation, User
from accounts.permissions import forget_memberships, role_conflict
from core.errors import DomainError


def _validated(membership: Membership) -> Membership:
    try:
        membership.full_clean()
    except ValidationError as error:
        raise DomainError("The membership is not valid.", errors=error.message_dict) from error
    return membership


def _refuse_conflict(
    user: User, *, organisation: Organisation, role: str, replacing: int | None = None
) -> None:
    """Separation of duties between roles, checked with the user's row locked so that two
    memberships granted at once cannot both slip past it."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    conflict = role_conflict(user, organisation=organisation, role=role, replacing=replacing)
    if conflict:
        raise DomainError(conflict, field="role")


@transaction.atomic
def membership_create(
    *,
    user: User,
    organisation: Organisation,
    role: str,
    approval_limit: Decimal | None = None,
    actor: User | None,
) -> Membership:
    membership = _validated(
        Membership(user=user, organisation=organisation, role=role, approval_limit=approval_limit)
    )
    _refuse_conflict(user, organisation=organisation, role=role)
    membership.save()
    audit.record(
        actor=actor,
        action=AccountsAudit.MEMBERSHIP_CREATED,
        obj=membership,
        organisation=organisation,
        after=audit.snapshot(membership),
    )
    forget_memberships(user)
    return membership


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    actor: User | None,
    role: str | None = None,
    approval_limit: Decimal | None = None,
) -> Membership:
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    with audit.audited(
        locked,
        actor=actor,
        action=AccountsAudit.MEMBERSHIP_UPDATED,
        organisation=locked.organisation,
    ):
        if role is not None:
            locked.role = role
        locked.approval_limit = approval_limit
        _validated(locked)
        _refuse_conflict(
            locked.user, organisation=locked.organisation, role=locked.role, replacing=locked.pk
        )
        locked.save()
    forget_memberships(locked.user)
    return locked


@transaction.atomic
def membership_delete(*, membership: Membership, actor: User | None) -> None:
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    user = locked.user
    with audit.audited(
        locked,
        actor=actor,
        action=AccountsAudit.MEMBERSHIP_DELETED,
        organisation=locked.organisation,
    ):
        locked.delete()
    forget_memberships(user)
