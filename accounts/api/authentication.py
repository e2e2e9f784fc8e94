"""``Authorization: Token <key>``: a per-client token (``accounts.models.ApiToken``)."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.services.tokens import api_token_authenticate


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's header format and its errors, looked up by the key's hash; an expired or revoked
    token, or one of a deactivated user, is refused like an unknown one."""

    def authenticate_credentials(self, key):
        token = api_token_authenticate(key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return (token.user, token)
