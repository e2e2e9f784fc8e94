import pytest

from accounts.models import Role
from tests.browser.conftest import serious_violations, sign_in
from tests.factories import PASSWORD, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buyer_signs_in_and_sees_their_home_page(page, force):
    member(Role.BUYER, force, email="buyer@testshire.police.example", full_name="Bea Buyer")

    sign_in(page, "buyer@testshire.police.example", PASSWORD)

    assert page.get_by_role("heading", name="What you can do").is_visible()
    assert page.get_by_role("heading", name="As buyer").is_visible()
    header = page.locator("header").inner_text()
    assert "Bea Buyer" in header
    assert "Testshire Constabulary" in header
    assert page.get_by_role("button", name="Sign out").is_visible()


def test_wrong_password_shows_an_error_summary(page, force):
    member(Role.BUYER, force, email="buyer@testshire.police.example")

    sign_in(page, "buyer@testshire.police.example", "not-the-password")

    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "correct email address and password" in summary.inner_text()
    assert page.title().startswith("Error:")


def test_sign_in_and_home_pages_have_no_serious_accessibility_violations(page, force):
    member(Role.FINANCE, force, email="finance@testshire.police.example")

    page.goto("/accounts/sign-in/")
    assert serious_violations(page) == []

    sign_in(page, "finance@testshire.police.example", PASSWORD)
    page.get_by_role("heading", name="What you can do").wait_for()
    assert serious_violations(page) == []


def test_api_docs_render_without_network_access(page, live_server, force):
    member(Role.BUYER, force, email="buyer@testshire.police.example")
    elsewhere = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:"))
            else elsewhere.append(request.url)
        ),
    )
    sign_in(page, "buyer@testshire.police.example", PASSWORD)

    page.goto("/api/docs/")

    page.locator(".opblock").first.wait_for()
    assert page.get_by_text("Network Code API").first.is_visible()
    assert elsewhere == []
