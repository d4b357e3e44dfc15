"""Settings for the Peer Support Evidence Hub: one file, configured by environment variables.

Every variable an operator may set is declared in `env` below with its type and default.
Defaults are safe for production; development conveniences apply only when DEBUG is on.
"""

import datetime
import os
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import environ
from corsheaders.defaults import default_headers as cors_default_headers
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    SECRET_KEY=(str, ""),
    ALLOWED_HOSTS=(list, []),
    CSRF_TRUSTED_ORIGINS=(list, []),
    DEFAULT_FROM_EMAIL=(str, "Peer Support Evidence Hub <hub@localhost>"),
    CONTACT_EMAIL=(str, ""),
    SITE_URL=(str, "http://127.0.0.1:8000"),
    SECURE_SSL_REDIRECT=(bool, None),
    SECURE_HSTS_SECONDS=(int, 31536000),
    SECURE_HSTS_PRELOAD=(bool, True),
    TRUSTED_PROXY_COUNT=(int, 0),
    LOG_LEVEL=(str, "INFO"),
    STATIC_ROOT=(str, str(BASE_DIR / "staticfiles")),
    PUBLIC_CACHE_SECONDS=(int, 60),
    PUBLIC_STALE_SECONDS=(int, 300),
    RELEASE=(str, ""),
    DATABASE_REPLICA_URL=(str, ""),
    API_THROTTLE_RATE=(str, "120/minute"),
    EXPORT_RATE_LIMIT=(int, 20),
    SUGGEST_RATE_LIMIT=(int, 5),
    BACKUP_DIR=(str, str(BASE_DIR / "backups")),
    BACKUP_KEEP=(int, 14),
    LINK_CHECK_TIMEOUT=(float, 10.0),
    REVIEW_INTERVAL_MONTHS=(int, 24),
    TASKS_BACKEND=(str, ""),
    UNSUBSCRIBED_RETENTION_DAYS=(int, 365),
    DIGEST_BATCH_SIZE=(int, 200),
    DIGEST_STALLED_MINUTES=(int, 15),
    PREFERENCES_LINK_MAX_AGE_DAYS=(int, 365),
    REQUIRE_2FA=(bool, None),
    LOGIN_FAILURE_LIMIT=(int, 5),
    LOGIN_ACCOUNT_FAILURE_LIMIT=(int, 20),
    LOGIN_LOCKOUT_MINUTES=(int, 60),
    CROSSREF_API_URL=(str, "https://api.crossref.org"),
    CROSSREF_TIMEOUT=(float, 5.0),
    IMPORT_MAX_BYTES=(int, 20_000_000),
)

# pytest imports these settings; tests get a fast hasher and no HTTPS redirects.
TESTING = "pytest" in sys.modules

DEBUG = env("DEBUG")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-only-used-when-debug-is-on-0123456789"
    else:
        # One sentence instead of a traceback an operator has to decode. Exit status 3 is
        # gunicorn's "worker failed to boot": it stops instead of respawning workers forever.
        sys.stderr.write(
            "SECRET_KEY is not set: set the SECRET_KEY environment variable "
            "(a long random string) or set DEBUG=1 for local development.\n"
        )
        raise SystemExit(3)

ALLOWED_HOSTS = env("ALLOWED_HOSTS")
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

SITE_NAME = "Peer Support Evidence Hub"
SITE_URL = env("SITE_URL").rstrip("/")
# Shown on the about page for accessibility problems and erasure requests, when set.
CONTACT_EMAIL = env("CONTACT_EMAIL")

