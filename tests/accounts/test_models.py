from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import services
from accounts.models import AuditEvent, Membership, Organisation, OrganisationKind, Role, User
from core.errors import DomainError
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_users_sign_in_with_their_email_address():
    user = User.objects.create_user("Jo.Smith@Example.TEST", "a-long-password")

    assert user.email == "jo.smith@example.test"
    assert User.USERNAME_FIELD == "email"
    assert user.check_password("a-long-password")


def test_email_addresses_are_unique_whatever_their_case():
    User.objects.create_user("jo@example.test", "pw")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="JO@example.test")


def test_a_force_needs_an_officer_headcount():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(kind=OrganisationKind.FORCE, name="No Count", slug="nc")


def test_only_forces_carry_an_officer_headcount():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(
            kind=OrganisationKind.SUPPLIER, name="S", slug="s", officer_headcount=10
        )


def test_there_is_only_one_ict_company(ict_company):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(kind=OrganisationKind.ICT_COMPANY, name="Second", slug="two")


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (OrganisationKind.SUPPLIER, Role.FINANCE),
        (OrganisationKind.SUPPLIER, Role.BUYER),
        (OrganisationKind.FORCE, Role.CATALOGUE_MANAGER),
        (OrganisationKind.FORCE, Role.SUPPLIER_EDITOR),
        (OrganisationKind.ICT_COMPANY, Role.DELEGATE),
    ],
)
def test_a_role_must_belong_to_the_organisation_kind(kind, role):
    organisation = OrganisationFactory(kind=kind)
    user = UserFactory()

    with pytest.raises(DomainError) as raised:
        services.membership_create(
            user=user,
            organisation=organisation,
            role=role,
            approval_limit=Decimal("1.00") if role == Role.FINANCE else None,
            actor=None,
        )

    assert "role" in raised.value.errors
    assert not Membership.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_supplier_cannot_have_a_finance_member(supplier):
    membership = Membership(user=UserFactory(), organisation=supplier, role=Role.FINANCE)
    membership.approval_limit = Decimal("10.00")
    with pytest.raises(ValidationError) as raised:
        membership.full_clean()
    assert "A supplier cannot have a finance approver member." in raised.value.messages


def test_finance_members_need_an_approval_limit(force):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=UserFactory(), organisation=force, role=Role.FINANCE)


def test_only_finance_members_have_an_approval_limit(force):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=UserFactory(), organisation=force, role=Role.BUYER, approval_limit=Decimal("1")
        )


def test_approval_limits_cannot_be_negative(force):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=UserFactory(),
            organisation=force,
            role=Role.FINANCE,
            approval_limit=Decimal("-0.01"),
        )


def test_a_user_may_hold_several_memberships(force, supplier):
    user = UserFactory()
    services.membership_create(user=user, organisation=force, role=Role.BUYER, actor=None)
    services.membership_create(
        user=user,
        organisation=force,
        role=Role.FINANCE,
        approval_limit=Decimal("5000.00"),
        actor=None,
    )

    assert set(user.memberships.values_list("role", flat=True)) == {Role.BUYER, Role.FINANCE}


def test_the_same_role_twice_in_one_organisation_is_refused(force):
    user = UserFactory()
    services.membership_create(user=user, organisation=force, role=Role.BUYER, actor=None)

    with pytest.raises(DomainError):
        services.membership_create(user=user, organisation=force, role=Role.BUYER, actor=None)
    assert user.memberships.count() == 1
