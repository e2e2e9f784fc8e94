"""One mapping from a domain refusal to a page (core.middleware): each status through a
real view, with the refusal's message; anything else is a 500, never a 404."""

from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse
from pytest_django.asserts import assertTemplateUsed

from tests.factories import ProductFactory


def _text(response) -> str:
    return unescape(response.content.decode())


def test_a_refusal_of_permission_is_the_403_page_with_its_reason(client, supplier_editor):
    client.force_login(supplier_editor)

    response = client.get(reverse("procurement:requisition_create"))

    assert response.status_code == 403
    assertTemplateUsed(response, "403.html")
    assert "Only a force's buyer can start a joint requisition." in _text(response)


def test_a_refusal_of_something_missing_is_the_404_page_with_its_reason(client, catalogue_manager):
    client.force_login(catalogue_manager)

    response = client.get(reverse("catalogue:category_edit", args=["no-such-category"]))

    assert response.status_code == 404
    assertTemplateUsed(response, "404.html")
    assert "No such category." in _text(response)


def test_an_invalid_transition_is_the_409_page_with_its_reason(client, supplier, supplier_editor):
    product = ProductFactory(supplier=supplier)
    client.force_login(supplier_editor)

    response = client.post(reverse("catalogue:product_submit", args=[product.pk]))

    assert response.status_code == 409
    assertTemplateUsed(response, "409.html")
    assert "There are no changes to submit." in _text(response)


def test_a_refusal_without_a_form_is_the_400_page_with_its_reason(
    client, supplier, supplier_editor
):
    product = ProductFactory(supplier=supplier)
    client.force_login(supplier_editor)

    response = client.get(reverse("catalogue:revision_compare", args=[product.pk]), {"from": "99"})

    assert response.status_code == 400
    assertTemplateUsed(response, "400.html")
    assert "This product has no revision '99'" in _text(response)


def test_there_is_one_403_page(settings):
    templates = Path(settings.BASE_DIR) / "templates"
    assert [p.name for p in templates.rglob("*.html") if "permitted" in p.name] == []


@pytest.mark.urls("tests.core.refusal_urls")
def test_a_value_error_in_a_view_is_a_500_not_a_404(client):
    client.raise_request_exception = False

    response = client.get("/broken/")

    assert response.status_code == 500


@pytest.mark.urls("tests.core.refusal_urls")
def test_a_value_error_in_a_view_reaches_the_error_log_as_itself(client):
    with pytest.raises(ValueError):
        client.get("/broken/")
