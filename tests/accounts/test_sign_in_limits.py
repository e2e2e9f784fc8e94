"""Sign-in is rate limited by address (generously) and by account (strictly), and only trusted
proxies' X-Forwarded-For counts: a varied header does not dodge the limit, and a force behind
one NAT address is not shut out."""

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory

from core.addresses import client_address
from tests.factories import PASSWORD, ForceFactory, member

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _throttles_only(settings):
    settings.AXES_ENABLED = False  # the rate limits alone; axes has its own tests


def sign_in(api, email, password=None, **headers):
    body = {"email": email, "password": password or "guess"}
    return api.post(TOKEN_URL, body, **headers).status_code


def test_varying_x_forwarded_for_does_not_dodge_the_address_limit(api, settings):
    settings.SIGN_IN_RATE_PER_ADDRESS = "5/minute"

    statuses = [
        sign_in(api, f"user{n}@example.test", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        for n in range(7)
    ]

    assert statuses == [400] * 5 + [429] * 2


def test_a_force_behind_one_nat_address_can_sign_in_many_officers(api, settings):
    """30 colleagues signing in within the minute from one address (the old limit was 10)."""
    force = ForceFactory()
    users = [member("buyer", force, email=f"officer{n}@nat.police.example") for n in range(30)]

    statuses = [sign_in(api, user.email, PASSWORD) for user in users]

    assert statuses == [200] * 30


def test_one_account_is_limited_strictly_whatever_the_address(api, settings, buyer):
    settings.SIGN_IN_RATE_PER_ACCOUNT = "3/minute"

    statuses = [
        sign_in(api, email, REMOTE_ADDR=f"203.0.113.{n}")
        for n, email in enumerate(
            [buyer.email, buyer.email.upper(), f"  {buyer.email}", buyer.email]
        )
    ]

    assert statuses == [400, 400, 400, 429]
    assert sign_in(api, "someone-else@example.test", REMOTE_ADDR="203.0.113.9") == 400


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_client(api, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SIGN_IN_RATE_PER_ADDRESS = "2/minute"
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    spoofing = [
        sign_in(api, f"a{n}@example.test", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.7", **proxy)
        for n in range(3)
    ]
    another_client = sign_in(api, "b@example.test", HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy)

    assert spoofing == [400, 400, 429]
    assert another_client == 400


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "192.0.2.1"),
        (1, None, "192.0.2.1"),
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.1", "1.2.3.4"),
        (3, "1.2.3.4", "1.2.3.4"),
        (1, " , ", "192.0.2.1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    headers = {"REMOTE_ADDR": "192.0.2.1"}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded

    assert client_address(RequestFactory().get("/", **headers)) == expected


def test_the_sign_in_page_is_limited_by_address_and_ignores_forwarded_headers(client, settings):
    settings.SIGN_IN_RATE_PER_ADDRESS = "3/minute"

    statuses = [
        client.post(
            "/accounts/sign-in/",
            {"username": f"user{n}@example.test", "password": "guess"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(4)
    ]

    assert statuses == [200, 200, 200, 429]


def test_the_sign_in_page_is_limited_by_account(client, settings, buyer):
    settings.SIGN_IN_RATE_PER_ACCOUNT = "2/minute"

    statuses = [
        client.post(
            "/accounts/sign-in/",
            {"username": buyer.email, "password": "guess"},
            REMOTE_ADDR=f"203.0.113.{n}",
        ).status_code
        for n in range(3)
    ]
    response = client.post(
        "/accounts/sign-in/", {"username": buyer.email, "password": PASSWORD}, REMOTE_ADDR="9.9.9.9"
    )

    assert statuses == [200, 200, 429]
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content


def test_axes_reads_the_same_client_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )

    assert get_client_ip_address(request) == "203.0.113.7"
