"""Demo organisations and users: the ICT company, every force, suppliers, a user per role.

The organisations and people are data, in ``accounts.json`` beside this module (officer
headcounts are illustrative demo figures, not official statistics; the suppliers are
fictional). Memberships go through the services, so they are validated and audited.
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password

from accounts import services
from accounts.models import Membership, Organisation, OrganisationKind, Role, User

DATA = json.loads((Path(__file__).resolve().parent / "accounts.json").read_text(encoding="utf-8"))

ICT_COMPANY: tuple[str, str, str] = (
    DATA["ict_company"]["slug"],
    DATA["ict_company"]["name"],
    DATA["ict_company"]["address"],
)
# The 43 territorial forces of England and Wales and British Transport Police:
# (slug, name, officer headcount).
FORCES: list[tuple[str, str, int]] = [
    (f["slug"], f["name"], f["officer_headcount"]) for f in DATA["forces"]
]
# (slug, name, address).
SUPPLIERS: list[tuple[str, str, str]] = [
    (s["slug"], s["name"], s["address"]) for s in DATA["suppliers"]
]

# Demo people: first and last names combined by position, so every run names them alike.
FIRST_NAMES: list[str] = DATA["first_names"]
LAST_NAMES: list[str] = DATA["last_names"]


def person(index: int) -> str:
    return f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {LAST_NAMES[(index * 7) % len(LAST_NAMES)]}"


FINANCE_LIMIT = Decimal("250000.00")
SENIOR_FINANCE_LIMIT = Decimal("2000000.00")


@dataclass
class DemoUsers:
    created_users: int = 0
    created_memberships: int = 0


def _organisation(slug: str, **fields) -> Organisation:
    organisation, _ = Organisation.objects.update_or_create(slug=slug, defaults=fields)
    return organisation


def _user(email: str, full_name: str, password_hash: str, counts: DemoUsers, **flags) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "password": password_hash, **flags}
    )
    if created:
        counts.created_users += 1
    return user


def _membership(user, organisation, role, counts: DemoUsers, approval_limit=None) -> None:
    existing = Membership.objects.filter(user=user, organisation=organisation, role=role).first()
    if existing is None:
        services.membership_create(
            user=user,
            organisation=organisation,
            role=role,
            approval_limit=approval_limit,
            actor=None,
        )
        counts.created_memberships += 1
    elif existing.approval_limit != approval_limit:
        services.membership_update(
            membership=existing, actor=None, role=role, approval_limit=approval_limit
        )


def seed(stdout=None) -> DemoUsers:
    counts = DemoUsers()
    # One hash for every demo user: hashing 190 passwords one by one takes a minute.
    password_hash = make_password(settings.DEMO_PASSWORD)

    slug, name, address = ICT_COMPANY
    ictco = _organisation(slug, kind=OrganisationKind.ICT_COMPANY, name=name, address=address)
    for staff in DATA["ict_company"]["staff"]:
        user = _user(staff["email"], staff["full_name"], password_hash, counts)
        _membership(user, ictco, Role(staff["role"]), counts)
    admin = DATA["ict_company"]["administrator"]
    _user(
        admin["email"], admin["full_name"], password_hash, counts, is_staff=True, is_superuser=True
    )

    for number, (slug, name, headcount) in enumerate(FORCES):
        force = _organisation(
            slug,
            kind=OrganisationKind.FORCE,
            name=name,
            officer_headcount=headcount,
            address=f"{name} Headquarters",
        )
        domain = f"{slug}.police.example"
        buyer = _user(f"buyer@{domain}", person(4 * number), password_hash, counts)
        _membership(buyer, force, Role.BUYER, counts)
        finance = _user(f"finance@{domain}", person(4 * number + 1), password_hash, counts)
        _membership(finance, force, Role.FINANCE, counts, approval_limit=FINANCE_LIMIT)
        finance2 = _user(f"finance2@{domain}", person(4 * number + 2), password_hash, counts)
        _membership(finance2, force, Role.FINANCE, counts, approval_limit=SENIOR_FINANCE_LIMIT)
        delegate = _user(f"delegate@{domain}", person(4 * number + 3), password_hash, counts)
        _membership(delegate, force, Role.DELEGATE, counts)

    for number, (slug, name, address) in enumerate(SUPPLIERS):
        supplier = _organisation(slug, kind=OrganisationKind.SUPPLIER, name=name, address=address)
        editor = _user(f"editor@{slug}.example", person(200 + number), password_hash, counts)
        _membership(editor, supplier, Role.SUPPLIER_EDITOR, counts)

    if stdout is not None:
        stdout.write(
            f"accounts: {Organisation.objects.count()} organisations, "
            f"{counts.created_users} users and {counts.created_memberships} memberships created"
        )
    return counts
