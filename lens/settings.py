"""Lens settings: one file, driven by environment variables. With none set, the defaults are
production's and safe (HTTPS only, secure cookies, HSTS); DEBUG=true (script/demo) or
SECURE_HTTP_ONLY=true is the explicit opt-out for plain HTTP on one's own machine."""

import os
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


# The helpers read a variable strictly: a value they do not understand stops the start with
# an error naming it, instead of quietly meaning False or crashing later. An empty value
# counts as unset (`DEBUG=` in a compose file or a systemd unit).
def _env(name: str, default: str) -> str:
    return os.getenv(name, "").strip() or default


def envbool(name: str, default: str) -> bool:
    value = _env(name, default)
    match value.lower():
        case "1" | "true" | "yes" | "on":
            return True
        case "0" | "false" | "no" | "off":
            return False
    raise ImproperlyConfigured(
        f"{name} must be true or false (or yes/no, on/off, 1/0), not {value!r}"
    )


def envint(name: str, default: str) -> int:
    value = _env(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    """A comma-separated list, without the empty items a stray comma leaves."""
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _env(name, default)
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")


def _without_password(url: str) -> str:
    """A URL to show in an error: its password (if any) replaced by ***."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return "<not a URL>"
    user_info, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{user_info.partition(':')[0]}:***@{host}").geturl()


class EmailServer(NamedTuple):
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False  # STARTTLS
    use_ssl: bool = False  # TLS from the first byte


_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}


def envemail(name: str, default: str) -> EmailServer:
    """Where e-mail goes, as a URL: `smtp://USER:PASSWORD@HOST:587` (STARTTLS, port 587 unless
    given), `smtps://USER:PASSWORD@HOST:465` (TLS from the first byte, port 465 unless given),
    `smtp+plain://HOST:25` (no encryption, so no password: a mail server on this machine or
    a relay on a private network), `console://` (printed on standard output, for
    development), `locmem://` (kept in memory, for tests) or `dummy://` (dropped). The user
    and password are percent-encoded, as in any URL. An error names the variable but never
    shows the password."""
    value = _env(name, default)

    def refused(why: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"{name} {why}, not {_without_password(value)!r}")

    try:
        url = urlsplit(value)
        port = url.port
    except ValueError:
        raise refused("must be a URL such as smtp://user:password@mail.example.org:587") from None
    if url.path not in ("", "/") or url.query or url.fragment:
        raise refused("takes no path, query or fragment")
    if url.scheme in _EMAIL_BACKENDS:
        if url.netloc:
            raise refused(f"{url.scheme}:// takes no host")
        return EmailServer(backend=_EMAIL_BACKENDS[url.scheme])
    default_ports = {"smtp": 587, "smtps": 465, "smtp+plain": 25}
    if url.scheme not in default_ports:
        raise refused(
            "must start with smtp://, smtps://, smtp+plain://, console://, locmem:// or dummy://"
        )
    if not url.hostname:
        raise refused("must name the mail server")
    if port == 0:
        raise refused("must have a port from 1 to 65535")
    if url.password is not None and not url.username:
        raise refused("has a password but no user")
    if url.scheme == "smtp+plain" and url.username is not None:
        raise refused("sends a user and password unencrypted: use smtp:// or smtps://")
    return EmailServer(
        backend="django.core.mail.backends.smtp.EmailBackend",
        host=url.hostname,
        port=port or default_ports[url.scheme],
        user=unquote(url.username or ""),
        password=unquote(url.password or ""),
        use_tls=url.scheme == "smtp",
        use_ssl=url.scheme == "smtps",
    )


def envaddress(name: str, default: str) -> str:
    """An e-mail address, with or without a name: `Lens <lens@example.org>`."""
    value = _env(name, default)
    _, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError:
        raise ImproperlyConfigured(
            f"{name} must be an e-mail address such as 'Lens <lens@example.org>', not {value!r}"
        ) from None
    return value


def envredis(name: str) -> str:
    """A Redis server's URL (redis://, rediss:// with TLS, or unix:// for a socket), or ""."""
    value = _env(name, "")
    try:
        scheme = urlsplit(value).scheme
    except ValueError:
        scheme = ""
    if value and scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(
            f"{name} must start with redis://, rediss:// or unix://, not "
            f"{_without_password(value)!r}"
        )
    return value


DEBUG = envbool("DEBUG", "False")
# The "django-insecure-" prefix makes `check --deploy` refuse this development key.
SECRET_KEY = os.getenv(
    "SECRET_KEY", "django-insecure-development-only-set-SECRET_KEY-in-production"
)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # First: its registration/ templates (the password reset pages) come before the admin's.
    "core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "lessons.library",
    "lessons.authoring",
    "lessons.work",
    "lessons.insights",
    # LTI 1.3 (docs/lti.md): django-lti's registrations, deployments and keys, and Lens's
    # launch, deep linking, rosters and grades on top of them.
    "lti_tool",
    "lessons.lms",
    # The task queue's store (django.tasks, docs/deployment.md): a table in the database.
    "django_tasks_db",
]

