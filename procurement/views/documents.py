"""Pages for contract documents: the browser preview and the commercial lead's retry."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from core.redirects import next_or
from procurement.selectors import documents_visible_to
from procurement.services import documents


@login_required
def document_preview(request, pk: int):
    """The document as the browser shows it: the same template and styles as its PDF."""
    document = get_object_or_404(documents_visible_to(request.user), pk=pk)
    return HttpResponse(documents.document_preview_html(document))


@login_required
@require_POST
def document_regenerate(request, pk: int):
    """Issue a new version of a document; the old one stays available."""
    document = get_object_or_404(documents_visible_to(request.user), pk=pk)
    new = documents.document_regenerate(document=document, actor=request.user)
    messages.success(request, f"Version {new.version} of {new.number} is being prepared.")
    return redirect(next_or(request, "home"))


@login_required
@require_POST
def document_retry(request, pk: int):
    document = get_object_or_404(documents_visible_to(request.user), pk=pk)
    documents.document_retry(document=document, actor=request.user)
    messages.success(request, f"{document.number} is queued to be rendered again.")
    return redirect(next_or(request, "home"))
