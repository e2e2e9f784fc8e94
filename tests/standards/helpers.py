"""Small helpers for the network code's tests: proposals walked through their lifecycle
by the services, and awarded orders for the impact (without procurement's factories)."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role
from procurement.models import JointRequisition, Order, OrderLine, Participation
from standards import services
from standards.models import DecisionRule, Proposal, ProposalAction
from tests.factories import ForceFactory, member

DAY = datetime.timedelta(days=1)
_numbers = itertools.count(1)


def default_rule() -> DecisionRule:
    rule, _ = DecisionRule.objects.get_or_create(
        version=1,
        defaults={
            "quorum": Decimal("0.5"),
            "forces_majority": Decimal("0.55"),
            "headcount_majority": Decimal("0.65"),
            "effective_from": timezone.now() - 365 * DAY,
        },
    )
    return rule


def draft(proposer, *, action=ProposalAction.REVISE, standard=None, **fields) -> Proposal:
    number = next(_numbers)
    if action == ProposalAction.ESTABLISH:
        fields.setdefault("proposed_reference", f"NC-NEW-{number:03d}")
        fields.setdefault("proposed_title", f"New standard {number}")
        fields.setdefault("proposed_domain", "networks")
    if action != ProposalAction.ABOLISH:
        fields.setdefault("text", f"## Requirement\n\nRevised requirement number {number}.")
    fields.setdefault("title", f"Proposal {number}")
    fields.setdefault("rationale", "Forces asked for it.")
    return services.proposal_create(proposer=proposer, action=action, standard=standard, **fields)


def to_consultation(proposal, secretary, *, closes_in=14 * DAY, now=None) -> Proposal:
    now = now or timezone.now()
    return services.proposal_open_consultation(
        proposal=proposal, actor=secretary, closes_at=now + closes_in, now=now
    )


def to_voting(proposal, secretary, *, closes_in=7 * DAY, now=None) -> Proposal:
    """Through a consultation that ended yesterday, into a vote open from ``now``."""
    now = now or timezone.now()
    default_rule()
    to_consultation(proposal, secretary, closes_in=14 * DAY, now=now - 15 * DAY)
    return services.proposal_open_voting(
        proposal=proposal, actor=secretary, closes_at=now + closes_in, now=now
    )


def delegates(count: int, *, headcount: int = 1000, prefix: str = "force") -> list:
    """``count`` new forces, each with a delegate; returns the delegates."""
    users = []
    for _ in range(count):
        number = next(_numbers)
        force = ForceFactory(
            name=f"{prefix.title()} {number} Police",
            slug=f"{prefix}-{number}",
            officer_headcount=headcount,
        )
        users.append(member(Role.DELEGATE, force, email=f"delegate@{prefix}-{number}.example"))
    return users


def awarded_order(product, quantities: dict, *, status="placed", created_by=None) -> Order:
    """An awarded joint requisition for ``product`` with an order line per force."""
    number = next(_numbers)
    forces = list(quantities)
    lead = forces[0]
    if created_by is None:
        created_by = member(Role.BUYER, lead, email=f"buyer{number}@{lead.slug}.example")
    requisition = JointRequisition.objects.create(
        ocid=f"ocds-test-{number:05d}",
        product=product,
        lead_force=lead,
        created_by=created_by,
        closes_at=timezone.now() - 30 * DAY,
        status="awarded",
    )
    unit_price = Decimal("90.00")
    total_quantity = sum(quantities.values())
    subtotal = unit_price * total_quantity
    order = Order.objects.create(
        joint_requisition=requisition,
        number=f"NC-ORD-{number:05d}",
        supplier=product.supplier,
        status=status,
        unit_price=unit_price,
        subtotal=subtotal,
        vat=subtotal / 5,
        total=subtotal + subtotal / 5,
    )
    for force, quantity in quantities.items():
        participation = Participation.objects.create(
            joint_requisition=requisition,
            force=force,
            quantity=quantity,
            delivery_address="1 Police Street",
            cost_centre="ICT-01",
            status="approved",
            entered_by=created_by,
            last_changed_by=created_by,
        )
        share = unit_price * quantity
        OrderLine.objects.create(
            order=order,
            participation=participation,
            force=force,
            quantity=quantity,
            unit_price=unit_price,
            share=share,
            vat=share / 5,
            total=share + share / 5,
            delivery_address="1 Police Street",
            cost_centre="ICT-01",
        )
    return order
