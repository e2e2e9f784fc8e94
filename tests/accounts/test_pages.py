from html import escape

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.presentation.navigation import ROLE_CAPABILITIES
from tests.factories import PASSWORD, ConformanceFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_the_home_page_asks_anonymous_users_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_signing_in_with_email_and_password_leads_home(client, buyer):
    response = sign_in(client, "buyer@testshire.police.example")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_wrong_password_shows_the_form_again_with_an_error(client, buyer):
    response = sign_in(client, buyer.email, "wrong")

    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"Error: Sign in" in response.content


@pytest.mark.parametrize(
    ("user_fixture", "role"),
    [
        ("buyer", Role.BUYER),
        ("finance", Role.FINANCE),
        ("delegate", Role.DELEGATE),
        ("supplier_editor", Role.SUPPLIER_EDITOR),
        ("catalogue_manager", Role.CATALOGUE_MANAGER),
        ("commercial_lead", Role.COMMERCIAL_LEAD),
        ("standards_secretary", Role.STANDARDS_SECRETARY),
    ],
)
def test_each_role_sees_a_home_page_of_what_it_can_do(client, request, user_fixture, role):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)

    page = client.get("/").content.decode()

    assert f"As {Role(role).label.lower()}" in page
    for capability in ROLE_CAPABILITIES[role]:
        assert escape(capability.title) in page
        if capability.href is None:
            assert "Not available yet" in page


def test_the_header_shows_who_is_signed_in_and_for_which_organisation(client, force):
    user = UserFactory(full_name="Fran Finance")
    MembershipFactory(user=user, organisation=force, role=Role.FINANCE)
    client.force_login(user)

    page = client.get("/").content.decode()

    assert "Fran Finance" in page
    assert "Testshire Constabulary" in page
    assert "Finance approver" in page


def test_a_user_with_two_organisations_can_change_which_they_act_for(client, force, supplier):
    user = UserFactory()
    MembershipFactory(user=user, organisation=force, role=Role.BUYER)
    MembershipFactory(user=user, organisation=supplier, role=Role.SUPPLIER_EDITOR)
    client.force_login(user)
    assert "Change organisation" in client.get("/").content.decode()

    response = client.post(reverse("accounts:switch_organisation"), {"organisation": supplier.pk})

    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "As supplier editor" in page
    assert "As buyer" not in page


def test_a_user_cannot_act_for_an_organisation_they_do_not_belong_to(client, buyer, other_force):
    client.force_login(buyer)

    response = client.post(
        reverse("accounts:switch_organisation"), {"organisation": other_force.pk}
    )

    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert "Otherton" not in client.get("/").content.decode().split("<main")[0]


def test_a_user_without_a_role_is_told_to_ask_for_one(client):
    client.force_login(UserFactory())

    assert "You do not have a role" in client.get("/").content.decode()


def test_signing_out_is_a_post(client, buyer):
    client.force_login(buyer)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_repeated_failed_sign_ins_lock_the_account_for_a_while(client, buyer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, buyer.email, "wrong")

    response = sign_in(client, buyer.email.upper())

    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content


def test_pages_send_a_content_security_policy(client, buyer):
    client.force_login(buyer)

    policy = client.get("/")["Content-Security-Policy"]

    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy


def test_an_unknown_page_is_a_friendly_404(client, buyer):
    client.force_login(buyer)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_home_pages_count_what_waits_for_the_user(client, finance, catalogue_manager):
    ConformanceFactory(status="claimed")
    ConformanceFactory(status="claimed")
    client.force_login(catalogue_manager)
    assert "2 waiting" in client.get("/").content.decode()

    client.force_login(finance)
    assert "Nothing waiting" in client.get("/").content.decode()


def test_the_home_page_query_count_does_not_grow_with_the_work_waiting(
    client, catalogue_manager, django_assert_max_num_queries
):
    client.force_login(catalogue_manager)
    ConformanceFactory.create_batch(2, status="claimed")
    with django_assert_max_num_queries(12) as few:
        client.get("/")
    ConformanceFactory.create_batch(20, status="claimed")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/")
