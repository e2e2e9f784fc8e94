"""Files the catalogue's pages and API hand out: conformance evidence, to whom may see it."""

from django.http import FileResponse

from accounts.permissions import can_download_evidence
from catalogue.models import Conformance
from core.errors import NotFound, NotPermitted


def evidence_download(user, conformance: Conformance) -> FileResponse:
    """The evidence file as a download, for the supplier and the ICT company only."""
    if not can_download_evidence(user, conformance.product.supplier_id):
        raise NotPermitted("The evidence is for the supplier and the ICT company only.")
    if not conformance.evidence:
        raise NotFound("This claim has no evidence file.")
    response = FileResponse(
        conformance.evidence.open("rb"),
        as_attachment=True,
        filename=conformance.evidence_name or "evidence.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
