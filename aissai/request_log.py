"""Per-request log context: django-structlog's middleware binds a ``request_id`` (a new
UUID per request) and the client's address to every line logged while the request is
served, and logs each request once when it starts and once when it ends (with the
status code)."""

import structlog
from django_structlog.middlewares import RequestMiddleware

from aissai.security.proxy import client_ip


def client_address(request) -> str:
    """The address logged for a request: the client as a trusted proxy reports it
    (``aissai.security.proxy.client_ip``, the address login throttling uses too), else
    the peer of the web process. Never a forwarded header taken as is."""
    return client_ip(request)


class RequestLogMiddleware(RequestMiddleware):
    @classmethod
    def bind_ip(cls, request) -> None:
        structlog.contextvars.bind_contextvars(ip=client_address(request))
