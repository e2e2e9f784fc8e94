from io import StringIO

import pytest
from django.core.management import call_command

from accounts.demo.loader import SUPPLIERS
from accounts.models import AuditEvent
from catalogue.domain.pricing import price_break_errors
from catalogue.models import Category, Conformance, PriceBreak, Product, ProductRevision
from core.cpv import validate_cpv_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", "--force", stdout=StringIO())


def test_the_demo_catalogue_is_realistic(seeded):
    published = Product.objects.filter(status="published")

    assert published.count() >= 150
    assert set(published.values_list("supplier__slug", flat=True)) == {s for s, _, _ in SUPPLIERS}
    assert published.values("category").distinct().count() >= 12
    assert published.filter(is_compliant=True).count() > published.count() * 0.8
    for product in published.prefetch_related("price_breaks"):
        breaks = sorted(product.price_breaks.all(), key=lambda b: b.min_quantity)
        assert price_break_errors(breaks, product.list_price) == [], product.sku
        assert product.published_revision is not None
    assert ProductRevision.objects.filter(status="submitted", product__status="published").exists()
    assert Conformance.objects.filter(status="claimed").exists()
    assert Product.objects.filter(status="draft").count() >= 3
    assert Product.objects.filter(status="rejected").exists()
    assert Product.objects.filter(status="submitted").exists()


def test_the_demo_categories_are_a_tree_of_valid_cpv_codes(seeded):
    categories = Category.objects.all()

    for category in categories:
        validate_cpv_code(category.cpv_code)
    laptops = Category.objects.get(cpv_code="30213100-6")
    assert laptops.parent.parent.cpv_code == "30200000-1"
    assert set(
        Category.objects.get(cpv_code="30200000-1").required_standards.values_list(
            "reference", flat=True
        )
    ) == {"NC-SEC-001"}
    assert (
        Category.objects.get(cpv_code="48000000-8")
        .required_standards.filter(reference="NC-IDM-001")
        .exists()
    )
    assert (
        Category.objects.get(cpv_code="32420000-3")
        .required_standards.filter(reference="NC-NET-001")
        .exists()
    )


def test_the_demo_evidence_is_stored_pdf(seeded):
    claim = Conformance.objects.select_related("product").first()

    with claim.evidence.open("rb") as evidence:
        assert evidence.read(5) == b"%PDF-"
    assert len(claim.evidence_sha256) == 64


def test_seeding_the_catalogue_twice_changes_nothing(seeded):
    counts = (
        Category.objects.count(),
        Product.objects.count(),
        PriceBreak.objects.count(),
        ProductRevision.objects.count(),
        Conformance.objects.count(),
        AuditEvent.objects.count(),
    )

    call_command("seed_demo", "--force", stdout=StringIO())

    assert (
        Category.objects.count(),
        Product.objects.count(),
        PriceBreak.objects.count(),
        ProductRevision.objects.count(),
        Conformance.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
