import pytest

from accounts.demo.loader import SUPPLIERS
from catalogue.domain.pricing import price_break_errors
from catalogue.models import Category, Conformance, Product, ProductRevision
from core.cpv import validate_cpv_code

pytestmark = pytest.mark.django_db

# The demo is seeded once per run (the ``demo`` fixture, tests/conftest.py); that a second
# run changes nothing is tests/procurement/test_demo.py's.


def test_the_demo_catalogue_is_realistic(demo):
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


def test_the_demo_categories_are_a_tree_of_valid_cpv_codes(demo):
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


def test_the_demo_evidence_is_stored_pdf(demo):
    claim = Conformance.objects.select_related("product").first()

    with claim.evidence.open("rb") as evidence:
        assert evidence.read(5) == b"%PDF-"
    assert len(claim.evidence_sha256) == 64
