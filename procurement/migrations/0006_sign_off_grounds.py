"""Sign-off records its grounds, reasons and evidence; whether it is needed is no longer a
stored flag (it went stale when a threshold changed) but the live rule in
``procurement.policies.sign_off``."""

from django.db import migrations, models


def record_grounds_of_earlier_sign_offs(apps, schema_editor):
    """Sign-offs given before this change were above the threshold, or voluntary."""
    JointRequisition = apps.get_model("procurement", "JointRequisition")
    signed = JointRequisition.objects.filter(signed_off_at__isnull=False)
    signed.filter(needs_sign_off=True).update(sign_off_grounds="threshold")
    signed.filter(needs_sign_off=False).update(sign_off_grounds="voluntary")


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0005_price_lock_and_quantity_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="jointrequisition",
            name="sign_off_evidence",
            field=models.JSONField(
                blank=True,
                help_text="What the rules found at sign-off: the threshold and any split purchase.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="jointrequisition",
            name="sign_off_grounds",
            field=models.CharField(
                blank=True,
                choices=[
                    ("threshold", "The order total reaches the procurement threshold"),
                    ("split", "A split purchase"),
                    (
                        "threshold_and_split",
                        "The order total reaches the procurement threshold, and a split purchase",
                    ),
                    ("voluntary", "Voluntary: below the threshold, no split purchase"),
                ],
                max_length=30,
            ),
        ),
        migrations.AddField(
            model_name="jointrequisition",
            name="sign_off_reasons",
            field=models.TextField(
                blank=True,
                help_text="The commercial lead's reasons (required for a split purchase).",
            ),
        ),
        migrations.RunPython(record_grounds_of_earlier_sign_offs, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="jointrequisition",
            name="needs_sign_off",
        ),
    ]
