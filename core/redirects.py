"""Redirects chosen by the request (a form's ``next``): to this site only.

A ``next`` that names another site (``https://evil.example``, ``//evil.example``,
``/\\evil.example``) or downgrades HTTPS would let a link on this site send a signed-in user
to a look-alike page; it is ignored and the fallback used instead.
"""

from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def next_or(request: HttpRequest, fallback: str) -> str:
    """The request's ``next`` (POST, then GET) when it is a URL of this site, else
    ``fallback`` (a URL name or a path)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(fallback)
