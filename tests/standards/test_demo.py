"""The network code's demo data: a proposal at every stage, seeded through the services."""

from io import StringIO

import pytest
from django.utils import timezone

from accounts import audit
from accounts.demo.loader import seed as seed_accounts
from catalogue.models import Conformance, Product
from standards.demo.proposals import seed_proposals
from standards.demo.registry import seed_registry
from standards.models import Proposal, Standard
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_proposal_at_every_stage(demo):
    """The demo is seeded once per run (tests/conftest.py); that a second run changes
    nothing is tests/procurement/test_demo.py's."""
    statuses = dict(Proposal.objects.values_list("title", "status"))
    assert sorted(statuses.values()) == [
        "consultation",
        "draft",
        "enacted",
        "rejected",
        "voting",
    ]
    voting = Proposal.objects.get(status="voting")
    assert voting.votes.count() == 22  # half of the 44 forces
    assert set(voting.votes.values_list("choice", flat=True)) == {"for", "against", "abstain"}
    assert voting.voting_closes_at > timezone.now()
    assert Proposal.objects.get(status="consultation").comments.count() == 3
    rejected = Proposal.objects.get(status="rejected")
    assert rejected.result["tally"]["forces_majority_met"] is True
    assert rejected.result["tally"]["headcount_majority_met"] is False
    sec = Standard.objects.get(reference="NC-SEC-001")
    assert list(sec.versions.values_list("version", "status")) == [
        (2, "adopted"),
        (1, "superseded"),
    ]
    assert sec.versions.get(version=1).transition_ends_at > timezone.now()

    in_transition = Conformance.objects.filter(
        standard_version=sec.versions.get(version=1), lapses_at__gt=timezone.now()
    ).count()
    if in_transition:
        assert "now inside the transition period" in demo
    else:
        assert "no products were affected" in demo
    assert audit.verify_chain()[1] == []


def test_catalogue_products_conforming_to_nc_sec_001_enter_their_transition_period():
    seed_accounts()
    seed_registry()
    version = Standard.objects.get(reference="NC-SEC-001").versions.get()
    product = ProductFactory(name="Rugged laptop", conformances=[version])
    out = StringIO()

    seed_proposals(stdout=out)

    conformance = Conformance.objects.get(product=product)
    version.refresh_from_db()
    assert conformance.status == "verified"
    assert conformance.lapses_at == version.transition_ends_at > timezone.now()
    assert Product.objects.get(pk=product.pk).is_compliant
    assert "1 product conformance now inside the transition period" in out.getvalue()
