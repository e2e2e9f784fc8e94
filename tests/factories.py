from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import Membership, Organisation, OrganisationKind, Role, User

PASSWORD = "correct-horse-battery-staple"
_PASSWORD_HASH = make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="en_GB")
    password = _PASSWORD_HASH


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.FORCE
    name = factory.Sequence(lambda n: f"Testshire Police {n}")
    slug = factory.Sequence(lambda n: f"testshire-{n}")
    officer_headcount = factory.LazyAttribute(
        lambda o: 1500 if o.kind == OrganisationKind.FORCE else None
    )


class ForceFactory(OrganisationFactory):
    kind = OrganisationKind.FORCE


class SupplierFactory(OrganisationFactory):
    kind = OrganisationKind.SUPPLIER
    name = factory.Sequence(lambda n: f"Supplier {n} Ltd")
    slug = factory.Sequence(lambda n: f"supplier-{n}")


class ICTCompanyFactory(OrganisationFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["kind"]

    kind = OrganisationKind.ICT_COMPANY
    name = "The Police ICT Company"
    slug = "ictco"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(ForceFactory)
    role = Role.BUYER
    approval_limit = factory.LazyAttribute(
        lambda m: Decimal("250000.00") if m.role == Role.FINANCE else None
    )


def member(role: str, organisation: Organisation, **user_fields) -> User:
    """A new user holding one role in one organisation."""
    user = UserFactory(**user_fields)
    approval_limit = user_fields.pop("approval_limit", None)
    MembershipFactory(
        user=user,
        organisation=organisation,
        role=role,
        approval_limit=approval_limit
        if approval_limit is not None
        else (Decimal("250000.00") if role == Role.FINANCE else None),
    )
    return user
