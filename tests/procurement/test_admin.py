from decimal import Decimal

import pytest

from accounts.models import AuditEvent
from procurement.models import ProcurementThreshold
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_add_a_dated_threshold_in_the_admin_and_it_is_audited(client):
    admin = UserFactory(email="admin@ictco.example", is_staff=True, is_superuser=True)
    client.force_login(admin)

    listing = client.get("/admin/procurement/procurementthreshold/")
    response = client.post(
        "/admin/procurement/procurementthreshold/add/",
        {
            "kind": "sign_off",
            "amount": "210000.00",
            "includes_vat": "on",
            "effective_from": "2028-01-01",
            "description": "Revised threshold",
        },
    )

    assert listing.status_code == 200
    assert "207720" in listing.content.decode().replace(",", "")
    assert response.status_code == 302
    threshold = ProcurementThreshold.objects.get(effective_from="2028-01-01")
    assert threshold.amount == Decimal("210000.00")
    assert AuditEvent.objects.filter(action="threshold.created", actor=admin).exists()


def test_requisitions_are_read_only_in_the_admin(client, closed_requisition):
    admin = UserFactory(email="admin@ictco.example", is_staff=True, is_superuser=True)
    client.force_login(admin)

    page = client.get(f"/admin/procurement/jointrequisition/{closed_requisition.pk}/change/")

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
