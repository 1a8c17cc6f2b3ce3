"""``GET /healthz``: a JSON answer for load balancers and container health checks.

The middleware answers right after ``SecurityMiddleware`` (which exempts the path from
the HTTPS redirect, ``SECURE_REDIRECT_EXEMPT``, and adds HSTS to secure requests), so
the answer never depends on the proxy: no ``X-Forwarded-Proto`` needed, no host check
(a load balancer calls by address), no session, no login. It always answers
JSON: ``200 {"status": "ok", "database": "ok"}`` when the database answers, ``503
{"status": "unavailable", "database": "unavailable"}`` when it does not. Nothing else
is said: the page is public.
"""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)

PATH = "/healthz"


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - JSON in every case (a pool timeout, too)
        logger.warning("Health check: the database does not answer (%r).", exc)
        # Drop a dead connection now, so that the next check opens a fresh one.
        try:
            connection.close_if_unusable_or_obsolete()
        except DatabaseError:
            logger.debug("Health check: closing the broken connection failed.", exc_info=True)
        return False
    return True


def health_response() -> JsonResponse:
    if database_answers():
        response = JsonResponse({"status": "ok", "database": "ok"})
    else:
        response = JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
        response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.rstrip("/") == PATH and request.method in {"GET", "HEAD"}:
            return health_response()
        return self.get_response(request)
