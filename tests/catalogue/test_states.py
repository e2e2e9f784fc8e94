"""The catalogue's machines: the review pages offer what the machine allows, and a claim
against an abolished standard cannot be verified."""

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue import services
from catalogue.models import ConformanceStatus, ProductStatus, RevisionStatus
from catalogue.states import CONFORMANCE, PRODUCT, REVISION
from core.errors import InvalidTransition
from tests.factories import ConformanceFactory, ProductFactory, ProductRevisionFactory

pytestmark = pytest.mark.django_db


def test_a_claim_against_an_abolished_standard_is_not_offered_for_verification(
    client, catalogue_manager
):
    claim = ConformanceFactory(status=ConformanceStatus.CLAIMED)
    standard = claim.standard_version.standard
    standard.abolished_at = timezone.now()
    standard.save()

    client.force_login(catalogue_manager)
    body = client.get(reverse("catalogue:review_conformance", args=[claim.pk])).content.decode()

    assert "Verify the claim" not in body
    assert "The standard has been abolished: the claim cannot be verified." in body
    assert "Reject the claim" in body
    with pytest.raises(InvalidTransition, match="abolished"):
        services.conformance_verify(conformance=claim, actor=catalogue_manager)


def test_a_lapsed_claim_is_final_and_says_so():
    claim = ConformanceFactory(status=ConformanceStatus.LAPSED)
    assert CONFORMANCE.targets(claim) == []
    assert CONFORMANCE.refusal(claim, ConformanceStatus.REJECTED) == (
        "This claim is lapsed: it cannot be rejected."
    )


def test_the_owner_is_offered_submission_only_where_the_machines_allow_it(
    client, supplier, supplier_editor
):
    product = ProductFactory(supplier=supplier)
    client.force_login(supplier_editor)
    url = reverse("catalogue:product_detail", args=[product.pk])
    submit = reverse("catalogue:product_submit", args=[product.pk])

    assert product.status == ProductStatus.PUBLISHED and not PRODUCT.can(
        product, ProductStatus.SUBMITTED
    )
    assert submit not in client.get(url).content.decode()

    PRODUCT.change(product, ProductStatus.WITHDRAWN)
    assert submit in client.get(url).content.decode()


def test_a_change_awaiting_review_is_not_submitted_twice(supplier, supplier_editor):
    product = ProductFactory(supplier=supplier)
    revision = ProductRevisionFactory(product=product, status=RevisionStatus.SUBMITTED)
    assert REVISION.refusal(revision, RevisionStatus.SUBMITTED) == (
        "These changes are already awaiting review."
    )
    with pytest.raises(InvalidTransition, match="already awaiting review"):
        services.product_submit(product=product, actor=supplier_editor)
