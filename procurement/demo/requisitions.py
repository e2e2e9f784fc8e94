"""Demo joint requisitions in every state reachable in this release, made through the
services so that every step is audited; what they are is data (``requisitions.json``).
Idempotent: a requisition is recognised by its title and made only once.

It uses published, compliant products from the catalogue's demo data when there are
enough; otherwise it adds a few products of its own (with price breaks and a verified
conformance to the seeded NC-SEC-001) so that it works on its own too. Contracted
requisitions need the contract documents of the next release and are not seeded.
"""

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, User
from catalogue.models import Category, Conformance, PriceBreak, Product, ProductStatus
from catalogue.policies import orderable_products
from catalogue.selectors.compliance import compute as compliance_of
from catalogue.services import compliance
from core.invariants import present
from procurement import services
from procurement.models import JointRequisition, Participation, RequisitionStatus
from procurement.policies import sign_off
from procurement.services import notifications
from standards.models import StandardVersion, VersionStatus

# The demo's data: its own products (used when the catalogue has too few) and the requisitions.
DATA = json.loads((Path(__file__).resolve().parent / "requisitions.json").read_text())


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
    supplier = Organisation.objects.get(slug=DATA["supplier"])
    category_data = DATA["category"]
    category = Category.objects.filter(
        cpv_code=category_data["cpv_code"]
    ).first() or Category.objects.create(**category_data)
    version = (
        StandardVersion.objects.filter(
            standard__reference="NC-SEC-001", status=VersionStatus.ADOPTED
        )
        .order_by("-version")
        .first()
    )
    products = []
    for item in DATA["products"]:
        sku, product_name, summary, breaks = (
            item["sku"],
            item["name"],
            item["summary"],
            item["breaks"],
        )
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
    why: str = ""  # what the plan avoids, for the reader of the data


PLANS = [
    Plan(**{**plan, "pledges": [tuple(pledge) for pledge in plan["pledges"]]})
    for plan in DATA["requisitions"]
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
