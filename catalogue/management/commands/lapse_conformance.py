from django.core.management.base import BaseCommand

from catalogue.services.lapsing import conformance_lapse_due


class Command(BaseCommand):
    help = (
        "Lapse conformance to superseded standard versions whose transition period has "
        "ended, and recompute the products' compliance. Safe to run at any time."
    )

    def handle(self, *args, **options):
        lapsed = conformance_lapse_due()
        self.stdout.write(f"Lapsed {lapsed} conformance record{'s' if lapsed != 1 else ''}.")
