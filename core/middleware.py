"""Page middleware: the one mapping from a domain refusal to a page (400, 403, 404 or 409
with its message), no-store on private responses, and a 400 for NUL characters.

The API has its own (``core.api``): DRF catches exceptions before middleware sees them.
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from core.errors import DomainError

TEMPLATES = {400: "400.html", 403: "403.html", 404: "404.html", 409: "409.html"}


class DomainErrorPages:
    """Render a ``DomainError`` that a view let through as the page for its status.

    Anything else (a ``ValueError`` included) is left alone: it is a bug and a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        status = exception.status_code if exception.status_code in TEMPLATES else 400
        return render(request, TEMPLATES[status], {"message": exception.message}, status=status)


class NoStoreWhenSignedIn:
    """``Cache-Control: private, no-store`` on every response to a signed-in user (a session or
    an API token), so that neither a shared proxy nor the browser keeps private pages and JSON.
    Anonymous responses are left as the view made them: public pages may still be cached.

    DRF authenticates inside the view and sets the user on the underlying request, so the check
    after the response sees token users too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


NUL_MESSAGE = "The address contains a NUL character, which no address here has."


class RefuseNulCharacters:
    """A 400 for a NUL character in the path or the query string, before any view: PostgreSQL
    refuses NUL in a query, so a lookup by it would be a 500. (Form and serializer fields refuse
    NUL in bodies themselves.) The API gets its error format, pages the 400 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": NUL_MESSAGE, "errors": {}}, status=400)
            return render(request, TEMPLATES[400], {"message": NUL_MESSAGE}, status=400)
        return self.get_response(request)
