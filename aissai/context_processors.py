from django.conf import settings


def site(request):
    return {
        "SITE_NAME": "AISSAI Calls",
        "EMBEDDED_MODE": not settings.PRODUCTION,
        "DEV_MAILBOX": settings.DEV_MAILBOX and not settings.PRODUCTION,
    }
