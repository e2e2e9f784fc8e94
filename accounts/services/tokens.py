"""API tokens: issued on sign-in through the API, revoked on sign-out."""

from rest_framework.authtoken.models import Token

from accounts.models import User


def api_token_issue(*, user: User) -> str:
    """The user's API token, created on first sign-in through the API."""
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def api_token_revoke(*, user: User) -> None:
    """Sign the user out of the API: their token stops working."""
    Token.objects.filter(user=user).delete()