MIDDLEWARE = [
    # First, so it compresses what every other middleware wrote. Pages are gzipped with
    # Django's BREACH mitigation (a random-length gzip header) beside masked CSRF tokens;
    # static files come pre-compressed (gzip and brotli) from WhiteNoise, which it leaves be.
    # Why not brotli for pages: docs/deployment.md.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Inside the CSP middleware, outside the session's: an LMS launch and the pages reached
    # from it may be framed by the LMS's own origins, with the cookies marked for it.
    "lessons.lms.middleware.LmsFraming",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the cookie set by the switcher, else the browser's Accept-Language
    # (docs/i18n.md); then, once the user is known, the language saved on the account.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.AccountLanguage",
    # A body too large is refused (413) before anything reads it, and one that cannot be read
    # (another charset, malformed) gets a 400, before the CSRF check reads it.
    "core.middleware.RequestBodyGuard",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns django-axes' lockout of a username into the 429 page: it must come last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lens.urls"
WSGI_APPLICATION = "lens.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", "0"),
    )
}
# SQLite (the default: the demo, development, a small install; docs/deployment.md, "SQLite (a
# small install)", says what this trades). WAL mode: pages that read never wait for a write,
# and with synchronous=NORMAL a commit is appended to the log instead of waiting for the disk
# (0.1 to 0.3 ms instead of 1 to 12 ms, for every save and every review page's audit line);
# the database is never corrupted, but a power cut may lose the last commits.
# IMMEDIATE: a transaction takes the write lock as it begins, so a transaction that reads and
# then writes waits for another writer (for up to `timeout` seconds: longer than Lens's
# longest write, moving a class of 1,000 to a new revision in about 5 s, and shorter than
# gunicorn's 30 s limit on a request) instead of failing at once with "database is locked";
# Lens opens transactions only to write. A database in memory (the test suite's) keeps its
# own journal mode, "memory".
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The store every worker and every instance shares for throttle counts (core.throttle):
# Redis when REDIS_URL is set, else a table in the database (`migrate` creates it, see
# core.apps). lens.cache.DatabaseCache counts atomically and keeps a count's expiry.
REDIS_URL = envredis("REDIS_URL")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lens",
        }
        if REDIS_URL
        else {
            "BACKEND": "lens.cache.DatabaseCache",
            "LOCATION": "lens_cache",
            "KEY_PREFIX": "lens",
            # Django culls a full table by deleting a share of its rows, live counts included:
            # room for far more counts than the throttles let anyone make.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    )
}

