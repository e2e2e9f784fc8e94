"""Malformed requests get a 4xx (in the API's error format for the API), never a 500.

Run on PostgreSQL too (DATABASE_URL): its driver refuses a NUL character in a query, which
SQLite lets through, so that is where a NUL in a path or query string turned into a 500.
"""

import json

import pytest
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db


def assert_api_error(response, *statuses):
    assert response.status_code in statuses, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_a_400_not_a_500(api, depth):
    body = "[" * depth + "]" * depth

    response = api.post("/api/v1/auth/token/", data=body, content_type="application/json")

    assert_api_error(response, 400)


def test_deeply_nested_json_to_a_signed_in_endpoint_is_a_400(api, buyer):
    body = '{"name": ' + "[" * 5_000 + "]" * 5_000 + "}"

    response = api.as_user(buyer).post(
        "/api/v1/joint-requisitions/", data=body, content_type="application/json"
    )

    assert_api_error(response, 400)


def test_a_body_over_the_limit_is_a_413_in_the_api_format(api):
    size = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    body = json.dumps({"email": "a@b.example", "password": "x" * size})

    response = api.post("/api/v1/auth/token/", data=body, content_type="application/json")

    body = assert_api_error(response, 413)
    assert "too large" in body["detail"]


def test_a_form_body_over_the_limit_is_a_413_in_the_api_format(api, buyer):
    response = api.as_user(buyer).post(
        "/api/v1/joint-requisitions/",
        data="name=" + "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        content_type="application/x-www-form-urlencoded",
    )

    assert_api_error(response, 413)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organisations/%00/",
        "/api/v1/organisations/abc%00def/",
        "/api/v1/standards/%00/",
        "/api/v1/products/?q=%00",
        "/api/v1/organisations/?kind=%00",
    ],
)
def test_a_nul_byte_in_an_api_request_is_a_4xx_in_the_api_format(api, buyer, path):
    response = api.as_user(buyer).get(path)

    assert_api_error(response, 400, 404)


def test_a_nul_byte_in_an_anonymous_api_request_is_a_4xx_too(api):
    assert_api_error(api.get("/api/v1/organisations/%00/"), 400, 401, 404)


@pytest.mark.parametrize(
    "path", ["/standards/%00/", "/catalogue/?q=%00", "/catalogue/categories/x%00/edit/"]
)
def test_a_nul_byte_in_a_page_request_is_a_4xx_page(client, buyer, path):
    client.force_login(buyer)

    response = client.get(path)

    assert response.status_code in {400, 404}
    assert response["Content-Type"].startswith("text/html")
