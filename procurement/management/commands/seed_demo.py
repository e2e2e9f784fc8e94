from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import loader as accounts_demo
from catalogue.demo import loader as catalogue_demo
from procurement.demo import requisitions as procurement_demo
from standards.demo import proposals as standards_proposals
from standards.demo import registry as standards_registry

# The command lives in procurement, the highest app it needs (the layers: README,
# "Architecture"). Each app seeds its own demo data, in this order (later ones build on
# earlier ones).
SEEDERS = [
    accounts_demo.seed,
    standards_registry.seed_registry,
    catalogue_demo.seed,
    # After the catalogue: requisitions are for its products.
    procurement_demo.seed,
    # Keep last: it revises a standard that the catalogue's products conform to.
    standards_proposals.seed_proposals,
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
        for seed in SEEDERS:
            with transaction.atomic():
                seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
