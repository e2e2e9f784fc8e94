from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import permissions, services
from accounts.models import AuditEvent, Role
from accounts.selectors import audit_events_visible_to, organisations_visible_to
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_has_role_is_scoped_to_the_organisation(buyer, force, other_force):
    assert permissions.has_role(buyer, Role.BUYER)
    assert permissions.has_role(buyer, Role.BUYER, force)
    assert not permissions.has_role(buyer, Role.BUYER, other_force)
    assert not permissions.has_role(buyer, Role.FINANCE)


def test_approval_limit_is_the_users_own_in_that_force(force, other_force):
    user = UserFactory()
    MembershipFactory(
        user=user, organisation=force, role=Role.FINANCE, approval_limit=Decimal("10")
    )

    assert permissions.approval_limit(user, force) == Decimal("10")
    assert permissions.approval_limit(user, other_force) is None


def test_memberships_are_loaded_once_per_user_object(buyer, django_assert_num_queries):
    permissions.forget_memberships(buyer)
    with django_assert_num_queries(1):
        for _ in range(5):
            permissions.has_role(buyer, Role.BUYER)
            permissions.organisations_of(buyer)


def test_anonymous_users_have_no_roles():
    anonymous = AnonymousUser()
    assert permissions.memberships_of(anonymous) == []
    assert not permissions.has_role(anonymous, Role.BUYER)
    assert organisations_visible_to(anonymous).count() == 0


def test_forces_see_only_their_own_audit_events(force, other_force, buyer, catalogue_manager):
    admin = UserFactory(is_staff=True)
    services.membership_create(user=UserFactory(), organisation=force, role=Role.BUYER, actor=admin)
    services.membership_create(
        user=UserFactory(), organisation=other_force, role=Role.BUYER, actor=admin
    )

    own = audit_events_visible_to(buyer)
    assert {e.organisation_id for e in own} == {force.pk}
    assert audit_events_visible_to(catalogue_manager).count() == AuditEvent.objects.count() == 2
