"""API tokens: one per client, stored hashed, expiring, revocable, audited."""

import hashlib
import importlib
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from accounts.audit import verify_chain
from accounts.models import ApiToken, AuditEvent
from accounts.services import api_token_issue
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def issue(api, user, client=None):
    body = {"email": user.email, "password": PASSWORD}
    if client is not None:
        body["client"] = client
    response = api.post(TOKEN_URL, body)
    assert response.status_code == 200, response.content
    return response.json()


def me(api, key):
    return api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")


def test_each_sign_in_issues_a_token_for_its_client_and_both_work(api, buyer):
    laptop = issue(api, buyer, "finance spreadsheet")
    script = issue(api, buyer, "nightly export")

    assert laptop["token"] != script["token"]
    assert (laptop["client"], script["client"]) == ("finance spreadsheet", "nightly export")
    assert me(api, laptop["token"]).status_code == 200
    assert me(api, script["token"]).status_code == 200
    assert ApiToken.objects.filter(user=buyer).count() == 2


def test_only_a_hash_of_the_key_is_stored(api, buyer):
    key = issue(api, buyer)["token"]

    token = ApiToken.objects.get(user=buyer)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = json.dumps(list(ApiToken.objects.values()), default=str)
    assert key not in stored
    assert key not in json.dumps(list(AuditEvent.objects.values()), default=str)
    assert token.client == "API client"  # no client named


def test_a_token_expires_after_the_configured_lifetime(api, buyer, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 7
    body = issue(api, buyer)
    token = ApiToken.objects.get(pk=body["id"])

    assert timedelta(days=7) - (token.expires_at - token.created_at) < timedelta(seconds=1)
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.created_at = token.expires_at - timedelta(days=7)
    token.save()
    response = me(api, body["token"])
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid, expired or revoked token.", "errors": {}}


def test_revoking_the_presented_token_leaves_the_users_other_clients_signed_in(api, buyer):
    first = issue(api, buyer, "one")["token"]
    second = issue(api, buyer, "two")["token"]

    response = api.delete("/api/v1/auth/token/revoke/", HTTP_AUTHORIZATION=f"Token {first}")

    assert response.status_code == 204
    assert me(api, first).status_code == 401
    assert me(api, second).status_code == 200


def test_revoke_without_a_token_says_how_to_revoke_one(client, buyer):
    client.force_login(buyer)

    response = client.delete("/api/v1/auth/token/revoke/")

    assert response.status_code == 400
    assert "/api/v1/auth/tokens/" in response.json()["detail"]


def test_a_user_lists_their_own_tokens_and_revokes_one_by_id(api, buyer, other_buyer):
    mine = issue(api, buyer, "one")
    other = issue(api, buyer, "two")
    theirs = issue(api, other_buyer, "theirs")
    api.credentials(HTTP_AUTHORIZATION=f"Token {mine['token']}")

    listed = api.get("/api/v1/auth/tokens/").json()["results"]
    refused = api.delete(f"/api/v1/auth/tokens/{theirs['id']}/")
    revoked = api.delete(f"/api/v1/auth/tokens/{other['id']}/")
    again = api.delete(f"/api/v1/auth/tokens/{other['id']}/")

    assert [(t["client"], t["current"]) for t in listed] == [("two", False), ("one", True)]
    assert "token" not in listed[0] and "key_hash" not in listed[0]
    assert refused.status_code == 404
    assert revoked.status_code == 204
    assert again.status_code == 204
    assert api.get("/api/v1/auth/tokens/").json()["results"][0]["revoked_at"] is not None
    api.credentials()
    assert me(api, other["token"]).status_code == 401
    assert me(api, theirs["token"]).status_code == 200


def test_issuing_and_revoking_are_audited_once_each(api, buyer):
    body = issue(api, buyer, "audited client")
    api.delete("/api/v1/auth/token/revoke/", HTTP_AUTHORIZATION=f"Token {body['token']}")
    api.delete("/api/v1/auth/token/revoke/", HTTP_AUTHORIZATION=f"Token {body['token']}")

    events = list(AuditEvent.objects.filter(object_type="accounts.apitoken").order_by("sequence"))
    assert [(e.action, e.actor_id, e.object_id) for e in events] == [
        ("api_token.issued", buyer.pk, str(body["id"])),
        ("api_token.revoked", buyer.pk, str(body["id"])),
    ]
    assert events[0].after["client"] == "audited client"
    assert events[1].before["revoked_at"] is None and events[1].after["revoked_at"]
    assert verify_chain()[1] == []


def test_a_deactivated_users_tokens_stop_working(api, buyer):
    key = issue(api, buyer)["token"]
    buyer.is_active = False
    buyer.save()

    assert me(api, key).status_code == 401


def test_last_use_is_recorded(api, buyer):
    key = issue(api, buyer)["token"]
    assert ApiToken.objects.get(user=buyer).last_used_at is None

    me(api, key)

    assert ApiToken.objects.get(user=buyer).last_used_at is not None


def test_signing_out_of_the_web_session_leaves_api_clients_signed_in(api, client, buyer):
    """A decision: a browser session has no token of its own; API clients are separate and
    are revoked one by one (or all listed at /api/v1/auth/tokens/)."""
    key = api_token_issue(user=buyer, client="script").key
    client.force_login(buyer)

    client.post("/accounts/sign-out/")

    assert me(api, key).status_code == 200


def test_token_responses_are_no_store(api, buyer):
    key = issue(api, buyer)["token"]

    assert "no-store" in me(api, key)["Cache-Control"]


def test_the_migration_carries_old_tokens_over_hashed_and_drops_the_plain_text_table(buyer):
    migration = importlib.import_module("accounts.migrations.0004_api_tokens")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, "
            "user_id bigint)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            ["0123456789abcdef0123456789abcdef01234567", timezone.now(), buyer.pk],
        )

    # The step needs only the editor's connection (SQLite's real editor cannot open here).
    migration.carry_over_old_tokens(apps, SimpleNamespace(connection=connection))

    token = ApiToken.objects.get(user=buyer)
    assert token.key_hash == hashlib.sha256(b"0123456789abcdef0123456789abcdef01234567").hexdigest()
    assert token.is_active()
    assert "authtoken_token" not in connection.introspection.table_names()
