import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from procurement import services
from procurement.models import RequisitionStatus
from tests.factories import ForceFactory, member
from tests.procurement.conftest import join, start

pytestmark = pytest.mark.django_db


def _requisition_with(forces: int, product, suffix: str):
    lead = ForceFactory(slug=f"lead-{suffix}", name=f"Lead {suffix}")
    lead_buyer = member(Role.BUYER, lead, email=f"buyer@lead-{suffix}.example")
    requisition = start(lead_buyer, lead, product, quantity=3)
    for i in range(forces - 1):
        force = ForceFactory(slug=f"f-{suffix}-{i}", name=f"Force {suffix} {i}")
        join(requisition, member(Role.BUYER, force, email=f"b{i}@{suffix}.example"), force, i + 1)
    return requisition, lead_buyer


def _queries_to_close(requisition, user) -> int:
    with CaptureQueriesContext(connection) as captured:
        services.requisition_close(requisition=requisition, user=user)
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.CLOSED
    return len(captured)


def test_closing_takes_the_same_number_of_queries_for_2_or_44_forces(product):
    small, small_buyer = _requisition_with(2, product, "s")
    large, large_buyer = _requisition_with(44, product, "l")

    small_count = _queries_to_close(small, small_buyer)
    large_count = _queries_to_close(large, large_buyer)

    assert large.participations.count() == 44
    assert large_count == small_count
    assert large_count <= 35  # split purchases, the OCDS tender, the guards at the move


def test_the_requisition_api_takes_a_constant_number_of_queries(api, product, commercial_lead):
    small, _ = _requisition_with(2, product, "s")
    large, _ = _requisition_with(44, product, "l")
    api.as_user(commercial_lead)
    api.get(f"/api/v1/joint-requisitions/{small.pk}/")  # loads the user's memberships once

    with CaptureQueriesContext(connection) as few:
        api.get(f"/api/v1/joint-requisitions/{small.pk}/")
    with CaptureQueriesContext(connection) as many:
        response = api.get(f"/api/v1/joint-requisitions/{large.pk}/")

    assert response.status_code == 200
    assert len(response.json()["participations"]) == 44
    assert len(many) == len(few)
