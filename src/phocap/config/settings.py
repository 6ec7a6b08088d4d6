"""Django settings for phocap, all derived from the typed `Env` object (see env.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from phocap.config.env import get_env

ENV = get_env()
BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION = ENV.is_production

SECRET_KEY = ENV.secret_key.get_secret_value()
DEBUG = ENV.debug if ENV.debug is not None else ENV.env == "development"
ALLOWED_HOSTS = ENV.hosts()
CSRF_TRUSTED_ORIGINS = [o.strip() for o in ENV.csrf_trusted_origins.split(",") if o.strip()]
PHOCAP_FIELD_KEYS = ENV.field_key_list()
PHOCAP_HMAC_KEY = ENV.hmac_key.get_secret_value() or "dev-hmac:" + SECRET_KEY
PHOCAP_DATA_DIR = ENV.data_dir
PHOCAP_UPLOAD_DIR = ENV.data_dir / "uploads"
PHOCAP_UPLOAD_RETENTION_HOURS = ENV.upload_retention_hours
# e-mail: certificates to donors (fundraising.services.receipts), through Django's mailers: the SMTP server of
# PHOCAP_EMAIL_HOST; without one, production hands mail to the host's own relay (localhost:25, as Django always has)
# and development and the demo write each message to a file under the data directory.
if ENV.email_host or PRODUCTION:
    _MAILER: dict[str, Any] = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": ENV.email_host or "localhost",
            "port": ENV.email_port if ENV.email_host else 25,
            "username": ENV.email_user or None,
            "password": ENV.email_password.get_secret_value() or None,
            "use_tls": bool(ENV.email_host) and ENV.email_security == "starttls",
            "use_ssl": bool(ENV.email_host) and ENV.email_security == "ssl",
            "timeout": 30,
        },
    }
else:
    _MAILER = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(ENV.data_dir / "mail")},
    }
MAILERS = {"default": _MAILER}
DEFAULT_FROM_EMAIL = SERVER_EMAIL = ENV.email_from
# messages (notifications.backends): printed in development, live in production, file:DIR for tests and trials
PHOCAP_NOTIFY_BACKEND = ENV.notify_backend or ("live" if PRODUCTION else "console")
PHOCAP_NOTIFY_CHANNELS = [c.strip() for c in ENV.notify_channels.split(",") if c.strip() in ("sms", "zalo")] or ["sms"]
PHOCAP_SMS = {
    "url": ENV.sms_url,
    "api_key": ENV.sms_api_key.get_secret_value(),
    "secret_key": ENV.sms_secret_key.get_secret_value(),
    "brandname": ENV.sms_brandname,
    "sandbox": ENV.sms_sandbox,
    "callback_url": ENV.sms_callback_url,
}
PHOCAP_ZALO = {
    "url": ENV.zalo_url,
    "access_token": ENV.zalo_access_token.get_secret_value(),
    "templates": dict(p.split("=", 1) for p in ENV.zalo_templates.split(",") if "=" in p),
}
PHOCAP_MAX_UPLOAD_BYTES = ENV.max_upload_mb * 1024 * 1024  # every file in: web, API, CLI (core.uploads)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "phocap.core",
    "phocap.geo",
    "phocap.programmes",
    "phocap.accounts",
    "phocap.fundraising",
    "phocap.registry",
    "phocap.devices",
    "phocap.allocation",
    "phocap.handover",
    "phocap.onboarding",
    "phocap.complaints",
    "phocap.notifications",
    "phocap.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "phocap.core.errorpages.ApiProblemMiddleware",
    "phocap.core.middleware.BodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "phocap.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "phocap.accounts.signin.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "phocap.core.middleware.ChannelMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "phocap.core.middleware.PermissionsPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# Pages run only phocap's own files: no inline script, handler or style attribute (tests/security/test_headers.py)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# the camera for the handover photo and the ID card scan; nothing else a page could ask the phone for
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"

# Signing in (accounts.signin): django-axes throttles per account and per address; a TOTP second factor
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 8
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one failing too often is locked
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "phocap.accounts.signin.locked_out"
AXES_CLIENT_IP_CALLABLE = "phocap.accounts.signin.client_address"
PHOCAP_PROXY_COUNT = ENV.proxy_count
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "phocap"
PHOCAP_SECOND_FACTOR = ENV.second_factor

ROOT_URLCONF = "phocap.config.urls"
CSRF_FAILURE_VIEW = "phocap.core.errorpages.csrf_failure"
WSGI_APPLICATION = "phocap.config.wsgi.application"
ASGI_APPLICATION = "phocap.config.asgi.application"

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
                "phocap.accounts.context_processors.navigation",
            ],
        },
    },
]


def _database(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(config["NAME"])
        if str(name) not in ("", ":memory:"):
            name.parent.mkdir(parents=True, exist_ok=True)
        config["OPTIONS"] = {
            # Writers are serialised; IMMEDIATE takes the write lock at BEGIN, so no deadlock on upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
                "PRAGMA cache_size=-65536;"
            ),
        }
    else:
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database(ENV.database_url or ENV.sqlite_default_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = ENV.data_dir / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # collectstatic target; WhiteNoise serves from it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

TASKS = {
    "default": (
        {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
        if ENV.tasks_backend == "database"
        else {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}
    )
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ENV.log_level},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500  # ?limit= above it is a 422 (phocap.core.pagination bounds the offset too)
NINJA_PAGINATION_CLASS = "phocap.core.pagination.BoundedPagination"
