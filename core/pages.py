"""Small helpers for page views: GOV.UK pagination.

A service's refusal that a view lets through becomes the 400, 403, 404 or 409 page
(``core.middleware``); on a form it goes on the fields with ``form.add_domain_error``
(``core.forms``).
"""


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
