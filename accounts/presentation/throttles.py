"""Sign-in rate limits, for the API's token endpoint and the sign-in page alike.

Two limits, each in the cache: by address, generous (a force's whole staff may sign in from
behind one NAT address), and by account, strict (guessing one account's password from many
addresses). The address is read as ``core.addresses.client_address`` reads it (only trusted
proxies count). django-axes also locks an account and address pair after repeated failures.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.addresses import client_address


class SignInThrottle(SimpleRateThrottle):
    setting = ""

    def __init__(self):
        # Read at each request rather than at import, so the rate follows the settings.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self) -> str:
        return getattr(settings, self.setting)

    def get_ident(self, request) -> str:
        return client_address(request)


class SignInAddressThrottle(SignInThrottle):
    scope = "sign_in_address"
    setting = "SIGN_IN_RATE_PER_ADDRESS"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInAccountThrottle(SignInThrottle):
    scope = "sign_in_account"
    setting = "SIGN_IN_RATE_PER_ACCOUNT"

    def get_cache_key(self, request, view) -> str | None:
        email = sign_in_email(request)
        if not email:
            return None  # nothing to guess at: only the address limit applies
        return self.cache_format % {"scope": self.scope, "ident": email}


def sign_in_email(request) -> str:
    """The email address tried (the API's ``email``, the page's ``username``), normalised as
    sign-in normalises it, so that case and spaces do not make a new account key."""
    data = getattr(request, "data", None)
    if data is None:
        data = request.POST
    value = data.get("email") or data.get("username") if hasattr(data, "get") else None
    return value.strip().lower()[:254] if isinstance(value, str) else ""


SIGN_IN_THROTTLES = [SignInAddressThrottle, SignInAccountThrottle]


def sign_in_refused(request, view=None) -> bool:
    """Whether a sign-in attempt is over a limit (counting it if not), for the sign-in page."""
    return any(not throttle().allow_request(request, view) for throttle in SIGN_IN_THROTTLES)
