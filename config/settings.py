"""Network Code settings. Every value comes from the environment (see README.md)."""

from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from config.env import (
    env_bool,
    env_decimal,
    env_int,
    env_list,
    env_str,
    refuse_weak_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

# Required when DEBUG is off: the web and worker processes refuse to start without it
# (config/env.py: require_secret_key), and anything that signs data refuses to run. Offline
# commands that sign nothing (makemigrations, check) still work without it.
# A key that is set but weak (Django's W009: short, repetitive, "django-insecure-") stops
# every process at once when DEBUG is off.
SECRET_KEY = env_str("SECRET_KEY")
refuse_weak_secret_key(SECRET_KEY, debug=DEBUG)
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-only-used-when-debug-is-on"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_guid",
    "django_prometheus",
    "core",
    "accounts",
    "catalogue",
    "standards",
    "procurement",
]

MIDDLEWARE = [
    # First and last: request latency by view for Prometheus; then the request id for logs.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.NoStoreWhenSignedIn",
    "core.middleware.RefuseNulCharacters",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.middleware.DomainErrorPages",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.presentation.context_processors.acting_organisation",
            ],
        },
    },
]

# Database: a SQLite file by default, PostgreSQL (or anything dj-database-url knows) by URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
# With DEBUG off, each process keeps its connection for a minute (checked before reuse): a new
# PostgreSQL connection per request cost 9 ms of a 15 ms API request (issue 11).
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env_bool(
    "DB_JIT", False
):
    # PostgreSQL's JIT compiles expensive-looking plans; for short web queries compiling
    # costs more than it saves (seen: 140 ms of a 280 ms catalogue search). DB_JIT=1 keeps it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Requests and the background task thread (core.background) write at once: a write
    # transaction takes SQLite's lock when it begins and waits up to 20 s for it, rather than
    # failing with "database is locked"; in WAL mode readers are not blocked meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL"}
    )
# django-prometheus's wrapper of the production backend counts queries and errors
# (/metrics); connection.vendor stays "postgresql". SQLite (development, tests) keeps
# Django's own backend, which pytest-django recognises to give each xdist worker its own
# in-memory database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Client addresses: how many proxies in front of the app append to X-Forwarded-For. 0 (the
# default): the header is ignored, the address is the connection's. Read by the sign-in limits,
# django-axes and DRF's throttles alike (core.addresses.client_address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be zero or more.")
# Password guessing: sign-in (page and API token endpoint) is rate limited by address,
# generously (a force's staff may share one NAT address), and by account, strictly; the sign-in
# page and the API lock an email and address pair after repeated failures (django-axes).
SIGN_IN_RATE_PER_ADDRESS = env_str("SIGN_IN_RATE_PER_ADDRESS", "100/minute")
SIGN_IN_RATE_PER_ACCOUNT = env_str("SIGN_IN_RATE_PER_ACCOUNT", "10/minute")
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# E-mail retries: the first after this many seconds, doubling each time (at most 10 minutes).
NOTIFICATION_RETRY_BACKOFF = env_int("NOTIFICATION_RETRY_BACKOFF", 30)

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.presentation.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "accounts.presentation.lockout.username_from"
AXES_CLIENT_IP_CALLABLE = "core.addresses.client_address"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Static files: built assets (see package.json) and the project's own, served by WhiteNoise.
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic compresses every file (gzip and Brotli) except these. Source maps (6 MB of
# the API documentation's scripts) are fetched only by a browser's developer tools; they were
# 70% of collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# Media (issued documents, evidence files): never served publicly; downloads go
# through permission-checked views. File system by default, object storage by setting
# MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage (pip install '.[s3]').
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_STORAGE_BACKEND = env_str(
    "MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
)
_media_options: dict[str, object] = {}
if MEDIA_STORAGE_BACKEND.startswith("storages.backends.s3"):
    _media_options = {
        "bucket_name": env_str("MEDIA_S3_BUCKET"),
        "endpoint_url": env_str("MEDIA_S3_ENDPOINT_URL") or None,
        "region_name": env_str("MEDIA_S3_REGION") or None,
        "access_key": env_str("MEDIA_S3_ACCESS_KEY_ID") or None,
        "secret_key": env_str("MEDIA_S3_SECRET_ACCESS_KEY") or None,
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
else:
    _media_options = {"location": str(MEDIA_ROOT), "base_url": None}
STORAGES = {
    "default": {"BACKEND": MEDIA_STORAGE_BACKEND, "OPTIONS": _media_options},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_STORAGE_BACKEND",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# Background jobs: Celery on Redis when REDIS_URL is set. Without it, a queued task runs on
# a background thread of the process that queued it (core.background), never inside the
# request: the request answers at once and the page shows the work's progress.
REDIS_URL = env_str("REDIS_URL")
TASKS_IN_PROCESS = not REDIS_URL
# Eager mode (a task run inside the call that queued it) is for the tests only.
CELERY_TASK_ALWAYS_EAGER = False
# A failing job is recorded by the task itself (on_failure) rather than raised. Tests turn
# propagation back on to see errors.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "network-code")
# An unacknowledged task (its worker died) is redelivered after this many seconds; it must
# exceed the longest task plus its longest retry countdown.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": 1,
}
CELERY_TIMEZONE = TIME_ZONE
if REDIS_URL:
    # One beat at a time, however many are started: RedBeat keeps the schedule in Redis and
    # holds a lock there; a second beat waits on the lock and takes over if the first stops
    # (or dies: the lock expires after CELERY_BEAT_LOCK_TIMEOUT seconds without a tick).
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_BEAT_MAX_LOOP_INTERVAL = env_int("CELERY_BEAT_MAX_LOOP_INTERVAL", 30)
    CELERY_REDBEAT_REDIS_URL = REDIS_URL
    CELERY_REDBEAT_REDIS_OPTIONS: dict[str, object] = {}
    CELERY_REDBEAT_KEY_PREFIX = env_str("CELERY_BEAT_KEY_PREFIX", "network-code:beat:")
    CELERY_REDBEAT_LOCK_TIMEOUT = env_int("CELERY_BEAT_LOCK_TIMEOUT", 150)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "network-code"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Email: the console by default; SMTP by EMAIL_BACKEND and the EMAIL_* variables.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Network Code <no-reply@network-code.example>")

# HTTPS and cookies. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER_NAME.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Preloading is a commitment browsers ship for months: the operator opts in.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# check --deploy warns (security.W021) whenever preload is off; off is the chosen default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if env_str("SECURE_PROXY_SSL_HEADER_NAME"):
    SECURE_PROXY_SSL_HEADER = (env_str("SECURE_PROXY_SSL_HEADER_NAME"), "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:"],
        "script-src": [SELF],
        "style-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Network Code API",
    "DESCRIPTION": (
        "Joint ICT procurement and common standards for UK police forces. "
        "Authenticate with a session or with `Authorization: Token <token>`: "
        "POST /api/v1/auth/token/ issues a token per client, valid for a limited time; "
        "GET /api/v1/auth/tokens/ lists yours and DELETE revokes one."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProductStatusEnum": "catalogue.models.ProductStatus",
        "RevisionStatusEnum": "catalogue.models.RevisionStatus",
        "ConformanceStatusEnum": "catalogue.models.ConformanceStatus",
    },
}

# API tokens: one per client, valid for this many days from sign-in through the API.
API_TOKEN_LIFETIME_DAYS = env_int("API_TOKEN_LIFETIME_DAYS", 30)
if API_TOKEN_LIFETIME_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_LIFETIME_DAYS must be 1 or more.")

# Domain settings.
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "network-code-demo")
VAT_RATE = env_decimal("VAT_RATE", "0.20")
# Open Contracting: every joint requisition's ocid is "<prefix>-<unique id>".
OCDS_OCID_PREFIX = env_str("OCDS_OCID_PREFIX", "ocds-nc0001")
# The address users reach the service at, for links in published data and e-mails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Days after a revision is enacted before conformance to the superseded version lapses.
STANDARDS_TRANSITION_DAYS = env_int("STANDARDS_TRANSITION_DAYS", 180)
if STANDARDS_TRANSITION_DAYS < 0:
    raise ImproperlyConfigured("STANDARDS_TRANSITION_DAYS must be zero or more.")
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["StandardDomainEnum"] = "standards.models.Domain"

