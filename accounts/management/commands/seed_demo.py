from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

# Each app seeds its own demo data, in this order (later ones build on earlier ones).
SEEDERS = [
    "accounts.demo.seed",
    "standards.demo.seed_registry",
    "catalogue.demo.seed",
    # After the catalogue: requisitions are for its products.
    "procurement.demo.seed",
    # Keep last: it revises a standard that the catalogue's products conform to.
    "standards.demo.seed_proposals",
]


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo data. Idempotent: safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (never on a live system).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo adds demo users with a shared password. It refuses to run when "
                "DEBUG is off; pass --force if this really is a demo or test system."
            )
        for dotted in SEEDERS:
            with transaction.atomic():
                import_string(dotted)(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
