"""The OpenAPI schema is valid, and tells no lies the generator can detect."""

from io import StringIO

import pytest
from django.core.management import call_command


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    out = StringIO()
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yaml"),
        stdout=out,
        stderr=out,
    )

    schema = (tmp_path / "schema.yaml").read_text()
    assert schema.startswith("openapi: 3.")
    for path in [
        "/api/v1/products/",
        "/api/v1/joint-requisitions/{id}/close/",
        "/api/v1/documents/{id}/download/",
        "/api/v1/proposals/{id}/votes/",
        "/api/v1/ocds/releases/",
    ]:
        assert f"  {path}:" in schema


@pytest.mark.django_db
def test_the_schema_and_docs_are_served(client, buyer):
    client.force_login(buyer)

    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/joint-requisitions/?product=-3.7339210520451584e%2B76",
        "/api/v1/conformances/?product=99999999999999999999999",
        "/api/v1/orders/?product=1e400",
        "/api/v1/participations/?joint_requisition=-1",
    ],
)
def test_absurd_ids_in_filters_are_a_clear_400_not_a_500(api, catalogue_manager, url):
    response = api.as_user(catalogue_manager).get(url)

    assert response.status_code == 400
    assert response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("parameter", ["category", "supplier", "standard"])
def test_unknown_search_filters_with_percent_signs_are_a_400(api, buyer, parameter):
    response = api.as_user(buyer).get("/api/v1/products/", {parameter: "100%s %d %(x)s"})

    assert response.status_code == 400
    assert "100%s %d %(x)s" in response.json()["errors"][parameter][0].lower()
