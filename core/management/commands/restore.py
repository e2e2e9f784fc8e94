from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into the configured database, which must be new "
        "and empty, and MEDIA_ROOT, which must be empty. Then run audit_verify and "
        "verify_documents."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The backup's directory.")

    def handle(self, *args, path: Path, **options):
        try:
            manifest = backup.restore(path)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        media = manifest["media_files"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']}"
                + (f" with {media} stored files." if media is not None else " (database only).")
            )
        )
