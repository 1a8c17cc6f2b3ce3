"""Per-request log context: django-structlog's middleware binds a ``request_id`` (the
``X-Request-ID`` header when the proxy sends one, else a new UUID) and the client's
address to every line logged while the request is served, and logs each request once
when it starts and once when it ends (with the status code)."""

import structlog
from django_structlog.middlewares import RequestMiddleware


def client_address(request) -> str:
    """The address logged for a request: the peer of the web process (``REMOTE_ADDR``).

    Never a forwarded header taken as is (a client can forge one): behind the reverse
    proxy, the proxy-address handling of the login throttling decides the real client
    address and this follows it.
    """
    return request.META.get("REMOTE_ADDR", "")


class RequestLogMiddleware(RequestMiddleware):
    @classmethod
    def bind_ip(cls, request) -> None:
        structlog.contextvars.bind_contextvars(ip=client_address(request))
