"""Accounts and passwords, the reverse proxy, login throttling, sessions and cookies, and
the content security policy."""

import ipaddress

from django.core.exceptions import ImproperlyConfigured

from aissai.settings.environment import PRODUCTION, env, env_bool, env_int, env_list

# Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "aissai.accounts.backends.EmailBackend",
]
PASSWORD_HASHERS = [
    # Argon2id at OWASP's recommended cost; see aissai/accounts/hashers.py.
    "aissai.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# Exports, decisions and the personal-data download ask for the password again when the
# last login is older than this (aissai.security.reauth.require_recent_login).
AISSAI_REAUTH_SECONDS = env_int("AISSAI_REAUTH_SECONDS", 15 * 60)
# Second factor (aissai.accounts.second_factor): one-time codes from an authenticator app,
# offered to everyone, required of programme staff and admins when this is on.
AISSAI_REQUIRE_SECOND_FACTOR = env_bool("AISSAI_REQUIRE_SECOND_FACTOR", default=PRODUCTION)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "AISSAI Calls")
# Personal data may be anonymised this many days after the person's last call ended.
AISSAI_RETENTION_DAYS = env_int("AISSAI_RETENTION_DAYS", 5 * 365)

# Reverse proxy: X-Forwarded-For and X-Forwarded-Proto are believed only from these
# addresses or networks (aissai.security.proxy drops them from anyone else), and the client
# is the address the outermost of AISSAI_PROXY_COUNT proxies saw. Empty: no proxy trusted.
AISSAI_TRUSTED_PROXIES = env_list("AISSAI_TRUSTED_PROXIES", "127.0.0.1,::1")
for _proxy in AISSAI_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"AISSAI_TRUSTED_PROXIES: {_error}") from None
AISSAI_PROXY_COUNT = env_int("AISSAI_PROXY_COUNT", 1)
if AISSAI_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login throttling: an account is locked for an address after AXES_FAILURE_LIMIT failures
# from it (never for everyone: nobody can lock another person out); an address is locked
# after AXES_ADDRESS_FAILURE_LIMIT failures on any accounts (high: an office shares one).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "aissai.accounts.throttling.LoginThrottle"
AXES_CLIENT_IP_CALLABLE = "aissai.security.proxy.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "aissai.accounts.throttling.login_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# Sessions and cookies
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preload is on so that `check --deploy` is clean; it only takes effect once the
    # domain is submitted to the browsers' preload list. SECURE_HSTS_PRELOAD=0 opts out.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Load balancers and container checks call /healthz over plain http (aissai/health.py).
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Content security policy: no inline script, assets from this origin only.
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
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
