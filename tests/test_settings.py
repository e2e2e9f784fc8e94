"""Settings come from the environment only; production values pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config import env
from config.celery import _require_secret_key

PROJECT_DIR = Path(__file__).resolve().parent.parent
UNSAFE_FOR_SUBPROCESS = {"DEBUG", "SECRET_KEY", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_python(code: str, **environment) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in UNSAFE_FOR_SUBPROCESS}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("Yes", True), ("0", False), ("off", False)]
)
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env.env_bool("FLAG") is expected


def test_env_bool_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env.env_bool("FLAG")


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example, b.example ,,")
    assert env.env_list("HOSTS") == ["a.example", "b.example"]


def test_env_int_and_decimal(monkeypatch):
    monkeypatch.setenv("N", "12")
    monkeypatch.setenv("RATE", "0.20")
    assert env.env_int("N", 0) == 12
    assert str(env.env_decimal("RATE", "0")) == "0.20"
    monkeypatch.setenv("N", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env.env_int("N", 0)


def test_the_web_process_will_not_start_without_a_secret_key_when_debug_is_off():
    result = run_python("import config.wsgi")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_offline_commands_run_without_a_secret_key():
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=PROJECT_DIR,
        env={k: v for k, v in os.environ.items() if k not in UNSAFE_FOR_SUBPROCESS},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_workers_and_beat_will_not_start_without_a_secret_key(settings):
    settings.SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set"):
        _require_secret_key()


def test_without_redis_tasks_run_in_process_and_with_it_on_redis():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.TASKS_IN_PROCESS, s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, "
        "s.CACHES['default']['BACKEND'])"
    )
    without = run_python(code, DEBUG="1")
    with_redis = run_python(code, DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/3")

    # Never eagerly inside a request: on a background thread without Redis.
    assert without.stdout.split() == [
        "True",
        "False",
        "memory://localhost/",
        "django.core.cache.backends.locmem.LocMemCache",
    ]
    assert with_redis.stdout.split() == [
        "False",
        "False",
        "redis://127.0.0.1:6379/3",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_database_url_chooses_the_database():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['HOST'], d['PORT'])"
    )
    result = run_python(code, DEBUG="1", DATABASE_URL="postgres://nc@db.internal:5433/networkcode")

    # django-prometheus's wrapper of Django's PostgreSQL backend (queries counted for /metrics).
    assert result.stdout.split() == [
        "django_prometheus.db.backends.postgresql",
        "networkcode",
        "db.internal",
        "5433",
    ]


def test_production_settings_pass_the_deploy_checks():
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env={
            **{k: v for k, v in os.environ.items() if k not in UNSAFE_FOR_SUBPROCESS},
            "SECRET_KEY": "k9#vQ2!pX7$wL4@nR8^tY1&uJ6*eH3(zM5)bC0-fG9+aS2_dK7=hN4",
            "ALLOWED_HOSTS": "network-code.example",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_ci_really_runs_on_postgresql_when_asked_to():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL does not point at PostgreSQL")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


def test_collectstatic_builds_the_production_manifest(collected_static):
    """With DEBUG off, pages name their static files through the manifest; a stylesheet that
    refers to a file not shipped stops collectstatic, and every page would then be a 500."""
    result = collected_static

    assert result.returncode == 0, result.stdout + result.stderr
    manifest = (result.static_root / "staticfiles.json").read_text()
    assert '"build/main.css"' in manifest
    assert "govuk-crest" not in manifest
    # Compressed copies for WhiteNoise, except of source maps (WHITENOISE_SKIP_COMPRESS_...).
    assert list(result.static_root.glob("build/main.*.css.gz"))
    assert not list(result.static_root.rglob("*.map.gz"))


STRONG_KEY = "k9#vQ2!pX7$wL4@nR8^tY1&uJ6*eH3(zM5)bC0-fG9+aS2_dK7=hN4"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("x", "at least 50 characters"),
        ("short-but-varied-key-0123456789", "at least 50 characters"),
        ("ab" * 40, "at least 5 different characters"),
        ("django-insecure-" + STRONG_KEY, "django-insecure-"),
    ],
)
def test_settings_refuse_a_weak_secret_key_when_debug_is_off(key, reason):
    """Django's own W009 criteria: short, repetitive or startproject's placeholder key."""
    result = run_python("import django; django.setup()", SECRET_KEY=key)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is too weak" in result.stderr
    assert reason in result.stderr
    if len(key) > 1:
        assert key not in result.stderr  # the key itself is never printed


def test_a_weak_secret_key_is_accepted_in_development():
    result = run_python(
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        SECRET_KEY="x",
        DEBUG="1",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_the_test_runs_own_key_is_strong_enough():
    """`make test` and the real-worker fixture pass this key with DEBUG off."""
    makefile = (PROJECT_DIR / "Makefile").read_text()
    key = makefile.split("SECRET_KEY:-", 1)[1].split("}", 1)[0]
    assert env.secret_key_weakness(key) is None
    result = run_python("import django; django.setup()", SECRET_KEY=key)
    assert result.returncode == 0, result.stderr


def test_hsts_preload_is_opt_in_and_subdomains_stay_on():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
    )
    default = run_python(code, SECRET_KEY=STRONG_KEY)
    opted_in = run_python(code, SECRET_KEY=STRONG_KEY, SECURE_HSTS_PRELOAD="1")

    assert default.stdout.split() == ["31536000", "True", "False"], default.stderr
    assert opted_in.stdout.split() == ["31536000", "True", "True"], opted_in.stderr
