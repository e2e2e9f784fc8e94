"""Contract documents in a real browser: the state table updates itself without a reload."""

import pytest
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, Role
from procurement.models import Document, DocumentKind, DocumentStatus
from procurement.services import documents
from tests.browser.conftest import serious_violations, sign_in
from tests.factories import PASSWORD, member
from tests.procurement.awarded import awarded_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def queued_documents(order):
    """The order's documents as they are just after award: queued, nothing rendered yet."""
    order_data = documents.order_snapshot(order)
    wanted = [(DocumentKind.CONTRACT, None)] + [
        (DocumentKind.PURCHASE_ORDER, line.force) for line in order.lines.select_related("force")
    ]
    return [
        Document.objects.create(
            order=order,
            kind=kind,
            force=force,
            number=documents.document_number(order, kind, force),
            snapshot=documents.document_snapshot(
                order_data,
                kind=kind,
                number=documents.document_number(order, kind, force),
                version=1,
                force=force,
            ),
        )
        for kind, force in wanted
    ]


def test_the_order_page_follows_the_documents_as_they_are_rendered(page):
    order = awarded_order(forces=2)
    contract, *purchase_orders = queued_documents(order)
    member(
        Role.COMMERCIAL_LEAD,
        Organisation.objects.get(kind=OrganisationKind.ICT_COMPANY),
        email="lead@ictco.example",
    )
    sign_in(page, "lead@ictco.example", PASSWORD)
    page.goto(f"/requisitions/orders/{order.pk}/")
    table = page.get_by_role("table", name="Contract documents and their state")
    assert table.get_by_text("Queued").count() == 3
    assert serious_violations(page) == []

    Document.objects.filter(pk=contract.pk).update(
        status=DocumentStatus.RENDERING, progress=70, started_at=timezone.now()
    )
    row = page.locator(f'[data-document="{contract.pk}"]')
    row.get_by_text("Rendering").wait_for(timeout=10_000)
    assert row.locator("progress").get_attribute("value") == "70"

    for document in [contract, *purchase_orders]:
        documents.document_render(document_id=document.pk)
    # Once everything is done the page reloads itself to offer the downloads.
    page.get_by_role("link", name=f"Download PDF of {contract.number}").wait_for(timeout=10_000)
    assert table.get_by_text("Done").count() == 3
