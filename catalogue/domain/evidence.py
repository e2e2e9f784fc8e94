"""Conformance evidence files: PDF only, size-limited, hashed.

A file is accepted when its name ends in ``.pdf``, its declared type (if any) is a PDF
type, and its bytes start with the PDF signature ``%PDF-``. Files are stored through
Django's default storage under a random name and served only by permission-checked views
(:func:`catalogue.presentation.downloads.evidence_download`).
"""

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from catalogue.uploads import describe_size
from core.errors import DomainError

PDF_MAGIC = b"%PDF-"
PDF_CONTENT_TYPES = frozenset({"application/pdf", "application/x-pdf", "application/octet-stream"})


def max_bytes() -> int:
    return settings.CATALOGUE_EVIDENCE_MAX_BYTES


def check_pdf(upload: UploadedFile, *, field: str = "evidence") -> None:
    """Raise a DomainError naming ``field`` unless the upload is an acceptable PDF."""
    if upload is None:
        raise DomainError("Choose a PDF file of the evidence.", field=field)
    name = upload.name or ""
    if PurePath(name).suffix.lower() != ".pdf":
        raise DomainError("The evidence must be a PDF file (a name ending in .pdf).", field=field)
    if upload.size is None or upload.size == 0:
        raise DomainError("The evidence file is empty.", field=field)
    if upload.size > max_bytes():
        raise DomainError(
            f"The evidence file must be smaller than {describe_size(max_bytes())}.", field=field
        )
    content_type = (getattr(upload, "content_type", None) or "").split(";")[0].strip().lower()
    if content_type and content_type not in PDF_CONTENT_TYPES:
        raise DomainError(f"The evidence must be a PDF file, not {content_type}.", field=field)
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        raise DomainError(
            "The evidence file is not a PDF: its content does not start like one.", field=field
        )


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def display_name(upload: UploadedFile) -> str:
    """The file's own name, without any path, for the download's filename."""
    name = PurePath((upload.name or "evidence.pdf").replace("\\", "/")).name
    return name[-255:] or "evidence.pdf"
