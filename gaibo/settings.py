"""Settings for gaibo.

One module, tuned by the environment: with nothing set it runs on a SQLite file in debug mode,
which is what a newcomer's `make run` needs. `DATABASE_URL` selects PostgreSQL
(postgres://user@host:port/name); `GAIBO_SECRET_KEY` and `GAIBO_DEBUG` set the rest.

Production is `GAIBO_DEBUG=false` with `GAIBO_SECRET_KEY` and `GAIBO_ALLOWED_HOSTS` set: then
cookies are Secure, HTTP redirects to HTTPS and HSTS is sent (unless `GAIBO_HTTPS=false`, for
an intranet without certificates), and `manage.py check --deploy` is clean (README, "Running
in production").
"""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("GAIBO_DEBUG", True)
SECRET_KEY = os.environ.get("GAIBO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("GAIBO_SECRET_KEY must be set when GAIBO_DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = [h for h in os.environ.get("GAIBO_ALLOWED_HOSTS", "").split(",") if h] or (
    ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "csp",
    "gaibo",
    "projects",
    "funding",
    "inspections",
    "reports",
    "dashboard",
    "plans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gaibo.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gaibo.middleware.SessionLifetimeMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a login refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gaibo.urls"
WSGI_APPLICATION = "gaibo.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("GAIBO_CONN_MAX_AGE", "0")),
    )
}
# PostgreSQL's default random_page_cost (4) prices an index lookup for a spinning disk; on an
# SSD, or with the tables in memory, 1.1 lets the planner fetch a city's projects through their
# school's index instead of reading the whole province's (bench/README.md, "Figures").
# GAIBO_PG_RANDOM_PAGE_COST="" leaves the server's own setting.
PG_RANDOM_PAGE_COST = os.environ.get("GAIBO_PG_RANDOM_PAGE_COST", "1.1").strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and PG_RANDOM_PAGE_COST:
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    # Added to any `options` DATABASE_URL carries (?options=...).
    _options["options"] = (
        f"{_options.get('options', '')} -c random_page_cost={float(PG_RANDOM_PAGE_COST)}"
    ).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "gaibo.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects:project_list"
LOGOUT_REDIRECT_URL = "login"

# django-axes watches every login (first backend); the model backend does the checking.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins: after GAIBO_LOGIN_FAILURE_LIMIT failures for one user name from one address,
# that pair is refused for GAIBO_LOGIN_COOLOFF_MINUTES (a clerk's typos never lock out the
# whole bureau behind one address, nor can anyone lock a user out from elsewhere); a
# successful login clears the count.
AXES_FAILURE_LIMIT = int(os.environ.get("GAIBO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=int(os.environ.get("GAIBO_LOGIN_COOLOFF_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "gaibo.middleware.client_ip"
AXES_VERBOSE = False
# Behind nginx, the client's address is the X-Real-IP header nginx sets (README, "Running in
# production"); never trusted otherwise, since a client could send any.
GAIBO_BEHIND_PROXY = env_flag("GAIBO_BEHIND_PROXY", False)

# Sessions end after this many minutes without a request (each request, at most once a
# minute, moves the end forward), and when the browser closes.
GAIBO_SESSION_IDLE_MINUTES = int(os.environ.get("GAIBO_SESSION_IDLE_MINUTES", "60"))
SESSION_COOKIE_AGE = GAIBO_SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Dashboard pages and their JSON are kept for GAIBO_PAGE_CACHE_SECONDS (0: never kept) and shown
# again while the data has not changed since (gaibo/page_cache.py). Each process keeps its own
# (local memory, up to 300 pages of at most ~100 KiB); the data version they are checked
# against is in the database, shared.
GAIBO_PAGE_CACHE_SECONDS = int(os.environ.get("GAIBO_PAGE_CACHE_SECONDS", "600"))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 300},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "gaibo.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# In development the app serves static files straight from static/, no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("GAIBO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"

# Cookies: none is readable by scripts (the one script posts the form's own CSRF field).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# HTTPS, in production unless GAIBO_HTTPS=false: Secure cookies, HTTP redirected to HTTPS, and
# HSTS for GAIBO_HSTS_SECONDS (a year). Behind nginx (GAIBO_BEHIND_PROXY) the request's scheme
# is the X-Forwarded-Proto header nginx sets.
GAIBO_HTTPS = env_flag("GAIBO_HTTPS", not DEBUG)
if GAIBO_HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("GAIBO_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("GAIBO_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading is a submission to the browsers' lists, for the owner of the domain to
    # decide; the header only asks for it. check --deploy's reminder is silenced until then.
    SECURE_HSTS_PRELOAD = env_flag("GAIBO_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
if GAIBO_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp 4): every script, style, image and font comes from the
# app itself; no inline script, style attribute or event handler anywhere (a test checks the
# templates); nothing may frame the pages.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Errors (a request that failed, with its traceback) and warnings go to stderr: gunicorn and
# systemd's journal keep them (README, "Running in production").
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("GAIBO_LOG_LEVEL", "WARNING")},
}

# Funds that arrived this many days ago and are still unpaid are flagged as held (滞留).
GAIBO_HELD_FUNDS_DAYS = int(os.environ.get("GAIBO_HELD_FUNDS_DAYS", "90"))

# Lists are paginated at this many rows a page.
PAGE_SIZE = 25

GAIBO_SITE_TITLE = _("School improvement programme tracker")

# Supervision photos: the largest file accepted from a phone (bytes).
GAIBO_PHOTO_MAX_BYTES = int(os.environ.get("GAIBO_PHOTO_MAX_BYTES", 10 * 1024 * 1024))

# Spreadsheet imports: the largest file (bytes) and the most rows accepted.
GAIBO_IMPORT_MAX_BYTES = int(os.environ.get("GAIBO_IMPORT_MAX_BYTES", 5 * 1024 * 1024))
GAIBO_IMPORT_MAX_ROWS = int(os.environ.get("GAIBO_IMPORT_MAX_ROWS", "20000"))
# An .xlsx is a zip: one whose parts would unpack to more than this many bytes, or which holds
# more than this many parts, is refused before it is read (a zip bomb).
GAIBO_IMPORT_MAX_UNPACKED_BYTES = int(
    os.environ.get("GAIBO_IMPORT_MAX_UNPACKED_BYTES", 100 * 1024 * 1024)
)
GAIBO_IMPORT_MAX_ENTRIES = int(os.environ.get("GAIBO_IMPORT_MAX_ENTRIES", "1000"))

# Monthly reports: due by this day of the next month; a half-monthly table this many days after
# its half ends. A started area may exceed the planned area by this share, with a remark.
GAIBO_REPORT_DUE_DAY = int(os.environ.get("GAIBO_REPORT_DUE_DAY", "5"))
GAIBO_HALF_MONTH_DUE_DAYS = int(os.environ.get("GAIBO_HALF_MONTH_DUE_DAYS", "2"))
GAIBO_AREA_OVERSHOOT = Decimal(os.environ.get("GAIBO_AREA_OVERSHOOT", "0.05"))
# A school whose buildings in a plan (with its projects of the programme in the register) add
# up to more than this floor area per pupil is flagged beyond the standard (超标准、超规模) in the
# review of a plan; sports grounds, walls and greening are not buildings (BUILDING_KINDS).
GAIBO_PLAN_AREA_PER_PUPIL = Decimal(os.environ.get("GAIBO_PLAN_AREA_PER_PUPIL", "10"))
DATA_UPLOAD_MAX_NUMBER_FIELDS = (
    50000  # the monthly report of a county can have 500 rows of 9 inputs
)
