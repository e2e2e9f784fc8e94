"""Demo joint requisitions in every state reachable in this release, made through the
services so that every step is audited. Idempotent: a requisition is recognised by its
title and made only once.

It uses published, compliant products from the catalogue's demo data when there are
enough; otherwise it adds a few products of its own (with price breaks and a verified
conformance to the seeded NC-SEC-001) so that it works on its own too. Contracted
requisitions need the contract documents of the next release and are not seeded.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, User
from catalogue.models import Category, Conformance, PriceBreak, Product, ProductStatus
from catalogue.policies import orderable_products
from catalogue.selectors.compliance import compute as compliance_of
from catalogue.services import compliance
from core.invariants import present
from procurement import notifications, services
from procurement.models import JointRequisition, Participation, RequisitionStatus
from procurement.policies import sign_off
from standards.models import StandardVersion, VersionStatus

DEMO_SUPPLIER = "aldgate-mobile"
DEMO_CATEGORY = ("demo-mobile-devices", "Portable computers", "30213100-6")

# sku, name, summary, unit, breaks (min quantity, unit price)
DEMO_PRODUCTS = [
    (
        "AM-RL14",
        "Rugged 14-inch laptop",
        "Sealed laptop with vehicle dock and hot-swap battery.",
        [(1, "1450.00"), (50, "1320.00"), (200, "1190.00"), (500, "1100.00")],
    ),
    (
        "AM-PH6",
        "Secure police smartphone",
        "Managed smartphone with hardware-backed encryption.",
        [(1, "420.00"), (100, "385.00"), (250, "350.00"), (1000, "320.00")],
    ),
    (
        "AM-TB10",
        "Rugged 10-inch tablet",
        "Tablet for forensic and scene-of-crime teams.",
        [(1, "780.00"), (25, "720.00"), (100, "660.00")],
    ),
    (
        "AM-BWV3",
        "Body-worn camera with docking",
        "Camera with SHA-256 evidence hashing and a docking station.",
        [(1, "395.00"), (100, "355.00"), (400, "320.00")],
    ),
]


def _force(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def _user(local: str, slug: str) -> User:
    return User.objects.get(email=f"{local}@{slug}.police.example")


def _commercial_lead() -> User:
    return User.objects.get(email="commercial@ictco.example")


def _verifiably_compliant(products: list[Product]) -> list[Product]:
    computed = compliance_of([p.pk for p in products])
    return [p for p in products if computed.get(p.pk)]


def demo_products() -> list[Product]:
    """Four published, compliant products with price breaks: the catalogue's if it has
    them, else ones added here."""
    existing = list(
        orderable_products().filter(price_breaks__min_quantity__gt=1).distinct().order_by("pk")[:50]
    )
    usable = _verifiably_compliant(existing)
    if len(usable) >= 4:
        return usable[:4]
    return _own_products()


def _own_products() -> list[Product]:
    supplier = Organisation.objects.get(slug=DEMO_SUPPLIER)
    slug, name, cpv = DEMO_CATEGORY
    category = Category.objects.filter(cpv_code=cpv).first() or Category.objects.create(
        slug=slug, name=name, cpv_code=cpv
    )
    version = (
        StandardVersion.objects.filter(
            standard__reference="NC-SEC-001", status=VersionStatus.ADOPTED
        )
        .order_by("-version")
        .first()
    )
    products = []
    for sku, product_name, summary, breaks in DEMO_PRODUCTS:
        list_price = Decimal(breaks[0][1])
        product, created = Product.objects.get_or_create(
            supplier=supplier,
            sku=sku,
            defaults={
                "name": product_name,
                "summary": summary,
                "description": summary,
                "category": category,
                "list_price": list_price,
                "lead_time_days": 21,
                "status": ProductStatus.PUBLISHED,
                "published_at": timezone.now(),
                "is_compliant": True,
            },
        )
        if created:
            PriceBreak.objects.bulk_create(
                PriceBreak(product=product, min_quantity=q, unit_price=Decimal(p))
                for q, p in breaks
            )
            if version is not None:
                Conformance.objects.create(
                    product=product,
                    standard_version=version,
                    status="verified",
                    decided_at=timezone.now(),
                    decision_reason="Demo: certificate of assurance checked.",
                )
            compliance.refresh([product.pk])
        products.append(product)
    return products


@dataclass(frozen=True)
class Plan:
    title: str
    product: int  # index into demo_products()
    lead: str
    pledges: list[tuple[str, int]]  # (force slug, quantity), the lead first
    state: str
    closes_in_days: int = 14


PLANS = [
    Plan(
        "Rugged laptops for response policing",
        0,
        "kent",
        [("kent", 40), ("essex", 35), ("sussex", 30)],
        "open",
        10,
    ),
    Plan(
        "Secure smartphones for neighbourhood teams",
        1,
        "west-midlands",
        [
            ("west-midlands", 60),
            ("staffordshire", 25),
            ("warwickshire", 15),
            ("west-mercia", 30),
            ("derbyshire", 40),
            ("leicestershire", 35),
        ],
        "open",
        21,
    ),
    Plan(
        "Body-worn cameras: 5 short of the next price break",
        3,
        "north-yorkshire",
        [("north-yorkshire", 40), ("humberside", 30), ("cleveland", 25)],
        "open",
        5,
    ),
    Plan("Tablets for scenes of crime", 2, "dorset", [("dorset", 8)], "open", 30),
    Plan(
        "Rugged tablets for forensic teams",
        2,
        "thames-valley",
        [("thames-valley", 60), ("hampshire", 30), ("surrey", 25)],
        "closed",
    ),
    Plan(
        "Smartphones for roads policing",
        1,
        "lancashire",
        # Not Merseyside: with its laptops (the same CPV category) it would be a split purchase.
        [("lancashire", 70), ("cumbria", 20), ("durham", 60)],
        "approved",
    ),
    Plan(
        "Laptops for the regional organised crime units",
        0,
        "greater-manchester",
        [("greater-manchester", 120), ("cheshire", 60), ("merseyside", 40)],
        "approved_needs_sign_off",
    ),
    Plan(
        "Body-worn cameras for Wales",
        3,
        "south-wales",
        [("south-wales", 150), ("gwent", 60), ("dyfed-powys", 50), ("north-wales", 60)],
        "awarded",
    ),
    Plan(
        "Laptops for custody suites",
        0,
        "norfolk",
        [("norfolk", 12), ("suffolk", 10)],
        "cancelled",
    ),
]


def _approve_all(requisition: JointRequisition) -> None:
    for participation in requisition.participations.select_related("force").order_by("pk"):
        slug = participation.force.slug
        services.participation_approve(
            participation=participation,
            approver=_user("finance2", slug),
            comment="Within the capital budget for this year.",
        )


def _make(plan: Plan, product: Product) -> JointRequisition:
    lead_slug, lead_quantity = plan.pledges[0]
    lead = _force(lead_slug)
    buyer = _user("buyer", lead_slug)
    requisition = services.requisition_start(
        user=buyer,
        force=lead,
        product=product,
        closes_at=timezone.now() + datetime.timedelta(days=plan.closes_in_days),
        quantity=lead_quantity,
        delivery_address=f"{lead.name}\nCentral stores",
        cost_centre=f"ICT-{lead_slug[:4].upper()}-01",
        note="Demo requisition: join if your force needs these this year.",
        title=plan.title,
        internal_note="Funded from the devices refresh budget.",
    )
    for slug, quantity in plan.pledges[1:]:
        force = _force(slug)
        services.participation_join(
            requisition=requisition,
            user=_user("buyer", slug),
            force=force,
            quantity=quantity,
            delivery_address=f"{force.name}\nStores",
            cost_centre=f"CC-{slug[:4].upper()}",
        )
    if plan.state == "open":
        return requisition
    if plan.state == "cancelled":
        services.requisition_cancel(
            requisition=requisition, user=buyer, reason="Demo: funding moved to next year."
        )
        return requisition
    services.requisition_close(requisition=requisition, user=buyer)
    if plan.state == "closed":
        first = present(requisition.participations.order_by("pk").first(), "a participation")
        services.participation_approve(
            participation=first, approver=_user("finance", first.force.slug), comment="Budgeted."
        )
        return requisition
    _approve_all(requisition)
    requisition.refresh_from_db()
    if plan.state == "awarded":
        requirement = sign_off.sign_off_requirement(requisition)
        if requirement.needed:
            services.requisition_sign_off(
                requisition=requisition,
                user=_commercial_lead(),
                reasons="Separate operational needs, checked with the forces."
                if requirement.reasons_required
                else "",
            )
        services.requisition_award(requisition=requisition, user=_commercial_lead())
    return requisition


@transaction.atomic
def seed(stdout=None) -> int:
    """Add the demo requisitions that are missing; returns how many were made."""
    products = demo_products()
    made = 0
    with notifications.muted():
        for plan in PLANS:
            if JointRequisition.objects.filter(title=plan.title).exists():
                continue
            _make(plan, products[plan.product % len(products)])
            made += 1
    if stdout is not None:
        counts = {
            status: JointRequisition.objects.filter(status=status).count()
            for status in RequisitionStatus.values
        }
        summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
        stdout.write(
            f"procurement: {made} requisitions added ({summary}); "
            f"{Participation.objects.count()} participations; VAT {settings.VAT_RATE}"
        )
    return made
