"""The admin: read-only for the network code, except new decision rule versions."""

from decimal import Decimal

import pytest

from accounts.models import AuditEvent, User
from standards.models import DecisionRule


@pytest.mark.django_db
def test_staff_add_a_decision_rule_version_through_the_audited_service(client, rule):
    admin = User.objects.create_superuser("admin@ictco.example", "pw-for-tests-only")
    client.force_login(admin)

    response = client.post(
        "/admin/standards/decisionrule/add/",
        {
            "quorum": "0.6",
            "forces_majority": "0.6",
            "headcount_majority": "0.7",
            "effective_from_0": "2027-01-01",
            "effective_from_1": "00:00:00",
            "notes": "Stricter",
        },
    )

    assert response.status_code == 302
    assert DecisionRule.objects.get(version=2).quorum == Decimal("0.6")
    assert AuditEvent.objects.filter(action="decision_rule.created", actor=admin).count() == 1
    assert client.get("/admin/standards/proposal/").status_code == 200
    assert client.get("/admin/standards/standard/add/").status_code == 403
