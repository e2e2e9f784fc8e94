"""Fixtures for the catalogue's tests: a small CPV tree, content and published products."""

from decimal import Decimal

import pytest

from catalogue import services
from catalogue.domain.content import ProductContent
from catalogue.domain.pricing import Tier
from tests.factories import CategoryFactory, StandardVersionFactory


@pytest.fixture
def computers(db):
    return CategoryFactory(name="Computer equipment", slug="computers", cpv_code="30200000-1")


@pytest.fixture
def laptops(computers):
    return CategoryFactory(
        name="Portable computers", slug="laptops", cpv_code="30213100-6", parent=computers
    )


@pytest.fixture
def phones(db):
    return CategoryFactory(name="Mobile telephones", slug="phones", cpv_code="32250000-0")


@pytest.fixture
def encryption(db):
    """NC-SEC-001 version 1, adopted."""
    return StandardVersionFactory(
        standard__reference="NC-SEC-001", standard__title="Encryption at rest"
    )


def make_content(default_category, **changes) -> ProductContent:
    content = ProductContent(
        name="Rugged laptop",
        summary="A rugged laptop for patrol cars",
        description="Sealed against dust and water.",
        category=default_category,
        unit="each",
        list_price=Decimal("1000.00"),
        lead_time_days=14,
        price_breaks=(
            Tier(1, Decimal("1000.00")),
            Tier(10, Decimal("950.00")),
            Tier(100, Decimal("900.00")),
        ),
    )
    return content.replace(**changes)


@pytest.fixture
def content(laptops):
    return make_content(laptops)


@pytest.fixture
def draft(supplier_editor, supplier, content):
    return services.product_create(
        actor=supplier_editor, supplier=supplier, sku="LT-1", content=content
    )


@pytest.fixture
def published(draft, supplier_editor, catalogue_manager):
    services.product_submit(product=draft, actor=supplier_editor)
    return services.product_approve(product=draft, actor=catalogue_manager)
