"""An awarded joint requisition with its order, built directly, for document and OCDS tests."""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.demo.loader import FORCES
from accounts.models import Organisation, OrganisationKind, Role
from core.money import vat_on
from procurement.models import (
    Approval,
    ApprovalDecision,
    JointRequisition,
    Order,
    OrderLine,
    Participation,
    ParticipationStatus,
    RequisitionStatus,
)
from tests.factories import (
    ConformanceFactory,
    ICTCompanyFactory,
    OrganisationFactory,
    ProductFactory,
    member,
)


def awarded_order(forces: int = 3, *, name_prefix: str = "") -> Order:
    ict_company = ICTCompanyFactory(address="1 Victoria Street\nLondon\nSW1H 0ET")
    commercial = member(Role.COMMERCIAL_LEAD, ict_company)
    product = ProductFactory(
        name="Rugged laptop R7 <b>bold</b> & co",
        list_price=Decimal("1250.00"),
        breaks=[(1, "1250.00"), (50, "1100.00"), (500, "999.99")],
    )
    ConformanceFactory(product=product, decided_at=timezone.now())
    organisations = []
    for slug, name, headcount in FORCES[:forces]:
        organisation = Organisation.objects.filter(slug=slug).first() or OrganisationFactory(
            kind=OrganisationKind.FORCE,
            slug=slug,
            name=name_prefix + name,
            officer_headcount=headcount,
        )
        organisations.append(organisation)
    lead = organisations[0]
    buyer = member(Role.BUYER, lead)
    finance = member(Role.FINANCE, lead, approval_limit=Decimal("5000000.00"))
    now = timezone.now()
    quantities = [10 + 7 * i for i in range(len(organisations))]
    total_quantity = sum(quantities)
    unit_price = (
        Decimal("999.99")
        if total_quantity >= 500
        else (Decimal("1100.00") if total_quantity >= 50 else Decimal("1250.00"))
    )
    subtotal = unit_price * total_quantity
    shares = [unit_price * q for q in quantities]
    # VAT per force line to the penny; the order's VAT is their sum (procurement.domain.arithmetic).
    vats = [vat_on(share, Decimal("0.20")) for share in shares]
    vat = sum(vats, Decimal("0.00"))
    requisition = JointRequisition.objects.create(
        ocid=f"ocds-nc0001-test-{JointRequisition.objects.count() + 1}",
        product=product,
        lead_force=lead,
        created_by=buyer,
        title=f"Joint purchase of {product.name}",
        note="Replacement of patrol laptops.",
        closes_at=now,
        status=RequisitionStatus.AWARDED,
        closed_at=now,
        closed_by=buyer,
        total_quantity=total_quantity,
        pooled_unit_price=unit_price,
        price_break_min_quantity=500 if total_quantity >= 500 else 50,
        vat_rate=Decimal("0.20"),
        subtotal=subtotal,
        vat=vat,
        total=subtotal + vat,
        awarded_by=commercial,
        awarded_at=now,
    )
    # Events in their real order: opened, closed, awarded.
    JointRequisition.objects.filter(pk=requisition.pk).update(
        created_at=now - datetime.timedelta(days=30),
        closes_at=now - datetime.timedelta(days=16),
        closed_at=now - datetime.timedelta(days=16),
        awarded_at=now - datetime.timedelta(days=10),
    )
    requisition.refresh_from_db()
    order = Order.objects.create(
        joint_requisition=requisition,
        number=f"NC-2026-{requisition.pk:06d}",
        supplier=product.supplier,
        unit_price=unit_price,
        subtotal=subtotal,
        vat=vat,
        total=subtotal + vat,
        notifiable=True,
    )
    for organisation, quantity, share, line_vat in zip(
        organisations, quantities, shares, vats, strict=True
    ):
        participation = Participation.objects.create(
            joint_requisition=requisition,
            force=organisation,
            quantity=quantity,
            delivery_address=f"Stores, {organisation.name}\nHeadquarters Road\nAB1 2CD",
            cost_centre=f"CC-{organisation.slug[:6].upper()}",
            status=ParticipationStatus.APPROVED,
            entered_by=buyer,
            last_changed_by=buyer,
            share=share,
            vat=line_vat,
        )
        Approval.objects.create(
            participation=participation,
            approver=finance,
            decision=ApprovalDecision.APPROVE,
            amount=share + line_vat,
            approver_limit=Decimal("5000000.00"),
        )
        OrderLine.objects.create(
            order=order,
            participation=participation,
            force=organisation,
            quantity=quantity,
            unit_price=unit_price,
            share=share,
            vat=line_vat,
            total=share + line_vat,
            delivery_address=participation.delivery_address,
            cost_centre=participation.cost_centre,
        )
    return order
