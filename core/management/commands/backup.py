from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, custom format) and the stored documents (a tar of "
        "MEDIA_ROOT) into a new directory under --output, with a manifest of SHA-256s."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, required=True, help="Where to write it.")

    def handle(self, *args, output: Path, **options):
        try:
            target = backup.backup(output)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backed up to {target}"))
