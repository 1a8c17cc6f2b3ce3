"""Re-authentication before sensitive actions (exports, decisions, personal data).

Every login stamps the session with the time (the ``user_logged_in`` receiver below, so
Django's ``login()``, the admin's login and the test client's ``force_login`` all count).
``require_recent_login`` lets a view run only when that stamp is younger than
``max_age_seconds`` (``AISSAI_REAUTH_SECONDS`` by default). Otherwise:

- a GET (or HEAD) is redirected to the password page, which sends the person back to
  the page they asked for once the password is confirmed;
- a POST is answered with the password page itself (status 403): what was posted is
  not replayed; once the password is confirmed the person goes back to the page the
  form came from and submits again;
- an htmx request gets an ``HX-Redirect`` to the password page, then back to the page
  it was made from.

The password page (``aissai.accounts.views.reauthenticate``) checks the password through
``authenticate()``, so django-axes counts failures and locks out exactly as on login.
"""

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

SESSION_KEY = "aissai_authenticated_at"


def mark_recent(session) -> None:
    """Record that the person proved who they are just now."""
    session[SESSION_KEY] = int(time.time())


def authenticated_at(session) -> int | None:
    value = session.get(SESSION_KEY)
    return value if isinstance(value, int) else None


def is_recent(request: HttpRequest, max_age_seconds: int | None = None) -> bool:
    if not request.user.is_authenticated:
        return False
    max_age = settings.AISSAI_REAUTH_SECONDS if max_age_seconds is None else max_age_seconds
    stamp = authenticated_at(request.session)
    return stamp is not None and 0 <= time.time() - stamp <= max_age


def record_reauthentication(*, user) -> None:
    """The person typed their password again (the view has logged them in afresh)."""
    from aissai.audit.services import record_event

    with transaction.atomic():
        record_event(actor=user, verb="accounts.reauthenticated", target=user)


@receiver(user_logged_in, dispatch_uid="aissai.security.reauth.stamp_login")
def stamp_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        mark_recent(request.session)


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """The path of ``candidate`` when it is an address on this site, else the home page.

    Both the address and the path kept from it must pass Django's own check:
    ``https://<this host>//evil.example/x`` is on this site, but its path alone,
    ``//evil.example/x``, is another site for a browser (so is ``/\\evil.example``).
    """
    require_https = request.is_secure() or settings.PRODUCTION
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=require_https
    ):
        parts = urlsplit(candidate)
        path = parts.path or "/"
        local = f"{path}?{parts.query}" if parts.query else path
        if local.startswith("/") and url_has_allowed_host_and_scheme(
            local, allowed_hosts=set(), require_https=require_https
        ):
            return local
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def reauth_url(next_url: str) -> str:
    return f"{reverse('accounts:reauth')}?{urlencode({'next': next_url})}"


def _page_the_form_came_from(request: HttpRequest) -> str:
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.current_url_abs_path:
        return safe_next(request, htmx.current_url_abs_path)
    return safe_next(request, request.headers.get("Referer"))


def ask_for_password(request: HttpRequest) -> HttpResponse:
    """The answer to a request that needs a recent login and has none."""
    if request.method in ("GET", "HEAD"):
        return HttpResponseRedirect(reauth_url(request.get_full_path()))
    back_to = _page_the_form_came_from(request)
    if getattr(request, "htmx", None):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reauth_url(back_to)
        return response
    from aissai.accounts.views import reauth_page  # the view layer sits above this module

    return reauth_page(request, next_url=back_to, resubmit=True, status=403)


def require_recent_login(
    view: Callable | None = None, *, max_age_seconds: int | None = None
) -> Callable:
    """Decorate a view that needs a password typed in the last ``max_age_seconds``.

    Use as ``@require_recent_login`` or ``@require_recent_login(max_age_seconds=300)``.
    Anonymous requests pass through: the login requirement answers them first.
    """

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.user.is_authenticated and not is_recent(request, max_age_seconds):
                return ask_for_password(request)
            return func(request, *args, **kwargs)

        wrapped.requires_recent_login = True
        return wrapped

    return decorator(view) if view is not None else decorator
