"""API tokens: one per client, issued on sign-in through the API, until they expire or are
revoked. Issuing and revoking are audited; the key itself is never stored or audited."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit import audited, record, snapshot
from accounts.audit_actions import AccountsAudit
from accounts.models import ApiToken, User

AUDITED_FIELDS = ["user", "client", "created_at", "expires_at", "revoked_at"]
# A token used again within this many seconds does not rewrite its last use.
LAST_USED_PRECISION = timedelta(minutes=1)


def key_hash(key: str) -> str:
    """What is stored of a key: its SHA-256. Keys are 256 random bits, so a fast hash suffices."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown to the client once, never stored


@transaction.atomic
def api_token_issue(*, user: User, client: str, lifetime: timedelta | None = None) -> IssuedToken:
    """A new token for one client of the user's; their other clients' tokens are untouched."""
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        client=client.strip()[:100] or "API client",
        key_hash=key_hash(key),
        created_at=now,
        expires_at=now + (lifetime or timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)),
    )
    record(
        actor=user,
        action=AccountsAudit.API_TOKEN_ISSUED,
        obj=token,
        after=snapshot(token, AUDITED_FIELDS),
    )
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Stop a token working. Revoking a revoked token changes and records nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    with audited(token, actor=actor, action=AccountsAudit.API_TOKEN_REVOKED, fields=AUDITED_FIELDS):
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(key: str) -> ApiToken | None:
    """The active token with this key (its user loaded), its last use noted; None otherwise."""
    now = timezone.now()
    token = (
        ApiToken.objects.active(now).select_related("user").filter(key_hash=key_hash(key)).first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
