"""Private responses are never stored by a browser or proxy; public pages may be cached."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_an_anonymous_public_page_is_not_marked_no_store(client):
    response = client.get(reverse("accessibility"))

    assert response.status_code == 200
    assert "no-store" not in cache_control(response)


def test_a_signed_in_page_is_no_store(client, buyer):
    client.force_login(buyer)

    for url in [reverse("home"), reverse("accessibility"), "/catalogue/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"no-store", "private"} <= cache_control(response), url


def test_a_signed_in_error_page_is_no_store_too(client, buyer):
    client.force_login(buyer)

    response = client.get("/requisitions/orders/999999/")

    assert response.status_code == 404
    assert "no-store" in cache_control(response)


def test_private_json_is_no_store_with_a_session(client, buyer):
    client.force_login(buyer)

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert {"no-store", "private"} <= cache_control(response)


def test_private_json_is_no_store_with_an_api_client(api, buyer):
    response = api.as_user(buyer).get("/api/v1/organisations/")

    assert response.status_code == 200
    assert "no-store" in cache_control(response)
