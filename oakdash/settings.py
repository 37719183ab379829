"""oakdash settings: every knob is an environment variable (listed in .env.example)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from oakdash.env import env_bool, env_float, env_int, env_list, env_str
from oakdash.replay.policy import ChunkHostPolicy

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

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'oakdash.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _cache_from_url(url: str) -> dict:
    """locmem:// (default, one process) or redis://host:port/db (several workers or hosts)."""
    scheme = urlsplit(url).scheme
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "oakdash"}
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"CACHE_URL={url!r}: use locmem://, redis://… or dummy://.")


CACHES = {"default": _cache_from_url(env_str("CACHE_URL", "locmem://"))}

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

# Replay streaming caps.
OAKDASH_REPLAY_CONCURRENCY = env_int("OAKDASH_REPLAY_CONCURRENCY", 6, minimum=1)
OAKDASH_REPLAY_MAX_CHUNK_COMPRESSED = env_int(
    "OAKDASH_REPLAY_MAX_CHUNK_COMPRESSED", 32 * 2**20, minimum=1
)
OAKDASH_REPLAY_MAX_CHUNK_BYTES = env_int("OAKDASH_REPLAY_MAX_CHUNK_BYTES", 128 * 2**20, minimum=1)
OAKDASH_REPLAY_MAX_BYTES = env_int("OAKDASH_REPLAY_MAX_BYTES", 512 * 2**20, minimum=1)

# Replay robustness (docs/DECISIONS.md "Replay robustness"). Streams at once, per user and in
# total (counted in the cache: shared by every worker and host with Redis), and each stream's
# budgets: wall clock, the slowest average reading rate, the longest a write may stall.
OAKDASH_REPLAY_STREAMS_PER_USER = env_int("OAKDASH_REPLAY_STREAMS_PER_USER", 3, minimum=1)
OAKDASH_REPLAY_STREAMS_TOTAL = env_int("OAKDASH_REPLAY_STREAMS_TOTAL", 12, minimum=1)
OAKDASH_REPLAY_STREAM_MAX_SECONDS = env_float("OAKDASH_REPLAY_STREAM_MAX_SECONDS", 600.0)
OAKDASH_REPLAY_STREAM_MIN_RATE = env_int("OAKDASH_REPLAY_STREAM_MIN_RATE", 8192, minimum=0)
OAKDASH_REPLAY_STREAM_STALL_SECONDS = env_float("OAKDASH_REPLAY_STREAM_STALL_SECONDS", 30.0)
# Compressed chunks held in memory by all streams of one process together (bytes).
OAKDASH_REPLAY_MEMORY_BUDGET = env_int("OAKDASH_REPLAY_MEMORY_BUDGET", 512 * 2**20, minimum=1)
# Tries of a chunk download when storage fails transiently (500/502/503/504, reset, timeout).
OAKDASH_REPLAY_CHUNK_ATTEMPTS = env_int("OAKDASH_REPLAY_CHUNK_ATTEMPTS", 3, minimum=1)
# Where chunk URLs may point (SSRF): host names (empty: any name; else these plus the API's own
# host, "*.example.com" for subdomains), and the non-public networks allowed anyway (CIDR).
OAKDASH_REPLAY_CHUNK_HOSTS = env_list("OAKDASH_REPLAY_CHUNK_HOSTS")
OAKDASH_REPLAY_CHUNK_NETWORKS = env_list("OAKDASH_REPLAY_CHUNK_NETWORKS")
try:
    _chunk_policy_check = ChunkHostPolicy.from_lists(
        OAKDASH_REPLAY_CHUNK_HOSTS, OAKDASH_REPLAY_CHUNK_NETWORKS
    )
except ValueError as _err:
    raise ImproperlyConfigured(f"OAKDASH_REPLAY_CHUNK_HOSTS/NETWORKS: {_err}") from None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
