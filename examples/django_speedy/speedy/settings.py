"""speedy's settings: everything that differs between hosts or environments
comes from the environment (the app role's environment file); secrets from
the vault through it. Nothing here is a secret."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
VERSION = (BASE_DIR / "VERSION").read_text().strip() if (BASE_DIR / "VERSION").exists() else "dev"

# Required: the app refuses to start without it rather than run with a known key.
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
# The public name(s), the host's own address (the deploy gate) and localhost (haproxy's checks).
ALLOWED_HOSTS = [name for name in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",") if name]
# haproxy says whether the visitor came over TLS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [origin for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if origin]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "speedy.posts",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from STATIC_ROOT, with far-future caching for hashed names.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "speedy.routers.ReadYourWritesMiddleware",
]
ROOT_URLCONF = "speedy.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
}]
WSGI_APPLICATION = "speedy.wsgi.application"


def _database(host, port):
    """libpq takes PGSSLMODE and PGSSLROOTCERT (TLS to the database) from the environment itself."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("PGDATABASE", "speedy"),
        "USER": os.environ.get("PGUSER", "speedy"),
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
        "HOST": host,
        "PORT": port,
        # A connection per worker, kept between requests; checked before reuse after a failover.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": int(os.environ.get("PGCONNECT_TIMEOUT", "3"))},
    }


# default: the primary through the db alias; replica: the read-only pool through db-ro.
DATABASES = {
    "default": _database(os.environ.get("PGHOST", "db"), os.environ.get("PGPORT", "5432")),
    "replica": _database(os.environ.get("SPEEDY_REPLICA_HOST", "db-ro"), os.environ.get("SPEEDY_REPLICA_PORT", "5433")),
}
DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["speedy.routers.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Copied into the package at build time (build-debs.sh: the app's static
# files are all there is to collect); whitenoise serves them from here.
# Their URLs carry the version (?v=), so a cache never mixes releases.
STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", "/usr/share/speedy/static")
WHITENOISE_MAX_AGE = 3600

USE_TZ = True
TIME_ZONE = "UTC"

# Logs to stderr: journald keeps them, rsyslog forwards them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# How long after a visitor's write their reads stay on the primary (replicas may lag behind).
SPEEDY_PIN_SECONDS = int(os.environ.get("SPEEDY_PIN_SECONDS", "10"))
SPEEDY_PURGE_DAYS = int(os.environ.get("SPEEDY_PURGE_DAYS", "30"))