# Long work (moving a class to a new revision, large imports and exports) runs in the worker
# (`manage.py worker`, docs/deployment.md) through Django's tasks framework: the task queue is
# a table in the database (django-tasks-db), or Redis when REDIS_URL is set
# (django-tasks-redis). Each piece of work is a `core.models.Job`, whose page shows progress.
TASKS = {
    "default": (
        {
            "BACKEND": "django_tasks_redis.RedisTaskBackend",
            "QUEUES": ["default"],
            "OPTIONS": {
                "REDIS_URL": REDIS_URL,
                "REDIS_KEY_PREFIX": "lens-tasks",
                # A worker that dies leaves its task to another after this long: longer than
                # the longest task (a move of a large class takes seconds).
                "REDIS_CLAIM_TIMEOUT": 900,
            },
        }
        if REDIS_URL
        else {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    )
}
if REDIS_URL:
    INSTALLED_APPS.append("django_tasks_redis")  # its worker, `run_redis_tasks`
# A piece of work whose progress has not moved for this long (the worker was stopped or
# killed) can be started again by its owner with the Retry button of its page.
JOB_STALLED_AFTER = timedelta(seconds=envint("JOB_STALLED_AFTER", "600"))
# An export of more rows than this, or an imported zip or corpus article larger than this,
# is made in the worker, with a progress page; smaller ones are answered at once.
BACKGROUND_EXPORT_ROWS = envint("BACKGROUND_EXPORT_ROWS", "20000")
BACKGROUND_IMPORT_BYTES = envint("BACKGROUND_IMPORT_BYTES", "65536")

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "work:home"
LOGOUT_REDIRECT_URL = "work:home"
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username before its password is checked (django-axes).
    "core.throttle.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# A teacher's reset link works once, for two hours (as its e-mail and pages say).
PASSWORD_RESET_TIMEOUT = 2 * 60 * 60
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["username", "display_name", "email"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The languages of Lens's own words (docs/i18n.md); a lesson's text keeps its own language.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates for each language by name (`|date:"DATETIME_FORMAT"`): lens/formats/<language>/.
FORMAT_MODULE_PATH = ["lens.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60  # the switcher's choice, for a visitor without an account
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.getenv("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic writes a .gz and a .br (brotli) beside each file, which WhiteNoise serves to
# browsers that accept them; STATIC_MANIFEST=true adds hashed names, cached for good. Lens's
# stylesheets are collected without their comments (lens/staticfiles.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "lens.staticfiles.CompressedManifestStaticFilesStorage"
            if envbool("STATIC_MANIFEST", "False")
            else "lens.staticfiles.CompressedStaticFilesStorage"
        )
    },
}

# Every asset comes from this server; no inline script or style, ever.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Production hardening, on unless DEBUG: HTTPS only (http:// redirects), cookies sent over
# HTTPS only, HSTS for a year with subdomains and preload. Each variable can still say
# otherwise. SECURE_HTTP_ONLY=true turns them all off at once, for plain HTTP on one's own
# machine (DEBUG=true, as script/demo sets it, does the same).
SECURE_HTTP_ONLY = envbool("SECURE_HTTP_ONLY", "False")
_HTTPS = "False" if DEBUG or SECURE_HTTP_ONLY else "True"
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", _HTTPS)
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", _HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000" if _HTTPS == "True" else "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _HTTPS)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", _HTTPS)
BEHIND_TLS_PROXY = envbool("BEHIND_TLS_PROXY", "False")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# How many proxies in front of Lens append the client's address to X-Forwarded-For: the
# throttles and the security log then take the address the outermost of them saw. Without
# it, every client behind a proxy would share the proxy's address (and its limits).
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", "1" if BEHIND_TLS_PROXY else "0")
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES must be 0 or more, not {str(TRUSTED_PROXIES)!r}")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

