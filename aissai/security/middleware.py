"""Middleware that protects the site before a view runs.

``RequestSizeLimitMiddleware`` refuses a request whose declared body is larger than
``AISSAI_MAX_REQUEST_BYTES`` from its ``Content-Length`` header alone: the body is never
read, parsed or spooled to a temporary file. Django's own limits do not cover this:
``DATA_UPLOAD_MAX_MEMORY_SIZE`` leaves uploaded files out, so without it a client could
make the server write gigabytes to disk before any view looks at the request.

``DatabaseUnavailableMiddleware`` turns a lost or busy database connection raised by a
view into a 503 page that says nothing was saved by this action, instead of the generic
500 page. The transaction of the action was rolled back, so this is the truth.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.shortcuts import render

# Imported for its side effect: the receiver that stamps every login (see reauth.py)
# is connected as soon as the middleware loads, before the first request.
from . import reauth  # noqa: F401

logger = logging.getLogger(__name__)


def declared_length(request) -> int:
    """The body length the client declared (0 when absent or not a number, as Django)."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except (TypeError, ValueError):
        return 0


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.AISSAI_MAX_REQUEST_BYTES
        size = declared_length(request)
        if limit and size > limit:
            logger.warning(
                "Refused a %s request to %s: body of %d bytes, limit %d.",
                request.method,
                request.path,
                size,
                limit,
            )
            return render(
                request,
                "413.html",
                {"size": size, "limit": limit, "document_limit": settings.DOCUMENT_MAX_BYTES},
                status=413,
            )
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "Database unavailable during %s %s", request.method, request.path, exc_info=exception
        )
        # 503.html stands alone (no navigation, no query): the database may still be down.
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "30"
        return response
