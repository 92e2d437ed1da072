"""Django settings, read only from the environment (see the table in README.md)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from cryptography.fernet import Fernet

from ordna.environment import (
    SettingError,
    addresses,
    assignments,
    envbool,
    envchoice,
    envfloat,
    envint,
    envlist,
    envstr,
    is_mail_address,
    proxy_ssl_header,
    redis_url,
    role_groups,
    role_list,
    role_mailboxes,
    smtp_settings,
    web_address,
    webhooks,
)
from ordna.suppliers.contract_dates import parse_alert_stages
from ordna.support.clocks import parse_hours

BASE_DIR = Path(__file__).resolve().parent

DATA_DIR = Path(envstr("ORDNA_DATA_DIR") or Path.home() / ".local" / "share" / "ordna").expanduser()
try:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
except OSError as _exc:
    raise SettingError(f"ORDNA_DATA_DIR: cannot make the folder {DATA_DIR}: {_exc.strerror}") from None

DEBUG = envbool("ORDNA_DEBUG", False)


def _configured_or_generated(name: str, file_name: str) -> str:
    """The secret `name` (or `name`_FILE), else one generated once into the data directory (zero set-up).

    The file is readable by its owner only from the start, appears whole (written aside, then linked into
    place) and is never replaced: two processes starting at once both read the one that was linked first.
    """
    configured = envstr(name)
    if configured:
        return configured
    key_file = DATA_DIR / file_name
    if not key_file.exists():
        draft = DATA_DIR / f".{file_name}.{os.getpid()}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    try:
        return key_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingError(f"{name}: not set, and {key_file} cannot be read: {exc.strerror}") from exc


SECRET_KEY = _configured_or_generated("ORDNA_SECRET_KEY", "secret_key")
# The key that seals the audit chain (HMAC-SHA256, docs/audit.md). It must live apart from the database:
# whoever holds both can rewrite the log undetected, except against checkpoints kept elsewhere.
ORDNA_AUDIT_KEY = _configured_or_generated("ORDNA_AUDIT_KEY", "audit_key")
if len(ORDNA_AUDIT_KEY) < 32:
    raise SettingError("ORDNA_AUDIT_KEY: must be at least 32 characters (make one with: openssl rand -base64 48)")
# Where the worker appends checkpoints of the chain's head, and who gets a copy of each by mail.
ORDNA_AUDIT_CHECKPOINT_DIR = Path(envstr("ORDNA_AUDIT_CHECKPOINT_DIR") or DATA_DIR / "audit").expanduser()
ORDNA_AUDIT_CHECKPOINT_MAIL = addresses("ORDNA_AUDIT_CHECKPOINT_MAIL")
ALLOWED_HOSTS = envlist("ORDNA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = [
    web_address("ORDNA_CSRF_TRUSTED_ORIGINS", origin) for origin in envlist("ORDNA_CSRF_TRUSTED_ORIGINS")
]
# Behind a reverse proxy that ends TLS (docs/operations.md): the header it sets to "https" on encrypted requests,
# so Django knows the request was secure (secure cookies, CSRF's origin check, links it builds).
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(envstr("ORDNA_PROXY_SSL_HEADER"))
# The reverse proxy's own address: `ordna serve` then takes the client's address of its requests from the last
# X-Forwarded-For entry (sign-in throttling counts per client address; docs/operations.md).
ORDNA_TRUSTED_PROXY = envstr("ORDNA_TRUSTED_PROXY").strip()
if ORDNA_TRUSTED_PROXY:
    try:
        ipaddress.ip_address(ORDNA_TRUSTED_PROXY)
    except ValueError:
        raise SettingError(
            f"ORDNA_TRUSTED_PROXY: expected the proxy's IP address such as 127.0.0.1, got {ORDNA_TRUSTED_PROXY!r}"
        ) from None
SECURE_COOKIES = envbool("ORDNA_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_AGE = envint("ORDNA_SESSION_HOURS", 12, minimum=1) * 3600
# A sign-in also ends after this many minutes without a request (0: only the absolute ORDNA_SESSION_HOURS).
ORDNA_SESSION_IDLE_MINUTES = envint("ORDNA_SESSION_IDLE_MINUTES", 60, minimum=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HSTS (docs/operations.md): browsers keep to HTTPS for this many seconds once they saw it over TLS; Django's
# SecurityMiddleware sends it on secure requests only (0: not sent). Only with ORDNA_SECURE_COOKIES, as a site
# that still serves plain HTTP would lock its own users out.
SECURE_HSTS_SECONDS = envint("ORDNA_HSTS_SECONDS", 0, minimum=0)
if SECURE_HSTS_SECONDS and not SECURE_COOKIES:
    raise SettingError("ORDNA_HSTS_SECONDS: only with ORDNA_SECURE_COOKIES=true (Ordna served over HTTPS)")
SECURE_REFERRER_POLICY = "same-origin"
# The browser features no page of Ordna uses, turned off for every page (and anything that might be injected).
ORDNA_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), usb=()"
)
# The Content-Security-Policy (django-csp): scripts, styles, images, fonts and forms from Ordna's own origin only;
# nothing inline (no <script>, no style="...", no on...= handlers: CSS and JS are static files); no frames.
# The enrolment QR code is an <img> of an SVG data: URL built by segno, so images also allow data:.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# The address people use, for links in mail. Unset, `ordna serve` derives it from the host and port it serves
# and hands it to its worker (ordna.cli serve), so `make run PORT=...` links to the port it serves.
BASE_URL_SET = bool(envstr("ORDNA_BASE_URL"))
BASE_URL = web_address("ORDNA_BASE_URL", envstr("ORDNA_BASE_URL", "http://127.0.0.1:8000").rstrip("/"))
# How long an API token works after it is made (docs/api.md); 0: until it is revoked.
ORDNA_TOKEN_DAYS = envint("ORDNA_TOKEN_DAYS", 365, minimum=0)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "ninja",
    "ordna.core",
    "ordna.people",
    "ordna.suppliers",
    "ordna.applications",
    "ordna.accounts",
    "ordna.devices",
    "ordna.lifecycle",
    "ordna.support",
    "ordna.reports",
    "ordna.notifications",
    "ordna.connectors",
    "ordna.feeds",
    "ordna.releases",
    "ordna.reviews",
    # The composition on top: the pages, the demo organisation and the commands that span several apps.
    "ordna.home",
    "ordna.demo",
    "ordna.cli",
]

MIDDLEWARE = [
    # Outermost, so that every database use of a request waits only as long as a request may.
    "ordna.core.middleware.DatabaseBusyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ordna.core.middleware.UserLanguageMiddleware",
    # Before any body is read (CSRF reads the form in process_view), after the language is known.
    "ordna.core.middleware.RequestSizeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "ordna.core.middleware.PermissionsPolicyMiddleware",
    # After authentication: a session idle too long ends; a sign-in waiting for its second factor, or a role that
    # requires one not yet set up, sees only the pages that finish it (docs/sign-in.md).
    "ordna.core.sign_in_guard.SessionGuardMiddleware",
]

ROOT_URLCONF = "ordna.urls"
WSGI_APPLICATION = "ordna.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "home:dashboard"
LOGOUT_REDIRECT_URL = "core:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ordna.core.context_processors.navigation",
            ],
        },
    }
]


# How long a write waits for a lock another writer holds (SQLite's one write lock, held by an import for its
# whole write phase; a row lock on PostgreSQL) before a web or API request answers 503 with Retry-After.
# On SQLite commands and the worker wait as long; on PostgreSQL they wait until the lock is free.
ORDNA_DB_LOCK_TIMEOUT_SECONDS = envint("ORDNA_DB_LOCK_TIMEOUT_SECONDS", 30, minimum=1)


def _databases() -> dict[str, dict[str, object]]:
    url = envstr("DATABASE_URL")
    sqlite_options: dict[str, object] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two writers queue instead of
        # failing half-way with "database is locked"; WAL lets readers go on while one writes.
        "transaction_mode": "IMMEDIATE",
        "timeout": ORDNA_DB_LOCK_TIMEOUT_SECONDS,
        # A 64 MB page cache keeps the indexes of a million accounts in memory while an import writes them.
        "init_command": (
            "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
    }
    if not url:
        return {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(DATA_DIR / "ordna.sqlite3"),
                "OPTIONS": sqlite_options,
            }
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=60)
    except ValueError as exc:
        raise SettingError(f"DATABASE_URL: {exc}") from exc
    engine = str(config.get("ENGINE", ""))
    if engine.endswith("sqlite3"):
        config["OPTIONS"] = sqlite_options
        config["CONN_MAX_AGE"] = 0
    elif not engine.endswith("postgresql"):
        raise SettingError("DATABASE_URL: only postgres:// and sqlite:/// URLs are supported")
    return {"default": dict(config)}


DATABASES = _databases()

# The server process's cache: the counts and figures kept per data version (ordna.core.data_version) and the
# rate limits. Django's default keeps 300 entries and then drops the least recently used third: a hundred pages
# requested in turn then push out one another's figures, and each is worked out again. Ten thousand small entries.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = envstr("ORDNA_LANGUAGE", "en")
LANGUAGES = [("en", "English"), ("sv", "Svenska"), ("nl", "Nederlands")]
if LANGUAGE_CODE not in {code for code, _ in LANGUAGES}:
    raise SettingError(f"ORDNA_LANGUAGE: expected one of en, sv, nl, got {LANGUAGE_CODE!r}")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envstr("ORDNA_TIME_ZONE", "Europe/Stockholm")
try:
    ZoneInfo(TIME_ZONE)
except (ValueError, ZoneInfoNotFoundError):
    raise SettingError(f"ORDNA_TIME_ZONE: {TIME_ZONE!r} is not a time zone such as Europe/Stockholm") from None
USE_I18N = True
# Dates, times and numbers in each language's own way, one mechanism for pages and mail (mail renders in the
# recipient's language): Django's formats, with Ordna's English (ordna/core/formats/en).
FORMAT_MODULE_PATH = ["ordna.core.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Upload limits, applied before a body is read: waitress refuses a larger body (`ordna serve`), and
# ordna.core.middleware.RequestSizeMiddleware answers 413 to a larger Content-Length under any server.
_mib = 1024 * 1024
UPLOAD_MAX_BYTES = envint("ORDNA_UPLOAD_MAX_MB", 200, minimum=1) * _mib
UPLOAD_DIR = DATA_DIR / "uploads"
# Files people attach (attestation evidence); served only through views that check scope, never directly.
MEDIA_ROOT = DATA_DIR / "files"
EVIDENCE_MAX_BYTES = 10 * _mib
# The largest attachment a question may carry (docs/key-users.md).
ORDNA_ATTACHMENT_MAX_MB = envint("ORDNA_ATTACHMENT_MAX_MB", 10, minimum=1)
# The largest request: the largest file Ordna takes, plus 1 MB for the multipart form around it.
REQUEST_BODY_MAX_BYTES = max(UPLOAD_MAX_BYTES, ORDNA_ATTACHMENT_MAX_MB * _mib, EVIDENCE_MAX_BYTES) + _mib
# Bodies that are not uploads (JSON, forms) are read into memory: never above the upload limit, at most 10 MB;
# uploaded files above the same size go to a temporary file as they are read, not into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = min(UPLOAD_MAX_BYTES, 10 * _mib)
FILE_UPLOAD_MAX_MEMORY_SIZE = min(UPLOAD_MAX_BYTES, 10 * _mib)

# Business rules (docs/accounts.md and docs/offboarding.md).
ORDNA_LEAVER_LEAD_DAYS = envint("ORDNA_LEAVER_LEAD_DAYS", 14, minimum=0)
# People who left longer ago than this when Ordna first hears of it get no leaver case (their leftovers are
# findings); an end date HR enters late on a later import still opens one.
ORDNA_LEAVER_RECENT_DAYS = envint("ORDNA_LEAVER_RECENT_DAYS", 30, minimum=0)
# A waiver, and an override (closing a line someone else is responsible for), waits for a second person's
# approval (an admin or IT coordinator other than the requester); false: they close the line at once.
ORDNA_WAIVER_APPROVAL = envbool("ORDNA_WAIVER_APPROVAL", True)
# Joiner cases open when the start date is within this many business days (docs/offboarding.md, issue 11).
ORDNA_JOINER_LEAD_DAYS = envint("ORDNA_JOINER_LEAD_DAYS", 10, minimum=0)
# A leaver's personal exit-survey link works this many days (withdrawing alumni consent always works).
ORDNA_EXIT_SURVEY_DAYS = envint("ORDNA_EXIT_SURVEY_DAYS", 30, minimum=1)
ORDNA_MASS_CHANGE_PEOPLE_PERCENT = envfloat("ORDNA_MASS_CHANGE_PEOPLE_PERCENT", 5.0, minimum=0, maximum=100)
ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT = envfloat("ORDNA_MASS_CHANGE_ACCOUNTS_PERCENT", 10.0, minimum=0, maximum=100)
# Below this many people or accounts a change never trips the breaker (one leaver in a team of ten is not a
# truncated export).
ORDNA_MASS_CHANGE_MINIMUM = envint("ORDNA_MASS_CHANGE_MINIMUM", 10, minimum=1)
ORDNA_DORMANT_DAYS = envint("ORDNA_DORMANT_DAYS", 90, minimum=1)
# Leavers' personal data is erased this many months after their case completed, or after they left without a
# case (docs/privacy.md); counts and the proof of completion remain.
ORDNA_RETENTION_MONTHS = envint("ORDNA_RETENTION_MONTHS", 24, minimum=1)
# Days an evidence pack built by the worker (and its ZIP) is kept after it was asked for (docs/reports.md).
ORDNA_EVIDENCE_PACK_DAYS = envint("ORDNA_EVIDENCE_PACK_DAYS", 14, minimum=1)
# A source (the HR file, an application's accounts) older than this many days is stale (docs/feeds.md); each
# application can set its own.
ORDNA_SOURCE_MAX_AGE_DAYS = envint("ORDNA_SOURCE_MAX_AGE_DAYS", 7, minimum=1)
ORDNA_MAIL_DOMAINS = [d.lower() for d in envlist("ORDNA_MAIL_DOMAINS")]
for _domain in ORDNA_MAIL_DOMAINS:
    if not is_mail_address(f"x@{_domain}"):
        raise SettingError(f"ORDNA_MAIL_DOMAINS: {_domain!r} is not a domain such as example.org")
ORDNA_HOLIDAY_COUNTRY = envstr("ORDNA_HOLIDAY_COUNTRY", "SE").upper()
if ORDNA_HOLIDAY_COUNTRY not in {"SE", "NL"}:
    raise SettingError(f"ORDNA_HOLIDAY_COUNTRY: expected SE or NL, got {ORDNA_HOLIDAY_COUNTRY!r}")
# Key users and questions (docs/key-users.md): the internal target for a key user's first response, in business
# hours and the business day the clocks count (the largest attachment a question may carry is with the uploads).
ORDNA_KEY_USER_RESPONSE_HOURS = envint("ORDNA_KEY_USER_RESPONSE_HOURS", 8, minimum=1)
ORDNA_BUSINESS_HOURS = envstr("ORDNA_BUSINESS_HOURS", "08:00-17:00")
try:
    parse_hours(ORDNA_BUSINESS_HOURS)
except ValueError as exc:
    raise SettingError(f"ORDNA_BUSINESS_HOURS: {exc}") from None
# Who gets the monthly follow-up by mail on the first business day of the month (comma-separated addresses).
ORDNA_REPORT_RECIPIENTS = addresses("ORDNA_REPORT_RECIPIENTS")
# Sign-in with the organisation's identity provider (OpenID Connect, docs/sign-in.md): discovery from the issuer;
# the client secret also from ORDNA_OIDC_CLIENT_SECRET_FILE; roles from the provider's groups.
ORDNA_OIDC_ISSUER = envstr("ORDNA_OIDC_ISSUER").rstrip("/")
ORDNA_OIDC_CLIENT_ID = envstr("ORDNA_OIDC_CLIENT_ID")
ORDNA_OIDC_CLIENT_SECRET = envstr("ORDNA_OIDC_CLIENT_SECRET")
ORDNA_OIDC_ROLE_GROUPS = role_groups(assignments("ORDNA_OIDC_ROLE_GROUPS"))
ORDNA_OIDC_GROUPS_CLAIM = envstr("ORDNA_OIDC_GROUPS_CLAIM", "groups").strip() or "groups"
if ORDNA_OIDC_ISSUER and not (ORDNA_OIDC_CLIENT_ID and ORDNA_OIDC_CLIENT_SECRET):
    raise SettingError("ORDNA_OIDC_ISSUER: also give ORDNA_OIDC_CLIENT_ID and ORDNA_OIDC_CLIENT_SECRET")
if ORDNA_OIDC_ISSUER and not ORDNA_OIDC_ISSUER.startswith(("https://", "http://127.0.0.1", "http://localhost")):
    raise SettingError("ORDNA_OIDC_ISSUER: expected an https:// address (http only on loopback, for tests)")
ORDNA_LOGIN_MAX_FAILURES = envint("ORDNA_LOGIN_MAX_FAILURES", 5, minimum=1)
ORDNA_LOGIN_LOCKOUT_MINUTES = envint("ORDNA_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# Failed sign-ins from one client address, whatever user names it tries, before that address is locked for
# ORDNA_LOGIN_LOCKOUT_MINUTES (counted over the same minutes).
ORDNA_LOGIN_ADDRESS_MAX_FAILURES = envint("ORDNA_LOGIN_ADDRESS_MAX_FAILURES", 20, minimum=1)
# The roles whose local sign-in needs a second factor (TOTP); sign-in through the identity provider is the
# provider's to protect.
ORDNA_REQUIRE_2FA = role_list("ORDNA_REQUIRE_2FA")
# Suppliers (docs/suppliers.md): the alert stages before a contract's decision date, in days, and how many days
# before its due date a review action item is chased.
try:
    ORDNA_CONTRACT_ALERT_STAGES = parse_alert_stages(envstr("ORDNA_CONTRACT_ALERT_STAGES", "180,90,30,7"))
except ValueError as exc:
    raise SettingError(f"ORDNA_CONTRACT_ALERT_STAGES: {exc}") from exc
ORDNA_ACTION_REMINDER_DAYS = envint("ORDNA_ACTION_REMINDER_DAYS", 7, minimum=0)

# Connectors (ordna.connectors): the key that encrypts their secrets at rest (Fernet keys, comma-separated to
# rotate: the first encrypts, all decrypt; also ORDNA_CONNECTOR_KEY_FILE). Without one, a key is generated once
# into the data directory; a deployment should give its own, kept apart from the database's backups.
ORDNA_CONNECTOR_KEY = envstr("ORDNA_CONNECTOR_KEY")
for _key in (k.strip() for k in ORDNA_CONNECTOR_KEY.split(",") if k.strip()):
    try:
        Fernet(_key.encode())
    except ValueError:
        raise SettingError(
            "ORDNA_CONNECTOR_KEY: expected Fernet keys (32 url-safe base64 bytes), comma-separated; make one with: "
            'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        ) from None
# Admin-entered connector URLs may not reach link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10,
# metadata.google.internal) unless this allows it.
ORDNA_CONNECTOR_ALLOW_LINK_LOCAL = envbool("ORDNA_CONNECTOR_ALLOW_LINK_LOCAL", False)
# The outbox: how often an action is tried before it fails for good, and the first wait between tries (doubling).
ORDNA_CONNECTOR_MAX_ATTEMPTS = envint("ORDNA_CONNECTOR_MAX_ATTEMPTS", 5, minimum=1)
ORDNA_CONNECTOR_RETRY_SECONDS = envint("ORDNA_CONNECTOR_RETRY_SECONDS", 60, minimum=1)
# Seconds a connector waits for a server before it gives up (connect and each request).
ORDNA_CONNECTOR_TIMEOUT = envint("ORDNA_CONNECTOR_TIMEOUT", 30, minimum=1)

# Background jobs: SQLite storage in the data directory, Redis when configured (several workers).
_redis_url = envstr("ORDNA_REDIS_URL")
HUEY: dict[str, object] = {
    "name": "ordna",
    # huey's own clock stays UTC (ETAs, its log); the scheduled jobs' times are in TIME_ZONE (ordna.core.schedules).
    "utc": True,
    "immediate": envbool("ORDNA_JOBS_IMMEDIATE", False),
    "consumer": {"workers": envint("ORDNA_WORKERS", 2, minimum=1), "worker_type": "thread"},
}
if _redis_url:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": redis_url(_redis_url)})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "jobs.sqlite3")})

# Reminders and digests (docs/notifications.md): the ladder in business days, who gets the weekly summary and the
# role leads (user names), chat webhooks per role, and mail.
ORDNA_REMIND_HOUR = envint("ORDNA_REMIND_HOUR", 7, minimum=0)
if ORDNA_REMIND_HOUR > 23:
    raise SettingError(f"ORDNA_REMIND_HOUR: expected 0 to 23, got {ORDNA_REMIND_HOUR}")
ORDNA_REMIND_BEFORE_DAYS = envint("ORDNA_REMIND_BEFORE_DAYS", 2, minimum=0)
ORDNA_ESCALATE_MANAGER_DAYS = envint("ORDNA_ESCALATE_MANAGER_DAYS", 1, minimum=1)
ORDNA_ESCALATE_COORDINATOR_DAYS = envint("ORDNA_ESCALATE_COORDINATOR_DAYS", 3, minimum=1)
if ORDNA_ESCALATE_COORDINATOR_DAYS < ORDNA_ESCALATE_MANAGER_DAYS:
    raise SettingError("ORDNA_ESCALATE_COORDINATOR_DAYS: must be at least ORDNA_ESCALATE_MANAGER_DAYS")
ORDNA_CIO_SUMMARY_WEEKDAY = envint("ORDNA_CIO_SUMMARY_WEEKDAY", 1, minimum=1)  # 1 Monday ... 7 Sunday
if ORDNA_CIO_SUMMARY_WEEKDAY > 7:
    raise SettingError(f"ORDNA_CIO_SUMMARY_WEEKDAY: expected 1 (Monday) to 7, got {ORDNA_CIO_SUMMARY_WEEKDAY}")
# User names, checked against the users when the server or the worker starts (ordna.cli.settings_problem).
ORDNA_CIO_USERS = envlist("ORDNA_CIO_USERS")
ORDNA_ROLE_LEADS = assignments("ORDNA_ROLE_LEADS")
ORDNA_WEBHOOKS = webhooks(assignments("ORDNA_WEBHOOKS"))
# Shared addresses per role (hr=hr@example.org,coordinator=it@example.org): reminded beside the role's users, so
# the routine works before any user exists. Signed action links are never sent to them.
ORDNA_ROLE_MAILBOXES = role_mailboxes(assignments("ORDNA_ROLE_MAILBOXES"))
# Signed action links in digests (docs/notifications.md): how many days one works, and how many link pages one client
# address may open in an hour.
ORDNA_ACTION_LINK_DAYS = envint("ORDNA_ACTION_LINK_DAYS", 14, minimum=1)
ORDNA_ACTION_LINK_REQUESTS_PER_HOUR = envint("ORDNA_ACTION_LINK_REQUESTS_PER_HOUR", 60, minimum=1)
ORDNA_MAIL_RETRY_MAX_MINUTES = envint("ORDNA_MAIL_RETRY_MAX_MINUTES", 60, minimum=1)
DEFAULT_FROM_EMAIL = envstr("ORDNA_MAIL_FROM", "Ordna <ordna@localhost>")
if "@" not in parseaddr(DEFAULT_FROM_EMAIL)[1]:
    raise SettingError(
        f"ORDNA_MAIL_FROM: expected an address such as Ordna <ordna@example.org>, got {DEFAULT_FROM_EMAIL!r}"
    )
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_smtp_url = envstr("ORDNA_SMTP_URL")
if _smtp_url:
    globals().update(smtp_settings(_smtp_url))
else:
    # No mail server configured: digests are written as files to look at (the demo), never lost.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "outbox")

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# One clock in the log: the web server (waitress), the worker (huey) and the commands all stamp their lines in
# the organisation's zone with the offset (ordna.core.logs). huey's consumer adds a handler of its own only when
# its logger has none, so it gets this one.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "ordna.core.logs.ZonedFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "zone": TIME_ZONE,
        }
    },
    "filters": {"huey_times": {"()": "ordna.core.logs.HueyTimesInZone", "zone": TIME_ZONE}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["huey_times"]}},
    "root": {"handlers": ["console"], "level": envchoice("ORDNA_LOG_LEVEL", "INFO", LOG_LEVELS)},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # fontTools tells every step of subsetting a font at INFO: some 25 lines per font of every PDF made.
        "fontTools": {"level": "WARNING"},
    },
}

# The API's pages (ordna/core/pagination.py): 50 items unless asked, at most 1000 (django-ninja reads these names).
NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 1000
NINJA_PAGINATION_CLASS = "ordna.core.pagination.Pages"
