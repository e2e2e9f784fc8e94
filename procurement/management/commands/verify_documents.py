import hashlib

from django.core.management.base import BaseCommand, CommandError

from catalogue.models import Conformance
from procurement.models import Document, DocumentStatus


def sha256_of_stored(field_file) -> str | None:
    """The SHA-256 of a stored file, or None when the storage does not have it."""
    if not field_file.storage.exists(field_file.name):
        return None
    digest = hashlib.sha256()
    with field_file.storage.open(field_file.name, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Command(BaseCommand):
    help = (
        "Check that every issued document and every conformance evidence file is in storage "
        "and matches the SHA-256 recorded for it (after a restore, say). Exits non-zero if not."
    )

    def handle(self, *args, **options):
        problems: list[str] = []
        stored = [
            (str(document), document.file, document.sha256)
            for document in Document.objects.filter(status=DocumentStatus.DONE).order_by("pk")
        ] + [
            (
                f"evidence of conformance {conformance.pk}",
                conformance.evidence,
                conformance.evidence_sha256,
            )
            for conformance in Conformance.objects.exclude(evidence="").order_by("pk")
        ]
        for label, field_file, expected in stored:
            if not field_file:
                problems.append(f"{label}: no file is recorded")
                continue
            actual = sha256_of_stored(field_file)
            if actual is None:
                problems.append(f"{label}: {field_file.name} is missing from storage")
            elif actual != expected:
                problems.append(f"{label}: {field_file.name} does not match its SHA-256")
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} of {len(stored)} stored files failed the check.")
        documents = sum(1 for label, _, _ in stored if not label.startswith("evidence"))
        self.stdout.write(
            self.style.SUCCESS(
                f"{documents} documents and {len(stored) - documents} evidence files are "
                "stored and match their SHA-256."
            )
        )
