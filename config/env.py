"""Reading settings from the environment: the only source of configuration."""

import os
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from error


def env_decimal(name: str, default: str) -> Decimal:
    raw = os.environ.get(name, default)
    try:
        return Decimal(raw)
    except InvalidOperation as error:
        raise ImproperlyConfigured(f"{name} must be a decimal number, not {raw!r}.") from error


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list, blanks dropped."""
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


# Django's own deploy check (security.W009) calls a key weak by these criteria.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
SECRET_KEY_INSECURE_PREFIX = "django-insecure-"  # noqa: S105 (a prefix to refuse)


def secret_key_weakness(key: str) -> str | None:
    """Why a (non-empty) key is too weak to sign sessions and tokens, or None if it is not."""
    if key.startswith(SECRET_KEY_INSECURE_PREFIX):
        return f"it starts with {SECRET_KEY_INSECURE_PREFIX!r}, the placeholder of startproject"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it must be at least {SECRET_KEY_MIN_LENGTH} characters long, not {len(key)}"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"it must have at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters"
    return None


def refuse_weak_secret_key(key: str, *, debug: bool) -> None:
    """Stop at settings load when DEBUG is off and SECRET_KEY is set but guessable. (A missing
    key is refused where something signs: see require_secret_key.)"""
    if debug or not key:
        return
    reason = secret_key_weakness(key)
    if reason:
        raise ImproperlyConfigured(
            f"SECRET_KEY is too weak for DEBUG off: {reason}. Generate one with: python -c "
            '"from django.core.management.utils import get_random_secret_key as k; print(k())"'
        )


def require_secret_key() -> None:
    """Stop a web or worker process at start when SECRET_KEY is missing."""

    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:
        key = ""
    if not key:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
