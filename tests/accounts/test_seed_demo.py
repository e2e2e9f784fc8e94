from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.demo.loader import FORCES, SUPPLIERS
from accounts.models import AuditEvent, Membership, Organisation, OrganisationKind, Role, User

pytestmark = pytest.mark.django_db

# The demo is seeded once per run (the ``demo`` fixture, tests/conftest.py); that a second
# run changes nothing is tests/procurement/test_demo.py's.


def test_seed_demo_creates_every_force_supplier_and_role(demo):

    assert Organisation.objects.filter(kind=OrganisationKind.FORCE).count() == 44 == len(FORCES)
    assert Organisation.objects.filter(kind=OrganisationKind.SUPPLIER).count() >= 6
    assert Organisation.objects.filter(kind=OrganisationKind.ICT_COMPANY).count() == 1
    assert Organisation.objects.get(slug="btp").name == "British Transport Police"
    assert Organisation.objects.get(slug="metropolitan").officer_headcount > 0
    for email, role in [
        ("catalogue@ictco.example", Role.CATALOGUE_MANAGER),
        ("commercial@ictco.example", Role.COMMERCIAL_LEAD),
        ("secretary@ictco.example", Role.STANDARDS_SECRETARY),
        ("buyer@kent.police.example", Role.BUYER),
        ("finance@kent.police.example", Role.FINANCE),
        ("finance2@kent.police.example", Role.FINANCE),
        ("delegate@kent.police.example", Role.DELEGATE),
        (f"editor@{SUPPLIERS[0][0]}.example", Role.SUPPLIER_EDITOR),
    ]:
        assert Membership.objects.filter(user__email=email, role=role).exists(), email
    limits = dict(
        Membership.objects.filter(organisation__slug="kent", role=Role.FINANCE).values_list(
            "user__email", "approval_limit"
        )
    )
    assert str(limits["finance@kent.police.example"]) == "250000.00"
    assert str(limits["finance2@kent.police.example"]) == "2000000.00"


def test_demo_users_share_the_demo_password(demo, settings):
    user = User.objects.get(email="buyer@kent.police.example")
    assert user.check_password(settings.DEMO_PASSWORD)


def test_seed_demo_audits_the_memberships_it_creates(demo):
    assert AuditEvent.objects.filter(action="membership.created").count() == (
        Membership.objects.count()
    )


def test_seed_demo_refuses_to_run_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="refuses"):
        call_command("seed_demo", stdout=StringIO())
    assert not Organisation.objects.exists()
