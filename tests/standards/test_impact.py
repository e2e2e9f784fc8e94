"""The impact of a revision or abolition: what it touches and what forces have bought."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import Conformance
from standards import selectors
from standards.models import ProposalAction
from tests.factories import (
    ConformanceFactory,
    ForceFactory,
    ProductFactory,
    StandardVersionFactory,
    SupplierFactory,
)
from tests.standards.helpers import awarded_order, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(version, force, other_force, supplier, other_supplier):
    """Two suppliers' products verified against the version, with awarded orders."""
    acme, rival = supplier, other_supplier
    laptop = ProductFactory(name="Rugged laptop", supplier=acme)
    tablet = ProductFactory(name="Rugged tablet", supplier=rival)
    ConformanceFactory(product=laptop, standard_version=version)
    ConformanceFactory(product=tablet, standard_version=version)
    awarded_order(laptop, {force: 40, other_force: 10})
    awarded_order(laptop, {force: 5}, status="contracted")
    awarded_order(tablet, {other_force: 7})
    return {"laptop": laptop, "tablet": tablet, "acme": acme, "rival": rival}


def impact_for(user, proposal):
    return selectors.proposal_impact(proposal=proposal, user=user)


def test_a_revision_shows_the_products_suppliers_and_what_each_force_bought(
    delegate, version, scene
):
    proposal = draft(delegate, standard=version.standard)

    impact = impact_for(delegate, proposal)

    assert impact["applies"] is True
    assert impact["final"] is False
    assert impact["quantities_visible"] is True
    assert [v["version"] for v in impact["versions"]] == [1]
    laptop, tablet = impact["products"]
    assert (laptop["name"], laptop["supplier"]["name"], laptop["total_quantity"]) == (
        "Rugged laptop",
        "Acme Devices Ltd",
        55,
    )
    assert [(q["force"]["slug"], q["quantity"]) for q in laptop["quantities"]] == [
        ("otherton", 10),
        ("testshire", 45),
    ]
    assert (tablet["name"], tablet["total_quantity"]) == ("Rugged tablet", 7)
    assert [
        (s["supplier"]["slug"], s["products"], s["total_quantity"]) for s in impact["suppliers"]
    ] == [("acme", 1, 55), ("rival", 1, 7)]
    assert [(f["force"]["slug"], f["quantity"]) for f in impact["forces"]] == [
        ("testshire", 45),
        ("otherton", 17),
    ]
    assert impact["totals"] == {"products": 2, "suppliers": 2, "forces": 2, "quantity": 62}


def test_only_published_products_with_verified_conformance_count(delegate, version, scene):
    unpublished = ProductFactory(name="Draft laptop", status="draft")
    ConformanceFactory(product=unpublished, standard_version=version)
    claimed = ProductFactory(name="Claimed laptop")
    ConformanceFactory(product=claimed, standard_version=version, status="claimed")
    elsewhere = ProductFactory(name="Other standard's laptop")
    ConformanceFactory(product=elsewhere)
    Conformance.objects.filter(product=scene["tablet"]).update(status="lapsed")

    impact = impact_for(delegate, draft(delegate, standard=version.standard))

    assert [p["name"] for p in impact["products"]] == ["Rugged laptop"]


def test_cancelled_orders_and_open_requisitions_are_not_bought(delegate, force, version, scene):
    awarded_order(scene["laptop"], {force: 1000}, status="cancelled")

    impact = impact_for(delegate, draft(delegate, standard=version.standard))

    assert impact["products"][0]["total_quantity"] == 55


def test_an_abolition_touches_every_version_still_in_force(delegate, force, version):
    version.status = "superseded"
    version.save()
    newer = StandardVersionFactory(standard=version.standard, version=2)
    old_product = ProductFactory(name="Old laptop")
    new_product = ProductFactory(name="New laptop")
    both = ProductFactory(name="Both laptop")
    ConformanceFactory(product=old_product, standard_version=version)
    ConformanceFactory(product=new_product, standard_version=newer)
    ConformanceFactory(product=both, standard_version=version)
    ConformanceFactory(product=both, standard_version=newer)

    revise = impact_for(delegate, draft(delegate, standard=version.standard))
    abolish = impact_for(
        delegate, draft(delegate, action=ProposalAction.ABOLISH, standard=version.standard)
    )

    assert sorted(p["name"] for p in revise["products"]) == ["Both laptop", "New laptop"]
    assert sorted((p["name"], tuple(p["versions"])) for p in abolish["products"]) == [
        ("Both laptop", (1, 2)),
        ("New laptop", (2,)),
        ("Old laptop", (1,)),
    ]


def test_establishing_a_standard_has_no_impact(delegate):
    impact = impact_for(delegate, draft(delegate, action=ProposalAction.ESTABLISH))

    assert impact["applies"] is False
    assert impact["products"] == []


@pytest.mark.parametrize(
    ("user_fixture", "sees"),
    [
        ("buyer", True),
        ("finance", True),
        ("delegate", True),
        ("other_buyer", True),
        ("catalogue_manager", True),
        ("commercial_lead", True),
        ("standards_secretary", True),
        ("supplier_editor", False),
        ("other_supplier_editor", False),
    ],
)
def test_suppliers_see_the_affected_products_but_not_what_forces_bought(
    request, user_fixture, sees, delegate, version, scene
):
    proposal = draft(delegate, standard=version.standard)

    impact = impact_for(request.getfixturevalue(user_fixture), proposal)

    assert impact["quantities_visible"] is sees
    assert [p["name"] for p in impact["products"]] == ["Rugged laptop", "Rugged tablet"]
    if sees:
        assert impact["totals"]["quantity"] == 62
    else:
        assert impact["totals"]["quantity"] is None
        assert impact["forces"] == []
        assert all(p["quantities"] == [] for p in impact["products"])
        assert all(s["total_quantity"] is None for s in impact["suppliers"])


def test_the_impact_takes_the_same_number_of_queries_however_large(delegate, version):
    proposal = draft(delegate, standard=version.standard)
    forces = [ForceFactory() for _ in range(3)]
    product = ProductFactory()
    ConformanceFactory(product=product, standard_version=version)
    awarded_order(product, {forces[0]: 1})
    delegate.refresh_from_db()

    with CaptureQueriesContext(connection) as small:
        impact_for(delegate, proposal)
    for index in range(12):
        product = ProductFactory(supplier=SupplierFactory())
        ConformanceFactory(product=product, standard_version=version)
        awarded_order(product, {force: index + 1 for force in forces})
    with CaptureQueriesContext(connection) as large:
        impact = impact_for(delegate, proposal)

    assert impact["totals"]["products"] == 13
    assert len(large) == len(small) <= 3
