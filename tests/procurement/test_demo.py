from io import StringIO

import pytest
from django.core.management import call_command

from accounts.audit import verify_chain
from accounts.demo import loader as accounts_demo
from accounts.models import AuditEvent, Membership, Organisation, User
from catalogue.models import Category, Conformance, PriceBreak, Product, ProductRevision
from procurement.demo import requisitions as demo
from procurement.models import JointRequisition, Order, ProcurementThreshold
from standards.demo import registry as standards_registry
from standards.models import Proposal, Vote

pytestmark = pytest.mark.django_db


def test_the_demo_has_requisitions_in_every_state_and_a_second_run_changes_nothing():
    accounts_demo.seed()
    standards_registry.seed_registry()

    assert demo.seed() == len(demo.PLANS)
    events = AuditEvent.objects.count()
    assert demo.seed() == 0

    assert AuditEvent.objects.count() == events
    states = set(JointRequisition.objects.values_list("status", flat=True))
    assert states == {"open", "closed", "approved", "awarded", "cancelled"}
    # Whether sign-off is needed is the live rule (issue 9, finding 8), not a stored flag.
    approved = JointRequisition.objects.filter(status="approved")
    assert any(r.needs_sign_off for r in approved)
    assert not all(r.needs_sign_off for r in approved)
    assert Order.objects.count() == 1
    assert verify_chain()[1] == []


def test_thresholds_exist_without_the_demo():
    assert ProcurementThreshold.objects.filter(kind="sign_off").count() == 2
    assert ProcurementThreshold.objects.filter(kind="notifiable").count() == 1


def test_a_second_seed_demo_changes_nothing(demo):
    """The command (procurement/management/commands/seed_demo.py) over every app's demo; the
    demo itself is seeded once per run (the ``demo`` fixture, tests/conftest.py)."""

    models = [
        Organisation,
        User,
        Membership,
        Category,
        Product,
        PriceBreak,
        ProductRevision,
        Conformance,
        Proposal,
        Vote,
        JointRequisition,
        Order,
        AuditEvent,
    ]
    before = {model.__name__: model.objects.count() for model in models}
    again = StringIO()

    call_command("seed_demo", "--force", stdout=again)

    assert {model.__name__: model.objects.count() for model in models} == before
    assert "procurement: 0 requisitions added" in again.getvalue()
    assert "proposals: nothing new (already seeded)" in again.getvalue()
    assert verify_chain()[1] == []