# Logs: one JSON object a line in production (LOG_FORMAT=json, the default when DEBUG is
# off), readable text in development; every line carries the request id (django-guid, from a
# well-formed X-Request-ID or a new one), which tasks queued by the request carry on.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "VALIDATE_GUID": True, "UUID_LENGTH": 32}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {
            "()": "django_guid.log_filters.CorrelationId",
            "correlation_id_field": "request_id",
        }
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{levelname}{name}{message}{request_id}",
            "style": "{",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own loggers go through the handler above only (Django's default adds a
        # plain console handler of its own when DEBUG is on, which repeats each line).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # WeasyPrint reports every layout step at INFO; only its warnings matter here.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # One line per task run is noise in the development server's console.
        "celery.app.trace": {"level": "WARNING"},
        # django-guid says at INFO, for every request, that it made an id.
        "django_guid": {"level": "WARNING"},
    },
}

# Health and observability (docs/operations.md). /metrics answers a bearer METRICS_TOKEN or
# an address in METRICS_ALLOWED_NETWORKS (the peer address, not X-Forwarded-For); with
# neither, nobody (with DEBUG on, the loopback addresses).
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_list(
    "METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128" if DEBUG else ""
)
# A worker on a machine of its own serves its task metrics here (0: not served); the
# address is the interface it listens on, an internal one: this endpoint has no token.
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
WORKER_METRICS_ADDRESS = env_str("WORKER_METRICS_ADDRESS", "127.0.0.1")
# /readyz fails when no worker has refreshed its heartbeat for this many seconds.
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 60)
# Probes and scrapers speak plain HTTP to the process, behind the TLS-terminating proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

FORM_RENDERER = "core.forms.FormRenderer"

# Catalogue: limits on uploads (bytes and rows).
CATALOGUE_EVIDENCE_MAX_BYTES = env_int("CATALOGUE_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
CATALOGUE_IMPORT_MAX_BYTES = env_int("CATALOGUE_IMPORT_MAX_BYTES", 2 * 1024 * 1024)
CATALOGUE_IMPORT_MAX_ROWS = env_int("CATALOGUE_IMPORT_MAX_ROWS", 5000)
