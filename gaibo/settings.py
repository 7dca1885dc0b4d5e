"""Settings for gaibo.

One module, tuned by the environment: with nothing set it runs on a SQLite file in debug mode,
which is what a newcomer's `make run` needs. `DATABASE_URL` selects PostgreSQL
(postgres://user@host:port/name); `GAIBO_SECRET_KEY` and `GAIBO_DEBUG` set the rest.
"""

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
    "simple_history.middleware.HistoryRequestMiddleware",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "gaibo.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects:project_list"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

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

# Monthly reports: due by this day of the next month; a half-monthly table this many days after
# its half ends. A started area may exceed the planned area by this share, with a remark.
GAIBO_REPORT_DUE_DAY = int(os.environ.get("GAIBO_REPORT_DUE_DAY", "5"))
GAIBO_HALF_MONTH_DUE_DAYS = int(os.environ.get("GAIBO_HALF_MONTH_DUE_DAYS", "2"))
GAIBO_AREA_OVERSHOOT = Decimal(os.environ.get("GAIBO_AREA_OVERSHOOT", "0.05"))
# A planned building above this floor area per pupil of its school is flagged beyond the
# standard (超标准、超规模) in the review of a plan.
GAIBO_PLAN_AREA_PER_PUPIL = Decimal(os.environ.get("GAIBO_PLAN_AREA_PER_PUPIL", "10"))
DATA_UPLOAD_MAX_NUMBER_FIELDS = (
    50000  # the monthly report of a county can have 500 rows of 9 inputs
)
