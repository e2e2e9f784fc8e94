"""Refuse oversized uploads before their bodies are read (and spooled to disk)."""

from core.errors import DomainError

# Room for the multipart envelope and the other fields of the form.
MULTIPART_OVERHEAD = 64 * 1024


def describe_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{size / 1024:.0f} KB"


def reject_oversized_request(request, limit: int, *, field: str) -> None:
    """Raise a DomainError naming ``field`` if the request body is larger than the limit
    allows: checked from Content-Length, before Django parses the upload."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + MULTIPART_OVERHEAD:
        raise DomainError(f"The file must be smaller than {describe_size(limit)}.", field=field)
