"""Applications, middleware, templates, languages and time zone."""

from django.utils.translation import gettext_lazy as _

from aissai.settings.environment import BASE_DIR

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_structlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rules.apps.AutodiscoverRulesConfig",
    "aissai.accounts",
    "aissai.audit",
    "aissai.notifications",
    "calls",
    "reviews",
    "awards",
]

MIDDLEWARE = [
    "aissai.security.proxy.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # /healthz answers here: no host check, no HTTPS redirect (SECURE_REDIRECT_EXEMPT), JSON.
    "aissai.health.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "aissai.accounts.second_factor.SecondFactorMiddleware",
    # Binds request_id and the client address to every log line of the request.
    "aissai.request_log.RequestLogMiddleware",
    "aissai.accounts.middleware.UserLanguageMiddleware",
    "aissai.security.middleware.RequestSizeLimitMiddleware",
    "aissai.security.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Permissions-Policy on every response: no page of this site uses the camera, the
# microphone, the position, payments or devices, so none may, nor any frame it embeds.
# (publickey-credentials-* stay at the browser's default, "self", for passkeys.)
PERMISSIONS_POLICY: dict[str, list[str]] = dict.fromkeys(
    [
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "web-share",
        "xr-spatial-tracking",
    ],
    [],
)

ROOT_URLCONF = "aissai.urls"
WSGI_APPLICATION = "aissai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "aissai.context_processors.site",
            ],
            "builtins": ["aissai.formatting"],
        },
    },
]

# Form widgets are drawn by the site's template settings, so that templates/ may mend a
# widget's markup (the admin's date and time inputs get real labels).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Internationalisation
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# The short formats of dense tables (aissai/formats/): "28 Dec 2026", « 28 déc. 2026 ».
FORMAT_MODULE_PATH = ["aissai.formats"]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"


CSRF_FAILURE_VIEW = "aissai.views.csrf_failure"
