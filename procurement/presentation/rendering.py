"""Rendering contract documents to PDF with WeasyPrint, safely.

Templates are ordinary Django templates (auto-escaped), so user-supplied values cannot
inject markup. The URL fetcher refuses every resource that is not one of the project's own
static files: no network, no other files on disk. Fonts come from the system's fontconfig
(Debian's DejaVu and Liberation packages), never from the network.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from weasyprint import HTML
from weasyprint.urls import URLFetcher

STYLESHEET = "documents/print.css"


def static_roots() -> list[Path]:
    roots = [Path(d).resolve() for d in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


class StaticFilesOnlyFetcher(URLFetcher):
    """Fetches ``file:`` URLs inside the project's static directories and nothing else."""

    def __init__(self, **kwargs):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, **kwargs)

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"Refused to fetch {url}: only the project's static files.")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in static_roots()):
            raise ValueError(f"Refused to fetch {url}: outside the project's static files.")
        return super().fetch(path.as_uri(), headers)


def stylesheet_uri() -> str:
    for root in static_roots():
        candidate = root / STYLESHEET
        if candidate.exists():
            return candidate.as_uri()
    raise FileNotFoundError(f"{STYLESHEET} is not in any static directory.")


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    page_count: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def render_html(template_name: str, context: dict, *, for_print: bool) -> str:
    """The document's HTML: the same for the PDF and for the browser preview."""

    stylesheet = stylesheet_uri() if for_print else static(STYLESHEET)
    return render_to_string(template_name, {**context, "stylesheet": stylesheet})


def render_pdf(template_name: str, context: dict, progress=None) -> RenderedPdf:
    """Lay out and write the PDF; ``progress(percent)`` is called between the stages."""
    html = render_html(template_name, context, for_print=True)
    if progress:
        progress(20)
    document = HTML(string=html, url_fetcher=StaticFilesOnlyFetcher()).render()
    if progress:
        progress(70)
    content = document.write_pdf()
    if progress:
        progress(90)
    return RenderedPdf(content=content, page_count=len(document.pages))
