"""Demo organisations and users: the ICT company, every force, suppliers, a user per role."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password

from accounts import services
from accounts.models import Membership, Organisation, OrganisationKind, Role, User

ICT_COMPANY = ("ictco", "The Police ICT Company", "1 Victoria Street\nLondon\nSW1H 0ET")

# The 43 territorial forces of England and Wales and British Transport Police.
# Officer headcounts are illustrative demo figures, not official statistics.
FORCES: list[tuple[str, str, int]] = [
    ("avon-and-somerset", "Avon and Somerset Constabulary", 3200),
    ("bedfordshire", "Bedfordshire Police", 1400),
    ("cambridgeshire", "Cambridgeshire Constabulary", 1700),
    ("cheshire", "Cheshire Constabulary", 2300),
    ("city-of-london", "City of London Police", 1000),
    ("cleveland", "Cleveland Police", 1500),
    ("cumbria", "Cumbria Constabulary", 1300),
    ("derbyshire", "Derbyshire Constabulary", 2000),
    ("devon-and-cornwall", "Devon and Cornwall Police", 3600),
    ("dorset", "Dorset Police", 1400),
    ("durham", "Durham Constabulary", 1300),
    ("dyfed-powys", "Dyfed-Powys Police", 1300),
    ("essex", "Essex Police", 3800),
    ("gloucestershire", "Gloucestershire Constabulary", 1200),
    ("greater-manchester", "Greater Manchester Police", 8000),
    ("gwent", "Gwent Police", 1500),
    ("hampshire", "Hampshire and Isle of Wight Constabulary", 3700),
    ("hertfordshire", "Hertfordshire Constabulary", 2300),
    ("humberside", "Humberside Police", 2200),
    ("kent", "Kent Police", 4100),
    ("lancashire", "Lancashire Constabulary", 3500),
    ("leicestershire", "Leicestershire Police", 2300),
    ("lincolnshire", "Lincolnshire Police", 1200),
    ("merseyside", "Merseyside Police", 4000),
    ("metropolitan", "Metropolitan Police Service", 33000),
    ("norfolk", "Norfolk Constabulary", 1900),
    ("north-wales", "North Wales Police", 1600),
    ("north-yorkshire", "North Yorkshire Police", 1600),
    ("northamptonshire", "Northamptonshire Police", 1500),
    ("northumbria", "Northumbria Police", 3800),
    ("nottinghamshire", "Nottinghamshire Police", 2400),
    ("south-wales", "South Wales Police", 3500),
    ("south-yorkshire", "South Yorkshire Police", 3000),
    ("staffordshire", "Staffordshire Police", 1800),
    ("suffolk", "Suffolk Constabulary", 1400),
    ("surrey", "Surrey Police", 2300),
    ("sussex", "Sussex Police", 3200),
    ("thames-valley", "Thames Valley Police", 5000),
    ("warwickshire", "Warwickshire Police", 1100),
    ("west-mercia", "West Mercia Police", 2500),
    ("west-midlands", "West Midlands Police", 8000),
    ("west-yorkshire", "West Yorkshire Police", 6200),
    ("wiltshire", "Wiltshire Police", 1100),
    ("btp", "British Transport Police", 3000),
]

# Fictional suppliers.
SUPPLIERS: list[tuple[str, str, str]] = [
    ("aldgate-mobile", "Aldgate Mobile Ltd", "12 Aldgate High Street\nLondon\nEC3N 1AL"),
    ("brightwater", "Brightwater Devices Ltd", "Unit 4, Riverside Park\nReading\nRG1 8DN"),
    ("caldera-software", "Caldera Software Ltd", "3 Castle Quay\nCardiff\nCF10 1AB"),
    ("dunmore-networks", "Dunmore Networks Ltd", "88 Deansgate\nManchester\nM3 2ER"),
    ("everfield", "Everfield Secure Systems Ltd", "Everfield House\nCheltenham\nGL50 1UX"),
    (
        "fenwick-digital",
        "Fenwick Digital Services Ltd",
        "21 Grey Street\nNewcastle upon Tyne\nNE1 6EE",
    ),
    ("greystone-bwv", "Greystone Body-Worn Video Ltd", "7 Mill Lane\nLeeds\nLS1 4HT"),
]

# Demo people: first and last names combined by position, so every run names them alike.
FIRST_NAMES = [
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Femi",
    "Grace",
    "Harry",
    "Isla",
    "Jamal",
    "Kate",
    "Liam",
    "Maya",
    "Niall",
    "Olivia",
    "Priya",
    "Quentin",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Vikram",
    "Wendy",
    "Yusuf",
    "Zara",
]
LAST_NAMES = [
    "Adams",
    "Bennett",
    "Chowdhury",
    "Davies",
    "Evans",
    "Fraser",
    "Griffiths",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "Owen",
    "Patel",
    "Roberts",
    "Singh",
    "Taylor",
    "Walsh",
    "Williams",
    "Young",
]


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
    for local, full_name, role in [
        ("catalogue", "Cara Logan", Role.CATALOGUE_MANAGER),
        ("commercial", "Colin Mercer", Role.COMMERCIAL_LEAD),
        ("secretary", "Sita Reddy", Role.STANDARDS_SECRETARY),
    ]:
        user = _user(f"{local}@ictco.example", full_name, password_hash, counts)
        _membership(user, ictco, role, counts)
    _user(
        "admin@ictco.example",
        "Site Administrator",
        password_hash,
        counts,
        is_staff=True,
        is_superuser=True,
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
