"""oakdash settings: every knob is an environment variable (listed in .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from oakdash import startup_checks
from oakdash.env import env_bool, env_float, env_int, env_list, env_str
from oakdash.replay.policy import ChunkHostPolicy
from oakdash.sso.checks import check_oidc_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
# DEBUG only on loopback; a weak or placeholder secret key stops the process (startup_checks.py).
startup_checks.check_debug_hosts(DEBUG, ALLOWED_HOSTS)
SECRET_KEY = startup_checks.secret_key(env_str("DJANGO_SECRET_KEY"), debug=DEBUG)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "template_partials",
    "oakdash.accounts",
    "oakdash.sso",
    "oakdash.dashboard",
    "oakdash.sharing",
    "oakdash.demo",
]

MIDDLEWARE = [
    # Outermost, so it times everything (off unless OAKDASH_SERVER_TIMING=1).
    "oakdash.server_timing.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "oakdash.dashboard.middleware.ContentSecurityPolicyMiddleware",
    # After WhiteNoise (static files load anywhere), before anything reads cookies or sessions.
    "oakdash.fetch_metadata.FetchMetadataMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the signed-in user read from the cache (oakdash/accounts/user_cache.py).
    "oakdash.accounts.user_cache.CachedAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "oakdash.dashboard.middleware.ViewerTimezoneMiddleware",
    "oakdash.sso.middleware.SessionRevalidationMiddleware",
    # Last, as django-axes asks: turns a refused login into our lockout page.
    "axes.middleware.AxesMiddleware",
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
def database_from_url(url: str) -> dj_database_url.DBConfig:
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The same backend, but the file is created 0600 (oakdash/private_sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "oakdash.private_sqlite"
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
            "BACKEND": "oakdash.redis_cache.RedisCache",  # Django's, one client per pool
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
# The signed-in user is read from the cache too, for this many seconds (0: from the database on
# every request). Saving or deleting a user drops the entry at once (user_cache.py).
OAKDASH_USER_CACHE_SECONDS = env_float("OAKDASH_USER_CACHE_SECONDS", 60.0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username or address before any password is checked.
# Then the switch that refuses passwords when OAKDASH_PASSWORD_LOGIN=0 (it has no get_user, so
# sessions never name it), passwords, and company sign-in (OpenID Connect).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "oakdash.sso.passwords.PasswordLoginSwitch",
    "django.contrib.auth.backends.ModelBackend",
    "oakdash.sso.backend.OidcBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "unscoped:overview"  # / : the current project's overview
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
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Error reports (mail to ADMINS, logged 500s) star anything key-like (oakdash/error_reports.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "oakdash.error_reports.KeyScrubbingExceptionReporterFilter"
SESSION_COOKIE_HTTPONLY = True
# Our JavaScript never reads the CSRF cookie: htmx sends the token from base.html's hx-headers.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Login throttling (django-axes; oakdash/accounts/lockout.py, docs/OPERATIONS.md) ---------
# Failures are kept in the database, so every worker and host counts the same ones.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("OAKDASH_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("OAKDASH_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
# Counted per username and, separately, per client address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "oakdash.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "oakdash.accounts.lockout.lockout_response"
# A success does not wipe the address's failures (that would let guesses interleave with logins).
AXES_RESET_ON_SUCCESS = False
# Failures are logged with the username and address tried (the password never).
AXES_SENSITIVE_PARAMETERS: list[str] = []

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

# Per-request timing in a Server-Timing header (app, upstream, CPU): for benchmarks
# (bench/load.py) and for looking at a slow page in the browser's developer tools.
OAKDASH_SERVER_TIMING = env_bool("OAKDASH_SERVER_TIMING", False)

# Replay streaming caps.
# Chunk downloads in flight per stream: sized to hide storage latency (bench/README.md).
OAKDASH_REPLAY_CONCURRENCY = env_int("OAKDASH_REPLAY_CONCURRENCY", 32, minimum=1)
OAKDASH_REPLAY_MAX_CHUNK_COMPRESSED = env_int(
    "OAKDASH_REPLAY_MAX_CHUNK_COMPRESSED", 32 * 2**20, minimum=1
)
OAKDASH_REPLAY_MAX_CHUNK_BYTES = env_int("OAKDASH_REPLAY_MAX_CHUNK_BYTES", 128 * 2**20, minimum=1)
OAKDASH_REPLAY_MAX_BYTES = env_int("OAKDASH_REPLAY_MAX_BYTES", 512 * 2**20, minimum=1)

# --- Company sign-in (OpenID Connect) -------------------------------------------------------
# Off unless OAKDASH_OIDC_ISSUER is set. Nothing here talks to the provider: discovery happens on
# the first sign-in, so a provider that is briefly down never stops the process (docs/DEPLOY.md).
OAKDASH_OIDC_ISSUER = env_str("OAKDASH_OIDC_ISSUER", "")
OAKDASH_OIDC_CLIENT_ID = env_str("OAKDASH_OIDC_CLIENT_ID", "")
OAKDASH_OIDC_CLIENT_SECRET = env_str("OAKDASH_OIDC_CLIENT_SECRET", "")
OAKDASH_OIDC_SCOPES = env_str("OAKDASH_OIDC_SCOPES", "openid email profile")
OAKDASH_OIDC_BUTTON_LABEL = env_str("OAKDASH_OIDC_BUTTON_LABEL", "your company account")
OAKDASH_OIDC_ALLOWED_DOMAINS = env_list("OAKDASH_OIDC_ALLOWED_DOMAINS")
OAKDASH_OIDC_ALLOWED_GROUPS = env_list("OAKDASH_OIDC_ALLOWED_GROUPS")
OAKDASH_OIDC_GROUPS_CLAIM = env_str("OAKDASH_OIDC_GROUPS_CLAIM", "groups")
OAKDASH_OIDC_STAFF_GROUPS = env_list("OAKDASH_OIDC_STAFF_GROUPS")
OAKDASH_OIDC_SUPERUSER_GROUPS = env_list("OAKDASH_OIDC_SUPERUSER_GROUPS")
OAKDASH_OIDC_CREATE_USERS = env_bool("OAKDASH_OIDC_CREATE_USERS", True)
OAKDASH_OIDC_REVALIDATE_SECONDS = env_int("OAKDASH_OIDC_REVALIDATE_SECONDS", 900, minimum=60)
OAKDASH_OIDC_TIMEOUT = env_float("OAKDASH_OIDC_TIMEOUT", 10.0)
OAKDASH_PASSWORD_LOGIN = env_bool("OAKDASH_PASSWORD_LOGIN", True)
check_oidc_settings(
    issuer=OAKDASH_OIDC_ISSUER,
    client_id=OAKDASH_OIDC_CLIENT_ID,
    client_secret=OAKDASH_OIDC_CLIENT_SECRET,
    scopes=OAKDASH_OIDC_SCOPES,
    password_login=OAKDASH_PASSWORD_LOGIN,
)
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

# Sharing (docs/DECISIONS.md "Sharing", docs/OPERATIONS.md "Public replay links"). Off switch:
# every existing link stops working at its next request. Staff-only creation; the longest expiry
# anyone may choose (hours); requests per minute to public links per link and per client.
OAKDASH_SHARING_ENABLED = env_bool("OAKDASH_SHARING_ENABLED", True)
OAKDASH_SHARING_STAFF_ONLY = env_bool("OAKDASH_SHARING_STAFF_ONLY", False)
OAKDASH_SHARING_MAX_HOURS = env_int("OAKDASH_SHARING_MAX_HOURS", 30 * 24, minimum=1)
OAKDASH_SHARING_LINK_RATE = env_int("OAKDASH_SHARING_LINK_RATE", 60, minimum=1)
OAKDASH_SHARING_CLIENT_RATE = env_int("OAKDASH_SHARING_CLIENT_RATE", 30, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # Failed logins and lockouts are warnings; axes' INFO lines are start-up chatter.
        "axes": {"level": "WARNING"},
    },
}
