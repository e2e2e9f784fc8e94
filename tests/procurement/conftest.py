"""Fixtures for joint requisitions: a compliant product, a third force, more approvers."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from procurement import services
from tests.factories import ForceFactory, ProductFactory, member


@pytest.fixture
def product(supplier):
    """Breaks at 1, 10 and 100 units: 100.00, 90.00, 80.00 each."""
    return ProductFactory(supplier=supplier, name="Rugged laptop R1")


@pytest.fixture
def third_force(db):
    return ForceFactory(name="Thirdshire Police", slug="thirdshire", officer_headcount=1200)


@pytest.fixture
def third_buyer(third_force):
    return member(Role.BUYER, third_force, email="buyer@thirdshire.police.example")


@pytest.fixture
def other_finance(other_force):
    return member(Role.FINANCE, other_force, email="finance@otherton.police.example")


@pytest.fixture
def third_finance(third_force):
    return member(Role.FINANCE, third_force, email="finance@thirdshire.police.example")


@pytest.fixture
def low_finance(force):
    """A finance approver of the test force whose limit is only GBP 100."""
    return member(
        Role.FINANCE,
        force,
        email="junior.finance@testshire.police.example",
        approval_limit=Decimal("100.00"),
    )


@pytest.fixture
def senior_finance(force):
    return member(
        Role.FINANCE,
        force,
        email="senior.finance@testshire.police.example",
        approval_limit=Decimal("5000000.00"),
    )


def later(days: int = 7) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def start(user, force, product, quantity=5, **extra):
    return services.requisition_start(
        user=user,
        force=force,
        product=product,
        closes_at=extra.pop("closes_at", later()),
        quantity=quantity,
        delivery_address=extra.pop("delivery_address", f"{force.name} HQ\nStores"),
        cost_centre=extra.pop("cost_centre", "ICT-001"),
        note=extra.pop("note", "Laptops for response officers."),
        **extra,
    )


def join(requisition, user, force, quantity=5, **extra):
    return services.participation_join(
        requisition=requisition,
        user=user,
        force=force,
        quantity=quantity,
        delivery_address=extra.pop("delivery_address", f"{force.name} stores"),
        cost_centre=extra.pop("cost_centre", "CC-9"),
        **extra,
    )


@pytest.fixture
def requisition(buyer, force, product):
    """Open, led by the test force with 5 units."""
    return start(buyer, force, product, quantity=5)


@pytest.fixture
def closed_requisition(requisition, other_buyer, other_force, buyer):
    """Closed with the test force (5) and the other force (6): 11 units at 90.00."""
    join(requisition, other_buyer, other_force, quantity=6)
    return services.requisition_close(requisition=requisition, user=buyer)
