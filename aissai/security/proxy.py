"""The client's address behind a reverse proxy, and forwarded headers from the proxy only.

A reverse proxy (nginx) in front of gunicorn makes every request come from its own
address; it says who the client is in ``X-Forwarded-For`` and whether the request came
over TLS in ``X-Forwarded-Proto``. Anybody can send those headers too, so they are
believed only when the request comes from an address in ``AISSAI_TRUSTED_PROXIES``:

- ``ForwardedHeadersMiddleware`` (first in the middleware) drops every forwarded header
  of a request that does not come from a trusted proxy, so ``SECURE_PROXY_SSL_HEADER``
  and anything else that reads them only ever see what a trusted proxy wrote;
- ``client_ip`` (django-axes' ``AXES_CLIENT_IP_CALLABLE``) gives the client's address:
  ``REMOTE_ADDR`` itself, or, from a trusted proxy, the address the outermost of the
  ``AISSAI_PROXY_COUNT`` proxies saw. Each proxy appends the address it received the
  request from, so that is the ``AISSAI_PROXY_COUNT``-th entry from the right; what a
  client wrote further left is ignored.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

FORWARDED_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_REAL_IP",
)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(value: str | None) -> Address | None:
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is 127.0.0.1
    return mapped or address


@lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def is_trusted_proxy(value: str | None) -> bool:
    address = parse_address(value)
    if address is None:
        return False
    return any(address in network for network in _networks(tuple(settings.AISSAI_TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str:
    """The address of the person at the other end, as far as a trusted proxy vouches."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not is_trusted_proxy(remote):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    count = settings.AISSAI_PROXY_COUNT
    if count < 1 or len(hops) < count:
        return remote
    address = parse_address(hops[-count])
    return str(address) if address is not None else remote


class ForwardedHeadersMiddleware:
    """Forget the forwarded headers of a request that no trusted proxy sent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
