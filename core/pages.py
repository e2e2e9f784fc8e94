"""Small helpers for page views: a service's refusal shown on the page, and GOV.UK pagination."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.errors import DomainError, NotFound, NotPermitted


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Put a service's ``DomainError`` on the form: messages about one of the form's fields
    go to that field, the rest to the top of the error summary."""
    for field, field_messages in error.errors.items():
        target = field if field in form.fields else None
        for message in field_messages:
            if target is not None and target not in form.errors:
                form.add_error(target, message)
            elif message not in form.non_field_errors():
                form.add_error(None, message)


def show_domain_error(error: DomainError, *, form=None, request=None) -> None:
    """Show a service's refusal on a page.

    Access refusals become the 403 and 404 pages; any other refusal goes in the GOV.UK
    error summary: on the form's fields it names (or the form as a whole), or as an
    error message on the next page when there is no form.
    """
    if isinstance(error, NotFound):
        raise Http404(error.message)
    if isinstance(error, NotPermitted):
        raise PermissionDenied(error.message)
    if form is not None:
        add_domain_error(form, error)
        return
    if request is not None:
        messages.error(request, error.message)
        return
    raise error


def pagination(page, request, *, window: int = 2) -> dict:
    """The GOV.UK pagination component's items for a Django ``Page``, keeping the query."""
    paginator = page.paginator
    query = request.GET.copy()

    def href(number: int) -> str:
        query["page"] = number
        return "?" + query.urlencode()

    last = paginator.num_pages
    around = range(max(1, page.number - window), min(last, page.number + window) + 1)
    items: list[dict] = []
    previous = None
    for number in sorted({1, last, *around}):
        if previous is not None and number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page.number})
        previous = number
    return {
        "items": items if last > 1 else [],
        "previous": href(page.previous_page_number()) if page.has_previous() else None,
        "next": href(page.next_page_number()) if page.has_next() else None,
    }
