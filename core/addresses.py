"""The client's address, trusting only as many proxies as the operator says there are.

``X-Forwarded-For`` is written by whoever sends the request: without a trusted proxy in front
(``TRUSTED_PROXY_COUNT=0``, the default) it is ignored and the address is the connection's.
Behind N proxies, each appends the address it received from, so the client is the N-th
address from the right; anything further left was written by the client and is not trusted.
DRF's throttles (``NUM_PROXIES``) and django-axes (``AXES_CLIENT_IP_CALLABLE``) both use this
reading, from the one setting.
"""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if trusted <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote
    return addresses[-min(trusted, len(addresses))]