# Limits on what students and authors may send.
MAX_NOTE_LENGTH = 2000
MAX_ANSWER_LENGTH = 5000
MAX_QUOTE_LENGTH = 1000
# The largest request Lens takes: a lesson file or zip (lessons.library.bundles'
# MAX_UPLOAD_BYTES, 2 MB) with its form around it. A request that says it is larger is
# refused with 413 before it is read (core.middleware); the proxy in front refuses the same
# (nginx's client_max_body_size, docs/deployment.md).
MAX_REQUEST_BYTES = 2 * 1024 * 1024 + 64 * 1024
# A form without files: the longest is a pasted lesson text, 200,000 characters (in Korean,
# 1.8 MB once percent-encoded).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# An upload within MAX_REQUEST_BYTES stays in memory: nothing is written to temporary files.
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
# Lens's largest form has a few dozen fields; its uploads are one or two files.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# E-mail (a teacher's password reset): EMAIL_URL names the server, see envemail above.
# Printed on the console in development. In production, unless EMAIL_URL says otherwise, the
# mail server on this machine, as Django's own default (never the console: a reset link
# printed into a server's logs would hand the account to whoever reads them).
_EMAIL = envemail("EMAIL_URL", "console://" if DEBUG else "smtp+plain://localhost:25")
MAILERS = {
    "default": (
        {
            "BACKEND": _EMAIL.backend,
            "OPTIONS": {
                "host": _EMAIL.host,
                "port": _EMAIL.port,
                "username": _EMAIL.user,
                "password": _EMAIL.password,
                "use_tls": _EMAIL.use_tls,
                "use_ssl": _EMAIL.use_ssl,
                # seconds: a mail server that hangs does not hold a worker for long
                "timeout": 10,
            },
        }
        if _EMAIL.backend.endswith(".smtp.EmailBackend")
        else {"BACKEND": _EMAIL.backend}
    )
}
DEFAULT_FROM_EMAIL = SERVER_EMAIL = envaddress("DEFAULT_FROM_EMAIL", "Lens <lens@localhost>")

# Throttles (core.throttle), counted in CACHES["default"] as "tries/period" (django-ratelimit's
# notation: s, m, h or d, with a multiple). A school's pupils reach Lens from one address, so
# the limits per address allow a class's worth of typos; those per account or code are tight.
THROTTLES = {
    "login_ip": "100/15m",  # failed logins from one address
    "join_ip": "60/15m",  # wrong class codes from one address
    "join_code": "300/h",  # tries of one class code (a class of 150 joining, with typos)
    "signup_ip": "20/h",  # teacher sign-ups from one address
    "signup_email": "5/h",  # sign-ups giving one e-mail address
    "password_reset_ip": "20/h",  # reset requests from one address
    "password_reset_email": "3/h",  # reset requests for one e-mail address (its inbox)
    "invitation_ip": "30/15m",  # invitation links that do not work, from one address
    # LTI logins and launches from one address (a school's NAT): one of each per student who
    # opens Lens from the LMS, so seven classes of 40 at the same bell (docs/lti.md)
    "lti_login_ip": "300/5m",
    "lti_launch_ip": "300/5m",
}
# django-axes locks a username after 10 failed logins, on the site's login page and the
# admin's, until 15 minutes pass without another (or the password is reset).
AXES_HANDLER = "core.throttle.LoginFailures"
AXES_CACHE = "default"
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.throttle.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "core.throttle.client_address"
AXES_ENABLE_ADMIN = False  # its attempt tables stay empty: the counts are in the cache
AXES_VERBOSE = False
SILENCED_SYSTEM_CHECKS = [
    # axes.W006 asks for a lockout per address too. Lens limits failed logins per address
    # itself (THROTTLES["login_ip"]), at a rate a whole school behind one address can live
    # with; axes' one limit for both would lock a school out after ten typos.
    "axes.W006",
]

# Logs go to stderr, one JSON object per line for a log collector (`lens.logging`), or
# plain lines for a person reading them (`LOG_FORMAT=text`, the default when DEBUG is on).
# Django's own loggers lose their handlers and pass everything to the root's one handler, so
# an unhandled exception (django.request, with its traceback) is written once, in the same
# format. runserver's request lines (django.server) keep Django's own handler.
LOG_LEVEL = envchoice("LOG_LEVEL", "WARNING", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
LOG_FORMAT = envchoice("LOG_FORMAT", "text" if DEBUG else "json", ("json", "text"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "lens.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # axes' own warnings repeat lens.security's login_failed and throttled events.
        "axes": {"handlers": [], "level": "ERROR", "propagate": True},
    },
}
