"""The one mapping from a domain refusal to a page: 400, 403, 404 or 409 with its message.

The API has its own (``core.api``): DRF catches exceptions before middleware sees them.
"""

from django.shortcuts import render

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