INSTALLED_APPS = [
    "hub.apps.HubAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_filters",
    "simple_history",
    "csp",
    "hub",
    "resources",
    "newsletter",
    "suggestions",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "api",
    # Curators' sign-in: lockouts, two-factor codes (authenticator app, recovery codes).
    "axes",
    "django_otp",
    "accounts.apps.AuthenticatorAppsConfig",  # django_otp.plugins.otp_totp
    "accounts.apps.RecoveryCodesConfig",  # django_otp.plugins.otp_static
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy and Cross-Origin-Resource-Policy; above whitenoise, so static files
    # get them too (hub/security_headers.py).
    "hub.security_headers.SecurityHeadersMiddleware",
    # WhiteNoise, less the staticfiles manifest (hub/static_serving.py).
    "hub.static_serving.StaticFilesMiddleware",
    # Compresses pages (HTML, XML, JSON, CSV) for clients that accept gzip, with Django's
    # BREACH mitigation (random bytes in each gzip header). Below whitenoise, which serves
    # static files itself, already compressed by collectstatic (.br and .gz); above the rest,
    # so it compresses what they leave. Its ETags are weak, which hub/http_cache.py expects.
    "django.middleware.gzip.GZipMiddleware",
    # CORS for /api/ only; above the cache middleware so its early 304s carry the headers too.
    "corsheaders.middleware.CorsMiddleware",
    # Above sessions, CSRF and messages, so it sees every cookie they set; its early 304s
    # still pass back through them and the security headers (hub/http_cache.py).
    "hub.http_cache.PublicCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Tells whether the session was signed in with a one-time code (`user.is_verified()`).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Public pages read the replica when one is configured and up to date. After
    # PublicCacheMiddleware, so the replica is checked after the ETag is taken (hub/replica.py).
    "hub.replica.ReplicaReadsMiddleware",
    # Last, as django-axes asks: turns a sign-in it locked into the "locked" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"

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
                "hub.context_processors.site",
                "resources.context_processors.kind_navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if TESTING and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file (in memory-backed /dev/shm where there is one) rather than SQLite's in-memory
    # database, so that processes a test starts (the task worker) open the same test database.
    # One per test process; pytest-django adds the xdist worker's suffix.
    test_database_dir = Path("/dev/shm" if Path("/dev/shm").is_dir() else tempfile.gettempdir())
    test_database_name = str(test_database_dir / f"hub-test-{os.getpid()}.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": test_database_name}
# An optional streaming replica of DATABASE_URL: public pages read it (hub/replica.py), the rest
# and every write go to the primary. Unset, everything reads and writes the primary. Tests get
# the alias as a mirror of the test database; tests/test_db_router.py turns REPLICA_READS on.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
REPLICA_READS = bool(DATABASE_REPLICA_URL)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
elif TESTING:
    DATABASES["replica"] = dict(DATABASES["default"])
if "replica" in DATABASES:
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
for database in DATABASES.values():
    database.setdefault("CONN_MAX_AGE", 60)
    database.setdefault("CONN_HEALTH_CHECKS", True)
DATABASE_ROUTERS = ["hub.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
if EMAIL_CONFIG["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    # django-environ drops the leading slash of filemail:///var/mail/hub; keep it absolute.
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = "/" + urlsplit(env("EMAIL_URL")).path.lstrip("/")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks (Django's Tasks API, backported by django-tasks): every email is sent by a
# task (hub/tasks.py), so no request waits for the mail server or shows by its timing what it
# sent. "database" keeps tasks in the database until the worker (`manage.py db_worker`) runs
# them: production's default. "immediate" runs each at once in the process that enqueued it,
# so `make run` (DEBUG) needs no second process and tests see mail in `mail.outbox`.
TASKS_BACKEND = env("TASKS_BACKEND") or ("immediate" if DEBUG or TESTING else "database")
TASK_BACKEND_CLASSES = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in TASK_BACKEND_CLASSES:
    sys.stderr.write(
        f"TASKS_BACKEND is {TASKS_BACKEND!r}: set it to database (a worker runs tasks) or "
        "immediate (tasks run inside the request).\n"
    )
    raise SystemExit(3)
TASKS = {"default": {"BACKEND": TASK_BACKEND_CLASSES[TASKS_BACKEND]}}

# Unsubscribed newsletter records are erased this many days after the person left
# (`manage.py purge_pending_subscribers`, run daily); the about page says so.
UNSUBSCRIBED_RETENTION_DAYS = env("UNSUBSCRIBED_RETENTION_DAYS")
# Newsletter digests (newsletter/tasks.py) are sent in batches of this many people: one task
# and one SMTP connection per batch.
DIGEST_BATCH_SIZE = max(1, env("DIGEST_BATCH_SIZE"))
# A sending digest none of whose deliveries has moved for this many minutes has lost its
# worker (killed mid-batch): `send_digest --resume-stalled`, from cron, queues what is left.
DIGEST_STALLED_MINUTES = max(1, env("DIGEST_STALLED_MINUTES"))
# How long the "change your topics" link in newsletter emails works (newsletter/tokens.py).
PREFERENCES_LINK_MAX_AGE_DAYS = env("PREFERENCES_LINK_MAX_AGE_DAYS")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Curators' sign-in (the accounts app; README "Curating the catalogue").
# django-axes counts failed sign-ins by username and client address: LOGIN_FAILURE_LIMIT
# failures lock that username at that address, LOGIN_ACCOUNT_FAILURE_LIMIT from any
# addresses lock the account, each for LOGIN_LOCKOUT_MINUTES after the latest failure (or
# until an administrator lifts it). Its backend must come first, to refuse locked sign-ins.
LOGIN_FAILURE_LIMIT = env("LOGIN_FAILURE_LIMIT")
LOGIN_ACCOUNT_FAILURE_LIMIT = env("LOGIN_ACCOUNT_FAILURE_LIMIT")
LOGIN_LOCKOUT_MINUTES = env("LOGIN_LOCKOUT_MINUTES")
if not 1 <= LOGIN_FAILURE_LIMIT <= LOGIN_ACCOUNT_FAILURE_LIMIT or LOGIN_LOCKOUT_MINUTES < 1:
    sys.stderr.write(
        "LOGIN_FAILURE_LIMIT must be at least 1 and at most LOGIN_ACCOUNT_FAILURE_LIMIT, and "
        "LOGIN_LOCKOUT_MINUTES at least 1.\n"
    )
    raise SystemExit(3)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "accounts.lockout.HubLockoutHandler"  # adds the account-wide limit
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# The client address as the hub's rate limits read it (TRUSTED_PROXY_COUNT), not ipware's.
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# The sign-in trail is accounts.SignInEvent; axes keeps only its failure counts.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]
AXES_VERBOSE = False
# Two-factor sign-in (django-otp): superusers always, other staff when REQUIRE_2FA is on
# (by default, unless DEBUG is on so that `make run` stays a password away).
REQUIRE_2FA = env("REQUIRE_2FA")
if REQUIRE_2FA is None:
    REQUIRE_2FA = not DEBUG
OTP_TOTP_ISSUER = SITE_NAME

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names and far-future caching need `collectstatic`; DEBUG and tests skip it.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security headers. HTTPS settings follow DEBUG; an operator behind a TLS-terminating proxy
# that already redirects sets SECURE_SSL_REDIRECT=0.
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT")
if SECURE_SSL_REDIRECT is None:
    SECURE_SSL_REDIRECT = not DEBUG and not TESTING
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # load balancers probe over plain HTTP
# How many reverse proxies sit in front of gunicorn: the one setting that decides which
# forwarded headers are believed. 0 (the default) believes none: the client is REMOTE_ADDR
# and HTTPS is what gunicorn itself was asked over, so a client talking to gunicorn directly
# can neither claim HTTPS with X-Forwarded-Proto nor pose as another address with
# X-Forwarded-For. Behind a proxy (1 or more), the proxy's X-Forwarded-Proto says whether the
# visitor used HTTPS, and the address the last trusted proxy saw is the client's
# (hub/ratelimit.py `client_address`, read by every rate limit and the sign-in lockouts).
TRUSTED_PROXY_COUNT = env("TRUSTED_PROXY_COUNT")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_HSTS_SECONDS = 0 if DEBUG else env("SECURE_HSTS_SECONDS")
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG and env("SECURE_HSTS_PRELOAD")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Off DEBUG the hub is served over HTTPS, so its cookies are Secure, and the session and CSRF
# cookies take the __Host- prefix: browsers accept such a cookie only over HTTPS, with Path=/
# and no Domain, so neither a plain-HTTP response nor a sibling subdomain can plant or
# overwrite one (session fixation, CSRF token injection). A cache in front that bypasses on
# these cookies matches both names (README, "Caching in front of the hub").
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if CSRF_COOKIE_SECURE else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Sent as Permissions-Policy `feature=()` (off for the page and anything it embeds) by
# hub/security_headers.py: features the hub never uses, each one Chromium knows (it reports
# unknown names on the console: tests/browser/test_security_headers.py). Not clipboard-write:
# "Copy reference" on detail pages uses it.
PERMISSIONS_POLICY_DISABLED = (
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
# Cross-Origin-Resource-Policy is same-origin except for these paths, which other sites show
# in their visitors' browsers: the share card and icons beside a pasted link (and
# /favicon.ico's redirect to the icon). See hub/security_headers.py.
CROSS_ORIGIN_SHARED_PATHS = (f"/{STATIC_URL}img/", "/favicon.ico")

# No inline scripts or styles anywhere: JavaScript lives in static/js and only enhances.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Caching by a proxy or CDN in front (hub/http_cache.py). Anonymous public pages are sent
# `Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS, stale-while-revalidate=
# PUBLIC_STALE_SECONDS` with an ETag of the catalogue version and RELEASE; a publish changes
# every ETag at once, so max-age only bounds how long a cache may serve without asking.
# RELEASE names the deployment (a commit id or image tag): set it the same on every machine.
# Unset, it is a digest of the code, templates and static manifest, computed at start-up.
PUBLIC_CACHE_SECONDS = env("PUBLIC_CACHE_SECONDS")
PUBLIC_STALE_SECONDS = env("PUBLIC_STALE_SECONDS")
RELEASE = env("RELEASE")

# Downloads of whole listings (/evidence/export.csv, resources/exports.py) one client address
# may start in ten minutes: each reads every result, so a script cannot make the hub do so
# without pause. Feeds and pages are not limited.
EXPORT_RATE_LIMIT = env("EXPORT_RATE_LIMIT")

# Suggestions (/suggest/, the suggestions app) one client address may send in an hour; more get
# a 429 page. Each one waits for a curator, so a script must not be able to flood the queue.
SUGGEST_RATE_LIMIT = max(1, env("SUGGEST_RATE_LIMIT"))

# Request size limits (README, "Deployment"): gunicorn refuses oversized request lines and
# headers before Django sees them; Django limits what it reads of a body. The largest honest
# POST is a curator's entry form (tens of kilobytes) and the most fields one sends are the
# admin's bulk actions (a page of 100 ticked rows), well within Django's defaults, kept here
# to be seen. Only the admin's import takes a file, one at a time (hub/uploads.py): anywhere
# else a request carrying one is refused (400) before any of it is stored.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB of body, files aside
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000  # per query string or form
DATA_UPLOAD_MAX_NUMBER_FILES = 1
FILE_UPLOAD_HANDLERS = [
    "hub.uploads.UploadGate",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# The largest file the admin's import (resources/imports.py) reads, in bytes; a larger one is
# stopped as it arrives, and the curator told to split it.
IMPORT_MAX_BYTES = env("IMPORT_MAX_BYTES")

# "Fill from DOI" in the admin (resources/crossref.py): Crossref's public API, and how many
# seconds a curator waits for it before being told to try later.
CROSSREF_API_URL = env("CROSSREF_API_URL")
CROSSREF_TIMEOUT = env("CROSSREF_TIMEOUT")

# Backups (manage.py backup_database and restore_database, hub/backups.py): the folder they
# are written to, and how many of them are kept there (older ones are deleted after each).
BACKUP_DIR = env("BACKUP_DIR")
BACKUP_KEEP = env("BACKUP_KEEP")
if BACKUP_KEEP < 1:
    sys.stderr.write(f"BACKUP_KEEP is {BACKUP_KEEP}: keep at least 1 backup.\n")
    raise SystemExit(3)

# The link checker (manage.py check_links, resources/link_checks.py): seconds to wait for a
# site to connect or answer before trying again, and at last calling the link broken.
LINK_CHECK_TIMEOUT = env("LINK_CHECK_TIMEOUT")

# A published entry is "due for review" (an admin filter with a count) once this many months
# have passed since a curator last reviewed it, or, never reviewed, since it was published.
REVIEW_INTERVAL_MONTHS = max(1, env("REVIEW_INTERVAL_MONTHS"))

# The read API (/api/v1/, the api app): anonymous and read-only, so no sessions, no CSRF and
# JSON only. Each client address may make API_THROTTLE_RATE requests ("120/minute"; also
# /second, /hour, /day), counted in the default cache; more get a 429 with Retry-After.
API_THROTTLE_RATE = env("API_THROTTLE_RATE")
if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", API_THROTTLE_RATE):
    sys.stderr.write(
        f"API_THROTTLE_RATE is {API_THROTTLE_RATE!r}: set it to a number of requests per "
        "second, minute, hour or day, such as 120/minute.\n"
    )
    raise SystemExit(3)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "URL_FORMAT_OVERRIDE": None,  # one format: a stray ?format= is an unknown parameter
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": "Read-only access to the published catalogue: the entries of every listing "
    "with the same filters and search, one entry, the taxonomies and their terms, and facet "
    "counts. Anonymous; JSON; cursor pagination.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN, and no inline script.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"KindEnum": "resources.kinds.Kind"},
}
# Any site may read the API from a browser (GET, HEAD, OPTIONS; no cookies); nothing else
# of the hub is shared across origins.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = (*cors_default_headers, "if-none-match", "if-modified-since")
CORS_EXPOSE_HEADERS = ("ETag", "Retry-After")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": sys.stdout, "formatter": "plain"},
    },
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL")},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": env("LOG_LEVEL"), "propagate": False},
        # Sign-in events (accounts/events.py): always written, whatever LOG_LEVEL says.
        "security": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        # django-axes' own lines repeat the security ones (with usernames masked): errors only.
        "axes": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
    },
}
