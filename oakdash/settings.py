"""oakdash settings: every knob is an environment variable (listed in .env.example)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from oakdash.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DJANGO_DEBUG", False)

_secret = env_str("DJANGO_SECRET_KEY")
if not _secret:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set (or DJANGO_DEBUG=1 for a throwaway development key)."
        )
    _secret = "django-insecure-development-only-key-not-for-production-use-0123456789"  # noqa: S105
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "oakdash.accounts",
    "oakdash.dashboard",
    "oakdash.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "oakdash.dashboard.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "oakdash.dashboard.middleware.ViewerTimezoneMiddleware",
]

ROOT_URLCONF = "oakdash.urls"
WSGI_APPLICATION = "oakdash.wsgi.application"

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
                "oakdash.dashboard.context_processors.dashboard",
            ],
        },
    },
]


# SQLite for one process; PostgreSQL (psycopg 3) for several workers or hosts. Connections are
# kept for DATABASE_CONN_MAX_AGE seconds and checked before reuse, so a restarted database server
# costs one failed health check, not a failed request.
def database_from_url(url: str) -> dict:
    """sqlite:///path (one host) or postgres://user:password@host:port/name (psycopg 3)."""
    database = dj_database_url.parse(
        url,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
    if database["ENGINE"] == "django.db.backends.postgresql":
        # A database host that drops packets must fail a request (and /readyz) in seconds.
        database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    return database


DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'oakdash.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_from_url(url: str) -> dict:
    """locmem:// (default, one process) or redis://host:port/db (several workers or hosts)."""
    scheme = urlsplit(url).scheme
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "oakdash"}
    if scheme in {"redis", "rediss"}:
        # Bounded socket waits: a Redis that stops answering costs a request seconds, not a hang.
        timeout = env_float("CACHE_SOCKET_TIMEOUT", 2.0)
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"CACHE_URL={url!r}: use locmem://, redis://… or dummy://.")


CACHES = {"default": cache_from_url(env_str("CACHE_URL", "locmem://"))}

# Sessions are read from the cache and written through to the database: every worker and host
# sees the same login, and a flushed cache logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "oakdash.staticstorage.StaticStorage"},
}

# Security headers. HTTPS-only settings switch on with DJANGO_SECURE (off for the loopback demo).
SECURE = env_bool("DJANGO_SECURE", not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("DJANGO_SSL_REDIRECT", True)
# Probes reach gunicorn directly over plain HTTP (a load balancer, systemd, monitoring).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if SECURE else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- OakData -------------------------------------------------------------------------------
# "demo" runs the embedded OakData-compatible API in-process (no socket, no network).
OAKDATA_API_URL = env_str("OAKDATA_API_URL", "https://oakdata.co/api/v1")
OAKDATA_CONNECT_TIMEOUT = env_float("OAKDATA_CONNECT_TIMEOUT", 3.0)
OAKDATA_READ_TIMEOUT = env_float("OAKDATA_READ_TIMEOUT", 7.0)

# Key-encryption keys: comma-separated Fernet keys, newest first (docs/OPERATIONS.md: rotation).
OAKDASH_ENCRYPTION_KEYS = env_list("OAKDASH_ENCRYPTION_KEYS")

# Short-lived caches of upstream answers (seconds).
OAKDASH_LIVE_CACHE_SECONDS = env_float("OAKDASH_LIVE_CACHE_SECONDS", 5.0)
OAKDASH_REPORT_CACHE_SECONDS = env_float("OAKDASH_REPORT_CACHE_SECONDS", 60.0)
# The most an upstream call made for a polling request (the live widget) may take (s): a poll
# that outlasts the polling interval holds a thread for an answer nobody waits for any more.
OAKDASH_POLL_TIMEOUT = env_float("OAKDASH_POLL_TIMEOUT", 3.0)

# Replay streaming caps.
OAKDASH_REPLAY_CONCURRENCY = env_int("OAKDASH_REPLAY_CONCURRENCY", 6, minimum=1)
OAKDASH_REPLAY_MAX_CHUNK_COMPRESSED = env_int(
    "OAKDASH_REPLAY_MAX_CHUNK_COMPRESSED", 32 * 2**20, minimum=1
)
OAKDASH_REPLAY_MAX_CHUNK_BYTES = env_int("OAKDASH_REPLAY_MAX_CHUNK_BYTES", 128 * 2**20, minimum=1)
OAKDASH_REPLAY_MAX_BYTES = env_int("OAKDASH_REPLAY_MAX_BYTES", 512 * 2**20, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
