import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import ApiToken, Role
from accounts.services import api_token_issue
from tests.factories import PASSWORD, ForceFactory

pytestmark = pytest.mark.django_db

ROLE_FIXTURES = [
    ("buyer", "force", Role.BUYER),
    ("finance", "force", Role.FINANCE),
    ("delegate", "force", Role.DELEGATE),
    ("supplier_editor", "supplier", Role.SUPPLIER_EDITOR),
    ("catalogue_manager", "ict_company", Role.CATALOGUE_MANAGER),
    ("commercial_lead", "ict_company", Role.COMMERCIAL_LEAD),
    ("standards_secretary", "ict_company", Role.STANDARDS_SECRETARY),
]


@pytest.mark.parametrize(("user_fixture", "org_fixture", "role"), ROLE_FIXTURES)
def test_me_returns_the_user_and_their_memberships(api, request, user_fixture, org_fixture, role):
    user = request.getfixturevalue(user_fixture)
    organisation = request.getfixturevalue(org_fixture)

    response = api.as_user(user).get("/api/v1/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == user.email
    assert body["memberships"] == [
        {
            "organisation": organisation.slug,
            "organisation_name": organisation.name,
            "kind": organisation.kind,
            "role": role,
            "approval_limit": "250000.00" if role == Role.FINANCE else None,
        }
    ]


@pytest.mark.parametrize(("user_fixture", "org_fixture", "role"), ROLE_FIXTURES)
def test_every_role_can_list_organisations(
    api, request, user_fixture, org_fixture, role, other_force
):
    user = request.getfixturevalue(user_fixture)

    response = api.as_user(user).get("/api/v1/organisations/")

    assert response.status_code == 200
    slugs = [o["slug"] for o in response.json()["results"]]
    assert request.getfixturevalue(org_fixture).slug in slugs
    assert "otherton" in slugs


def test_organisations_can_be_filtered_by_kind_and_read_by_slug(api, buyer, supplier, other_force):
    api.as_user(buyer)

    forces = api.get("/api/v1/organisations/", {"kind": "force"}).json()
    detail = api.get("/api/v1/organisations/otherton/").json()

    assert {o["kind"] for o in forces["results"]} == {"force"}
    assert forces["count"] == 2
    assert detail["officer_headcount"] == 1000
    assert api.get("/api/v1/organisations/no-such-slug/").status_code == 404


def test_an_unknown_kind_filter_is_a_clear_400(api, buyer):
    response = api.as_user(buyer).get("/api/v1/organisations/", {"kind": "bank"})

    assert response.status_code == 400
    body = response.json()
    assert "kind" in body["errors"]
    assert "kind" in body["detail"]


def test_anonymous_requests_get_401_in_the_error_format(api):
    response = api.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "errors": {},
    }


def test_a_token_is_issued_for_a_valid_email_and_password(api, buyer):
    response = api.post(
        "/api/v1/auth/token/", {"email": "BUYER@testshire.police.example", "password": PASSWORD}
    )

    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get(user=buyer).pk == response.json()["id"]
    me = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["email"] == buyer.email


def test_a_wrong_password_gets_no_token(api, buyer):
    response = api.post("/api/v1/auth/token/", {"email": buyer.email, "password": "wrong-password"})

    assert response.status_code == 400
    assert response.json()["detail"] == "Unable to sign in with this email address and password."
    assert not ApiToken.objects.exists()


def test_a_malformed_token_request_names_the_fields(api):
    response = api.post("/api/v1/auth/token/", {"email": "not-an-email"})

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"email", "password"}


def test_malformed_json_is_a_400_not_a_500(api):
    response = api.post("/api/v1/auth/token/", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_the_token_endpoint_is_throttled_against_password_guessing(api, buyer, settings):
    settings.AXES_ENABLED = False  # the throttle alone, by client address
    settings.SIGN_IN_RATE_PER_ADDRESS = "10/minute"
    statuses = [
        api.post(
            "/api/v1/auth/token/", {"email": f"x{n}@example.test", "password": "guess"}
        ).status_code
        for n in range(12)
    ]

    assert statuses == [400] * 10 + [429, 429]
    response = api.post("/api/v1/auth/token/", {"email": buyer.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "throttled" in response.json()["detail"]


def test_repeated_wrong_passwords_lock_the_account_for_the_api_too(api, buyer, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/v1/auth/token/", {"email": buyer.email, "password": f"guess-{n}"})
    cache_clear_throttle()

    response = api.post("/api/v1/auth/token/", {"email": buyer.email, "password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many failed sign-in attempts")
    assert not ApiToken.objects.exists()


def cache_clear_throttle():
    cache.clear()


def test_a_token_can_be_revoked(api, buyer):
    key = api_token_issue(user=buyer, client="test").key

    response = api.delete("/api/v1/auth/token/revoke/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 204
    assert not ApiToken.objects.active().exists()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_the_api_lists_are_paginated(api, buyer):
    ForceFactory.create_batch(30)

    page = api.as_user(buyer).get("/api/v1/organisations/").json()
    assert page["count"] == 31
    assert len(page["results"]) == 25
    assert page["next"]
    small = api.get("/api/v1/organisations/", {"page_size": 5}).json()
    assert len(small["results"]) == 5
    assert api.get("/api/v1/organisations/", {"page": 99}).status_code == 404


def test_organisation_list_query_count_is_constant(api, buyer, django_assert_max_num_queries):
    ForceFactory.create_batch(40)
    api.as_user(buyer)
    with django_assert_max_num_queries(3):
        api.get("/api/v1/organisations/", {"page_size": 100})


def test_the_openapi_schema_is_served(api, buyer):
    response = api.as_user(buyer).get(reverse("schema"), {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]
    assert "/api/v1/auth/token/" in schema["paths"]
