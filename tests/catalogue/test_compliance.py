import pytest
from django.utils import timezone

from catalogue.models import Product
from catalogue.services import compliance
from tests.factories import (
    CategoryFactory,
    ConformanceFactory,
    ProductFactory,
    StandardVersionFactory,
)

pytestmark = pytest.mark.django_db


def compliant(product) -> bool:
    compliance.refresh([product.pk])
    return Product.objects.get(pk=product.pk).is_compliant


def test_a_verified_conformance_to_an_adopted_version_makes_a_product_compliant():
    conformance = ConformanceFactory(product=ProductFactory(is_compliant=False))

    assert compliant(conformance.product)


def test_a_product_with_no_verified_conformance_is_not_compliant():
    product = ProductFactory(is_compliant=False)
    ConformanceFactory(product=product, status="claimed")

    assert not compliant(product)


def test_a_standard_required_by_an_ancestor_category_must_be_met():
    parent = CategoryFactory(cpv_code="30200000-1", slug="computers")
    child = CategoryFactory(cpv_code="30213100-6", slug="laptops", parent=parent)
    required = StandardVersionFactory()
    parent.required_standards.add(required.standard)
    product = ProductFactory(category=child, is_compliant=False)
    ConformanceFactory(product=product)  # to some other standard

    assert not compliant(product)
    ConformanceFactory(product=product, standard_version=required)
    assert compliant(product)


def test_a_lapsed_conformance_makes_the_product_non_compliant():
    conformance = ConformanceFactory()
    product = conformance.product
    assert compliant(product)

    conformance.status = "lapsed"
    conformance.lapsed_at = timezone.now()
    conformance.save()

    assert not compliant(product)


def test_conformance_to_a_superseded_version_counts_until_it_lapses():
    old = StandardVersionFactory(status="superseded")
    StandardVersionFactory(standard=old.standard, version=2)
    conformance = ConformanceFactory(standard_version=old)

    assert compliant(conformance.product)


def test_an_abolished_standard_is_no_longer_required():
    required = StandardVersionFactory()
    category = CategoryFactory()
    category.required_standards.add(required.standard)
    product = ProductFactory(category=category, is_compliant=False)
    ConformanceFactory(product=product)
    assert not compliant(product)

    required.standard.abolished_at = timezone.now()
    required.standard.save()

    assert compliant(product)


def test_refresh_reports_how_many_products_changed():
    products = ProductFactory.create_batch(3, is_compliant=False)
    ConformanceFactory(product=products[0])
    # A flag left behind by a change that did not recompute it (the factories keep it true).
    Product.objects.filter(pk__in=[p.pk for p in products]).update(is_compliant=True)

    assert compliance.refresh([p.pk for p in products]) == 2
    assert compliance.refresh([p.pk for p in products]) == 0


def test_the_factories_make_compliance_from_rows():
    """ProductFactory's compliant product has the rows that make it so (issue 10)."""
    category = CategoryFactory()
    required = StandardVersionFactory()
    category.required_standards.add(required.standard)

    plain = ProductFactory()
    in_category = ProductFactory(category=category)
    not_compliant = ProductFactory(is_compliant=False)
    claimed_only = ConformanceFactory(status="claimed").product

    assert plain.conformances.get().status == "verified"
    assert in_category.conformances.get().standard_version == required
    assert not not_compliant.conformances.exists()
    for product in (plain, in_category, not_compliant, claimed_only):
        assert compliance.compute([product.pk])[product.pk] == product.is_compliant
        assert Product.objects.get(pk=product.pk).is_compliant == product.is_compliant
    assert (plain.is_compliant, in_category.is_compliant) == (True, True)
    assert (not_compliant.is_compliant, claimed_only.is_compliant) == (False, False)
