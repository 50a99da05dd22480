"""Vigie settings: everything that differs between machines comes from the environment.

Defaults are the safe production values; `make run` and `make test` set DEBUG and friends for
development, and the private embedded servers (config/embedded.py) fill DATABASE_URL / REDIS_URL
when they are unset.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (os.environ.get(name) or default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string (or DEBUG=1 for development)."
        )
    SECRET_KEY = "development-only-insecure-key-never-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "channels",
    "axes",
    "accounts",
    "inbox",
    "crisis",
    "playbooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.UserTimeZoneMiddleware",
    # NUL characters and lone surrogates answer 400 before any view runs (in the user's language).
    "config.input_guard.UnstorableInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the authenticated user and records failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.current_organization",
                "inbox.context_processors.channel_health",
                "accounts.context_processors.live_outage",
                "crisis.context_processors.open_alerts",
            ],
        },
    }
]

# --- Data stores -----------------------------------------------------------------------------

DATABASE_URL = env("DATABASE_URL")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` / `make test` (they start a private PostgreSQL), "
        "or point it at a server: postgres://user:password@host:5432/vigie"
    )
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("Vigie runs on PostgreSQL only: DATABASE_URL must be postgres://...")
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")} if env("TEST_DATABASE_NAME") else {}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Use `make run` / `make test` (they start a private Redis), "
        "or point it at a server: redis://host:6379/0"
    )

# The cache only ever holds what PostgreSQL can recompute: while Redis is down, reads miss and
# writes are skipped (config/resilience.py), and a hung Redis costs a page at most a second.
CACHES = {
    "default": {
        "BACKEND": "config.resilience.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "vigie",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "vigie:live", "capacity": 1500, "expiry": 30},
    }
}

# --- Auth --------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions and failed-login records live in PostgreSQL, never only in Redis: people log in and
# stay logged in while Redis is down (tests/faults/test_redis_down.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one e-mail from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- Security ----------------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every answer (Django's own middleware since 6.0, the django-csp
# project merged into Django). Scripts and styles come from our own files only: no inline
# <script>, event handler or style attribute anywhere (static/js/pages.js does what they did), and
# htmx may not evaluate attributes. Avatars are platforms' images, hence https: for images.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "https:", *(["http:"] if DEBUG else [])],  # the sandbox's, in development
    "connect-src": [CSP.SELF],  # the live websocket: 'self' covers ws(s):// on the same host
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_AGE = 60 * 60 * 12
# Error pages, e-mails and logged reports never show credentials, tokens or other tenants' rows,
# DEBUG or not (config/error_reports.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.error_reports.VigieExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "config.error_reports.VigieExceptionReporter"

# --- Internationalisation ----------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files ------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# In development whitenoise serves straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- E-mail ------------------------------------------------------------------------------------

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
_smtp_options = {
    "host": env("EMAIL_HOST", "localhost"),
    "port": int(env("EMAIL_PORT", "25")),
    "username": env("EMAIL_HOST_USER", ""),
    "password": env("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("EMAIL_USE_TLS", False),
    "timeout": 10,
}
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND,
        "OPTIONS": _smtp_options if EMAIL_BACKEND.endswith("smtp.EmailBackend") else {},
    }
}
del EMAIL_BACKEND
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Vigie <vigie@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API ---------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.OrganizationTokenAuthentication",
        "config.api_limits.RateLimitedTokenAuthentication",
        "config.api_limits.AnonymousRateLimit",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_METADATA_CLASS": "config.api_metadata.RouteMetadata",
    "DEFAULT_PAGINATION_CLASS": "config.api.NewestFirstCursorPagination",
    "PAGE_SIZE": 50,
    # 429 with Retry-After beyond these (config/api.py): per token, per person, per address.
    "DEFAULT_THROTTLE_CLASSES": ["config.api_limits.TokenRateThrottle", "config.api_limits.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env("API_RATE_PER_TOKEN", "300/min"),
        "user": env("API_RATE_PER_USER", "600/min"),
        "anon": env("API_RATE_ANONYMOUS", "60/min"),
    },
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vigie API",
    "DESCRIPTION": "Social inbox and crisis desk. Every route lives under one organization: /api/v1/o/<slug>/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The ways to authenticate; AnonymousRateLimit only counts anonymous requests, it is not one.
    "AUTHENTICATION_WHITELIST": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.OrganizationTokenAuthentication",
        "config.api_limits.RateLimitedTokenAuthentication",
    ],
    # Operations grouped by resource ("conversations", "members"...), not all under "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v1(/o/\{organization_slug\})?",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_schema.describe_operations",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "inbox.models.ConversationStatus",
        "ChannelStatusEnum": "inbox.models.ChannelStatus",
        "AlertSeverityEnum": "crisis.models.AlertSeverity",
        "LintSeverityEnum": "playbooks.models.Severity",
        "DeliveryStateEnum": "inbox.models.DeliveryState",
        "MemberRoleEnum": "accounts.roles.Role",
        "CellRoleEnum": "crisis.models.CellRole",
    },
}

# --- Workers -----------------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL
# No result backend: no task's result is ever read (PostgreSQL holds every outcome). With one,
# each enqueue subscribed to its result in Redis and, Redis down, retried 20 times: a reply sent
# during an outage blocked its request for 19 s.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Enqueueing from a request gives up within about a second when the broker is down: the row is
# already committed, and a beat sweep enqueues it again once Redis is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_ACKS_LATE = True
# A worker killed mid-task gives its message back instead of losing it.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Back within a second of Redis returning, instead of kombu's backoff of up to 30 s; and never
# giving up (a worker that stopped after 100 attempts would stay down once Redis is back).
CELERY_WORKER_CONSUMER = "config.celery:PromptReconnectConsumer"
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A message a dead worker had taken comes back after this. Lost work does not wait for it: beat's
# sweeps re-derive it from PostgreSQL within seconds (poll leases run out, stuck sends are settled),
# so it is only a backstop; retries are never scheduled further ahead than it (see inbox/tasks.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300, "socket_connect_timeout": 1}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUE_NAMES = ("ingest", "send", "alerts", "default")
CELERY_TASK_ROUTES = {
    "accounts.tasks.*": {"queue": "default"},
    "inbox.tasks.ingest_*": {"queue": "ingest"},
    "inbox.tasks.poll_*": {"queue": "ingest"},
    "inbox.tasks.send_*": {"queue": "send"},
    "inbox.tasks.sweep_*": {"queue": "default"},
    # Storm replies hand hundreds of people to the send queue: not on the queue that pages people.
    "crisis.tasks.advance_cluster_replies": {"queue": "default"},
    "crisis.tasks.*": {"queue": "alerts"},
    "playbooks.tasks.*": {"queue": "default"},
}
CELERY_BEAT_SCHEDULE = {
    "poll-due-channels": {"task": "inbox.tasks.poll_due_channels", "schedule": 5.0},
    "sla-breaches": {"task": "inbox.tasks.sweep_sla_breaches", "schedule": 30.0},
    "snoozed-conversations": {"task": "inbox.tasks.sweep_snoozed_conversations", "schedule": 60.0},
    # Often: an interrupted send is settled within a minute (VIGIE_SEND_IN_FLIGHT_SECONDS + this).
    "stuck-sends": {"task": "inbox.tasks.sweep_stuck_sends", "schedule": 10.0},
    "unseen-notifications": {"task": "accounts.tasks.email_unseen_notifications", "schedule": 60.0},
    # Replies queued while Redis was down leave within seconds of its return.
    "unqueued-replies": {"task": "inbox.tasks.sweep_unqueued_replies", "schedule": 5.0},
    "webhook-deliveries": {"task": "inbox.tasks.sweep_webhook_deliveries", "schedule": 30.0},
    # On-call: due escalation steps and notifications are rows with a due time; these ticks claim them.
    "escalations": {"task": "crisis.tasks.sweep_escalations", "schedule": 2.0},
    "notifications": {"task": "crisis.tasks.sweep_notifications", "schedule": 5.0},
    "coverage-gaps": {"task": "crisis.tasks.check_coverage_gaps", "schedule": 3600.0},
    "handoffs": {"task": "crisis.tasks.announce_handoffs", "schedule": 60.0},
    "volume-spikes": {"task": "crisis.tasks.check_volume_spikes", "schedule": 30.0},
    # The crisis room's curves move within seconds of the mentions (one small push per active crisis).
    "crisis-room-series": {"task": "crisis.tasks.push_crisis_room_series", "schedule": 5.0},
    # Storm replies: the next people of each cluster reply, at each account's pace (crisis/pacing.py).
    "cluster-replies": {"task": "crisis.tasks.advance_cluster_replies", "schedule": 2.0},
    # Statement posts left waiting by a broker outage or a killed worker go out (once) within a minute.
    "statement-publications": {"task": "crisis.tasks.resume_statement_publications", "schedule": 30.0},
}

# --- Vigie -------------------------------------------------------------------------------------

# Where people reach this installation: links in e-mails, SMS and chat messages start with it.
PUBLIC_URL = env("PUBLIC_URL", "http://127.0.0.1:8000")

# On-call SMS: "console" writes them to the log (development); "twilio" posts to Twilio's REST
# API (TWILIO_BASE_URL is the platform sandbox in the demo and the tests).
SMS_PROVIDER = env("SMS_PROVIDER", "console")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", "")

# A claimed channel's poll lease: renewed every third of it while the poll runs, so that a worker
# killed mid-poll frees its channels within this many seconds.
VIGIE_POLL_LEASE_SECONDS = int(env("VIGIE_POLL_LEASE_SECONDS", "30"))
# A send older than this is no longer in flight (a connector's calls time out well before): its
# worker died, and the send is settled by looking the post up on the platform.
VIGIE_SEND_IN_FLIGHT_SECONDS = int(env("VIGIE_SEND_IN_FLIGHT_SECONDS", "40"))
# Shrinks the per-platform pace of cluster replies (crisis/pacing.py): for the platform sandbox in
# tests only (0: no pacing). In production the platforms' limits apply, so leave it at 1.
VIGIE_CLUSTER_PACE_SCALE = float(env("VIGIE_CLUSTER_PACE_SCALE", "1"))

# Fernet keys for channel credentials, newest first; older keys still decrypt (rotation).
CREDENTIALS_KEYS = env_list("CREDENTIALS_KEYS")
if not CREDENTIALS_KEYS and DEBUG:
    CREDENTIALS_KEYS = ["ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMhISE="]

# Where each platform's API lives. Production talks to the platforms; the demo and the tests set
# PLATFORM_SANDBOX_URL to the platform sandbox (`manage.py platform_sandbox`), which plays them all.
PLATFORM_SANDBOX_URL = env("PLATFORM_SANDBOX_URL", "")
# Feeds and Mastodon instances that admins enter may point at private addresses only in
# development (the sandbox listens on 127.0.0.1); in production the workers fetch public ones only.
ALLOW_PRIVATE_CHANNEL_ADDRESSES = env_bool("ALLOW_PRIVATE_CHANNEL_ADDRESSES", DEBUG)
# `seed_demo` replays a short crisis drill for the demo (crisis/demo_drill.py, ~20 s); off in tests.
DEMO_DRILL = env_bool("VIGIE_DEMO_DRILL", True)
PLATFORM_BASE_URLS = {
    "x": PLATFORM_SANDBOX_URL or "https://api.twitter.com",
    "facebook": PLATFORM_SANDBOX_URL or "https://graph.facebook.com",
    "instagram": PLATFORM_SANDBOX_URL or "https://graph.facebook.com",
    "mastodon": PLATFORM_SANDBOX_URL,  # each Mastodon channel names its own instance
    "bluesky": PLATFORM_SANDBOX_URL or "https://bsky.social",
    "web": "",
}
TWILIO_BASE_URL = env("TWILIO_BASE_URL", PLATFORM_SANDBOX_URL or "https://api.twilio.com")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    # Tokens in URLs and headers that a library's exception may quote are blanked (config/error_reports.py).
    "filters": {"redact_secrets": {"()": "config.error_reports.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
