"""Reference data every install needs: the UK procurement thresholds in force by date.

Sub-central authorities' supplies and services, including VAT (Procurement Act 2023):
GBP 214,904 from 2024-01-01 and GBP 207,720 from 2026-01-01; awards of GBP 30,000 or
more are notifiable. Staff can add later figures in the admin.
"""

import datetime
from decimal import Decimal

from django.db import migrations

THRESHOLDS = [
    (
        "sign_off",
        Decimal("214904.00"),
        datetime.date(2024, 1, 1),
        "Sub-central authorities, supplies and services, including VAT (2024-25).",
    ),
    (
        "sign_off",
        Decimal("207720.00"),
        datetime.date(2026, 1, 1),
        "Sub-central authorities, supplies and services, including VAT (2026-27).",
    ),
    (
        "notifiable",
        Decimal("30000.00"),
        datetime.date(2024, 1, 1),
        "Contracts of GBP 30,000 or more, including VAT: the award must be published.",
    ),
]


def seed(apps, schema_editor):
    ProcurementThreshold = apps.get_model("procurement", "ProcurementThreshold")
    for kind, amount, effective_from, description in THRESHOLDS:
        ProcurementThreshold.objects.get_or_create(
            kind=kind,
            effective_from=effective_from,
            defaults={"amount": amount, "includes_vat": True, "description": description},
        )


def unseed(apps, schema_editor):
    ProcurementThreshold = apps.get_model("procurement", "ProcurementThreshold")
    for kind, amount, effective_from, _ in THRESHOLDS:
        ProcurementThreshold.objects.filter(
            kind=kind, effective_from=effective_from, amount=amount
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("procurement", "0002_close_blocked_and_quantity_cap")]

    operations = [migrations.RunPython(seed, unseed)]
