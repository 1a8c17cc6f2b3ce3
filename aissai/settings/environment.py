"""The mode (embedded or production), the secret key, the hosts and the site's address,
and the readers of the environment the other settings modules use."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# aissai/settings/environment.py: three levels below the project's folder.
BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("AISSAI_PRODUCTION")
VAR_DIR = Path(env("AISSAI_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when AISSAI_PRODUCTION is on.")
    SECRET_KEY = "embedded-mode-only-not-a-secret-" + "x" * 32  # noqa: S105

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when AISSAI_PRODUCTION is on.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "" if PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
if PRODUCTION and not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "SITE_URL must be set to the public https:// address when AISSAI_PRODUCTION is on."
    )
