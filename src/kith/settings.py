"""Django settings, read from the environment (see docs/DEPLOY.md for every variable)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from kith.env import envbool, envint, envlist, envstr, new_secret_key, secret_file, url_origin

BASE_DIR = Path(__file__).resolve().parent
_CHECKOUT = BASE_DIR.parent.parent
# In a checkout, var/ sits beside pyproject.toml wherever `kith` is run from; an installed copy
# should set KITH_VAR_DIR (docs/DEPLOY.md), else it falls back to ./var.
_DEFAULT_VAR = _CHECKOUT / "var" if (_CHECKOUT / "pyproject.toml").exists() else Path.cwd() / "var"
VAR_DIR = Path(envstr("KITH_VAR_DIR", str(_DEFAULT_VAR))).resolve()

DEMO = envbool("KITH_DEMO", False)
DEBUG = envbool("DEBUG", False)
SECRET_KEY = envstr("SECRET_KEY") or secret_file(VAR_DIR / "secret_key", new_secret_key)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "kith.core.admin_config.KithAdminConfig",  # Django's admin behind Kith's sign-in and two-factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Kith's apps come before allauth so our templates (its layout included) win.
    "kith.core",
    "kith.accounts",
    "kith.groups",
    "kith.residents",
    "kith.volunteers",
    "kith.requests",
    "kith.matching",
    "kith.runs",
    "kith.signposting",
    "kith.safeguarding",
    "kith.partners",
    "kith.money",
    "kith.safety",
    "kith.retention",
    "kith.places",
    "kith.directory",
    "kith.listings",
    "kith.demo",
    "kith.messaging",
    "kith.erasure",
    "kith.transparency",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "js_lib_htmx",
    "csp",  # only for django-csp's own checks of its settings
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # answers static files itself, cacheable
    "kith.core.middleware.RequestIdMiddleware",
    "kith.core.links.ServedAtMiddleware",  # links in mail use the address we are served on
    "kith.core.middleware.PrivacyHeadersMiddleware",  # no-store, Permissions-Policy
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy, nonces (request.csp_nonce)
    # /api/v1/ answers only in JSON problems; inside the two above, so problems get their headers.
    "kith.partners.problems.ApiProblemMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "kith.core.middleware.AddressTooLongMiddleware",  # Kith's own 414 page, not the server's
    "kith.core.middleware.DiskFullMiddleware",  # a full disk said in words, not a 500
]

ROOT_URLCONF = "kith.urls"
WSGI_APPLICATION = "kith.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kith.core.context_processors.kith",
            ],
            "builtins": ["kith.core.templatetags.kith"],
        },
    }
]

# SQLite under var/ unless DATABASE_URL names another database.
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kith.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        # A kept connection is checked (one round trip) before a request reuses it, so after
        # the database restarts, the first request on each worker opens a new connection instead
        # of failing on the dead one (tests/test_database_restart.py).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite lets one writer in at a time; these make the others queue for their turn instead of
    # failing with "database is locked" (docs/ARCHITECTURE.md, "Locks"):
    # - WAL: readers never wait for the writer, nor it for them;
    # - IMMEDIATE: a transaction takes the write lock at BEGIN and queues there; a deferred one
    #   that read first would fail at once, without waiting, if another wrote in between;
    # - timeout: how long a writer queues (the busy timeout), in seconds. Nothing in Kith holds
    #   the lock for more than about a second (a big import commits in batches), so 20 is ample.
    # synchronous=NORMAL is safe with WAL: a power cut may lose the last commits, never corrupt.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A file cache is shared by every worker on one machine, so sign-in rate limits hold across them.
# Several app servers share one Redis instead (CACHE_URL=redis://host:6379/0): a limit counted on
# one server holds on the others (docs/DEPLOY.md, "Many servers").
CACHE_URL = envstr("CACHE_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache" if CACHE_URL.startswith(
            ("redis://", "rediss://", "unix://")) else envstr(
            "CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"),
        "LOCATION": CACHE_URL or envstr("CACHE_LOCATION", str(VAR_DIR / "cache")),
    }
}

AUTH_USER_MODEL = "accounts.Person"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "groups:start"  # each person lands on their own work

# --- allauth: email is the identity; a code by email is enough, a password is optional.
# A code by text signs in someone with a UK mobile on their account (phone-only volunteers
# from an import above all); sign-up stays by email, so "phone" is not a sign-up field.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_FORMS = {"request_login_code": "kith.accounts.sign_in_forms.CodeRequestForm"}
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1"]
ACCOUNT_SIGNUP_FORM_CLASS = "kith.accounts.forms.SignupExtraForm"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60  # older volunteers may take a while to find the email
ACCOUNT_EMAIL_VERIFICATION = "mandatory"  # by code: proves the address before anyone joins a group
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kith] "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    # Per address and per email or number ("key"): texts cost money and a stream of codes
    # is harassment, so a number gets at most 3 a minute, 6 an hour and 10 a day.
    "request_login_code": "5/m/ip,30/h/ip,3/m/key,6/h/key,10/d/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
# Behind nginx every visitor would look like 127.0.0.1; count the proxies so limits are per person.
ALLAUTH_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
ACCOUNT_RATE_LIMITS_ENABLED = envbool("KITH_RATE_LIMITS", True)
if not ACCOUNT_RATE_LIMITS_ENABLED:
    ACCOUNT_RATE_LIMITS = False
# Two-factor: a passkey first (nothing to type), an authenticator app second, printed backup codes.
ACCOUNT_ADAPTER = "kith.accounts.adapter.KithAccountAdapter"  # codes by mail and text via the outbox
# Sign-in codes texted across the whole site in an hour, whoever asks: a ceiling on the bill
# if someone spreads requests over many addresses. Above it the page looks the same, no text.
KITH_SIGN_IN_TEXTS_PER_HOUR = envint("KITH_SIGN_IN_TEXTS_PER_HOUR", 200)
MFA_ADAPTER = "kith.accounts.adapter.KithMFAAdapter"  # Kith's words for errors, "Kith" as the passkey's site
MFA_SUPPORTED_TYPES = ["webauthn", "totp", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True  # a passkey alone signs in: it is something you have and unlock
MFA_PASSKEY_SIGNUP_ENABLED = False  # accounts start from volunteer sign-up or an invitation only
# A passkey counts as two-factor only if the phone or computer checks a fingerprint, face or PIN.
MFA_WEBAUTHN_USER_VERIFICATION = "required"
MFA_TOTP_ISSUER = "Kith"
MFA_TOTP_TOLERANCE = 1  # also accept the code from 30 s before or after: slow typists are not locked out
MFA_RECOVERY_CODE_COUNT = 10

# --- Email: SMTP by default; the demo writes mail to var/mail instead of sending it.
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEMO
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = envstr("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Kith <noreply@kith.invalid>")

# --- Personal data encryption: comma-separated Fernet keys, newest first; else kept in var/.
KITH_FIELD_KEYS = envlist("KITH_FIELD_KEYS")
KITH_FIELD_KEYS_FILE = VAR_DIR / "field_keys"
# Keys the digests that find a returning phone number or an exclusion (core/digest.py).
KITH_DIGEST_KEY = envstr("KITH_DIGEST_KEY")
# Texts (status codes for residents without email): core/sms.py. Its file and memory backends
# (and Django's file, console and memory mail) keep numbers and codes on this machine in plain
# text, so only the demo and DEBUG may use them (and tests): elsewhere the text backends send
# nothing and `kith check --deploy` fails (core/checks.py).
KITH_LOCAL_DELIVERY = DEMO or DEBUG
KITH_SMS_BACKEND = envstr("KITH_SMS_BACKEND", "file" if KITH_LOCAL_DELIVERY else "")
KITH_DIGEST_KEY_FILE = VAR_DIR / "digest_key"

# --- The outbox (kith.messaging): every email and text is a row, sent by `kith worker`.
# The database backend needs no broker; a Redis or RQ backend for django-tasks is a setting.
# Two queues: "default" (the outbox's sends) and "imports" (a volunteer import, long), which
# `kith worker` runs side by side so a code is never stuck behind an import.
TASK_QUEUES = ["default", "imports"]
TASKS = {"default": {"BACKEND": envstr("KITH_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
                     "QUEUES": TASK_QUEUES}}
# Seconds, doubling each try (fractions allowed: the fault tests scale minutes down to seconds).
KITH_OUTBOX_RETRY_BASE = float(envstr("KITH_OUTBOX_RETRY_BASE") or 30)
KITH_OUTBOX_RETRY_MAX = float(envstr("KITH_OUTBOX_RETRY_MAX") or 60 * 60)
# Eight tries from 30 s doubling reach past two hours: a mail server down for an evening.
KITH_OUTBOX_MAX_ATTEMPTS = envint("KITH_OUTBOX_MAX_ATTEMPTS", 8)
# A message "being sent" for longer than this had a worker die under it (provider calls time
# out after KITH_PROVIDER_TIMEOUT): it is sent again under its idempotency key.
KITH_PROVIDER_TIMEOUT = envint("KITH_PROVIDER_TIMEOUT", 15)
KITH_OUTBOX_CLAIM_TIMEOUT = envint("KITH_OUTBOX_CLAIM_TIMEOUT", 120)
# A queued message no task has been given for this long is given a new one (recover()).
KITH_OUTBOX_STALE = envint("KITH_OUTBOX_STALE", 300)
# The partner API (kith.partners): calls per token per minute, and whether webhooks may go to
# private or loopback addresses (never in production: DEBUG allows them too, for trying it out).
KITH_API_RATE_LIMIT = envint("KITH_API_RATE_LIMIT", 120)
KITH_WEBHOOKS_ALLOW_PRIVATE = envbool("KITH_WEBHOOKS_ALLOW_PRIVATE", False)
# Twilio (KITH_SMS_BACKEND=twilio); TWILIO_API_BASE points the client at a stand-in in tests.
TWILIO_ACCOUNT_SID = envstr("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = envstr("TWILIO_AUTH_TOKEN")
# `make demo` sets this published token so signed webhooks can be tried by hand on the demo;
# anywhere else it would let anyone forge a text, so outside the demo it counts as unset.
DEMO_TWILIO_AUTH_TOKEN = "kith-demo-only-not-a-secret"  # noqa: S105 (published on purpose)
if TWILIO_AUTH_TOKEN == DEMO_TWILIO_AUTH_TOKEN and not DEMO:
    TWILIO_AUTH_TOKEN = ""
TWILIO_FROM_NUMBER = envstr("TWILIO_FROM_NUMBER")
TWILIO_API_BASE = envstr("TWILIO_API_BASE")
# WhatsApp through the same Twilio account: the sender ("whatsapp:+44..." or just +44...), and
# the approved templates (content SIDs) for offers and reminders sent outside WhatsApp's
# 24-hour window; without them a plain message is sent.
TWILIO_WHATSAPP_FROM = envstr("TWILIO_WHATSAPP_FROM")
# Quiet hours (London time) for a group that has not set its own: texts and WhatsApp messages
# that are not urgent wait until they end. Empty: none.
KITH_QUIET_HOURS = envstr("KITH_QUIET_HOURS", "21:00-08:00")
TWILIO_WHATSAPP_OFFER_TEMPLATE = envstr("TWILIO_WHATSAPP_OFFER_TEMPLATE")
TWILIO_WHATSAPP_REMINDER_TEMPLATE = envstr("TWILIO_WHATSAPP_REMINDER_TEMPLATE")

# --- Security. HTTPS is assumed unless this is the local demo or a test run.
SECURE = envbool("KITH_SECURE", not (DEBUG or DEMO))
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 60 * 60 * 12)
SECURE_SSL_REDIRECT = SECURE and envbool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE and envbool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "kith.core.views.csrf_failure"  # Django's own page has an inline style

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Leaflet's own files from the django-leaflet package; its Django app needs GDAL, so it is
# not installed as an app: only its static folder is served (found without importing it).
_leaflet = importlib.util.find_spec("leaflet")
STATICFILES_DIRS = (
    [Path(_leaflet.submodule_search_locations[0]) / "static"] if _leaflet else []
)
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if envbool("KITH_MANIFEST_STATIC", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Log lines keep paths, never query strings (searched postcodes) or tokens: core/logs.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub": {"()": "kith.core.logs.ScrubFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["scrub"]}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}
KITH_PLACES_CACHE = Path(envstr("KITH_PLACES_CACHE", str(VAR_DIR / "places")))
# Map tiles: any XYZ tile server. Tests and offline demos use the built-in blank tile.
KITH_MAP_TILES = envstr("KITH_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
KITH_MAP_ATTRIBUTION = envstr("KITH_MAP_ATTRIBUTION", "© OpenStreetMap contributors")

# --- Content-Security-Policy (django-csp). Kith's scripts and styles are static files; an inline
# <script> needs nonce="{{ request.csp_nonce }}", and no page may use style="" or onclick="".
# Images: Kith's own, the map tiles' server, and data: URIs (the two-factor QR code, Leaflet).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *filter(None, [url_origin(KITH_MAP_TILES)])],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "upgrade-insecure-requests": SECURE,
    }
}
