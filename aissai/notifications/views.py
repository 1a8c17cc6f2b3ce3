"""Staff pages for outgoing mail (programme staff only, after a recent password) and the
embedded mode's dev mailbox.

Everything else answers 404. Actions are POST only, go through the services (which audit
them) and redirect back.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from aissai.security.reauth import require_recent_login

from . import services
from .forms import BulkReleaseForm, HeldMailForm, OutboxFilterForm
from .models import MailEvent, OutboxStatus
from .rules import can_manage_outbox, can_read_dev_mailbox, request_from_this_machine
from .selectors import (
    dev_mailbox_rows,
    dev_mailbox_visible_to,
    filter_outbox,
    outbox_events,
    outbox_history,
    outbox_rows,
    outbox_status_counts,
    outbox_visible_to,
    restored_held_mails,
)

PAGE_SIZE = 50

# A mail's HTML is shown in a sandboxed frame: no script, no form, no request leaves.
SANDBOX_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def _only_if(predicate: Callable) -> Callable:
    """Answer 404 to anyone the predicate refuses (anonymous users were sent to log in)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not predicate(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def staff_only(view: Callable) -> Callable:
    """Programme staff who typed their password recently (mails hold personal data and
    decisions); 404 for anyone else, the password page for staff with an old login."""
    return _only_if(can_manage_outbox)(require_recent_login(view))


def dev_mailbox_only(view: Callable) -> Callable:
    """Embedded mode, and a request from this machine; 404 otherwise."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (can_read_dev_mailbox(request.user) and request_from_this_machine(request)):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def sandboxed_html(html: str) -> HttpResponse:
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


def _outbox_url(filters: dict[str, str]) -> str:
    query = urlencode({key: value for key, value in filters.items() if value})
    return reverse("notifications:outbox") + (f"?{query}" if query else "")


@staff_only
def outbox(request):
    visible = outbox_visible_to(request.user)
    form = OutboxFilterForm(request.GET or None, events=outbox_events(visible))
    filters = form.filters()
    any_status = filter_outbox(visible, event=filters["event"], q=filters["q"])
    counts = outbox_status_counts(any_status)
    rows = outbox_rows(filter_outbox(any_status, status=filters["status"]))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    held_in_filter = counts[OutboxStatus.HELD] if filters["status"] in ("", "held") else 0
    return render(
        request,
        "notifications/outbox_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "total": sum(counts.values()),
            "status_tabs": [(value, label, counts[value]) for value, label in OutboxStatus.choices],
            "held_in_filter": held_in_filter,
            "restored_held": restored_held_mails(visible).count(),
        },
    )


@staff_only
@require_POST
def outbox_restored(request):
    """One action on every mail held by a restore: release them all, or drop them all."""
    chosen = restored_held_mails(outbox_visible_to(request.user))
    if request.POST.get("action") == "release":
        done = services.release_mails(actor=request.user, messages=chosen)
        text = ngettext(
            "%(count)d e-mail held after the restore released; it is being sent.",
            "%(count)d e-mails held after the restore released; they are being sent.",
            len(done),
        )
    elif request.POST.get("action") == "discard":
        done = services.discard_mails(actor=request.user, messages=chosen)
        text = ngettext(
            "%(count)d e-mail held after the restore dropped; it will not be sent.",
            "%(count)d e-mails held after the restore dropped; they will not be sent.",
            len(done),
        )
    else:
        messages.error(request, _("Choose to release or to drop the e-mails."))
        return redirect("notifications:outbox")
    messages.success(request, text % {"count": len(done)})
    return redirect("notifications:outbox")


@staff_only
def outbox_detail(request, pk: int):
    mail = get_object_or_404(outbox_visible_to(request.user).select_related("recipient"), pk=pk)
    return render(
        request,
        "notifications/outbox_detail.html",
        {"mail": mail, "history": outbox_history(mail)},
    )


@staff_only
def outbox_html(request, pk: int):
    mail = get_object_or_404(outbox_visible_to(request.user), pk=pk)
    return sandboxed_html(mail.shown_body_html or f"<pre>{escape(mail.shown_body_text)}</pre>")


@staff_only
def outbox_edit(request, pk: int):
    mail = get_object_or_404(outbox_visible_to(request.user), pk=pk)
    if not mail.can_edit:
        messages.warning(request, _("This e-mail is not held any more; it cannot be edited."))
        return redirect("notifications:outbox_detail", pk=mail.pk)
    form = HeldMailForm(
        request.POST or None, initial={"subject": mail.subject, "body_text": mail.body_text}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_held_mail(actor=request.user, message=mail, **form.cleaned_data)
        except services.OutboxStateError as exc:
            messages.warning(request, str(exc))
        else:
            messages.success(request, _("The e-mail was saved. It is still held."))
        return redirect("notifications:outbox_detail", pk=mail.pk)
    return render(request, "notifications/outbox_edit.html", {"mail": mail, "form": form})


def _act_on_one(request, pk: int, action: Callable, done: str, nothing: str):
    visible = outbox_visible_to(request.user)
    mail = get_object_or_404(visible, pk=pk)
    if action(actor=request.user, messages=visible.filter(pk=mail.pk)):
        messages.success(request, done)
    else:
        messages.warning(request, nothing)
    return redirect("notifications:outbox_detail", pk=mail.pk)


@staff_only
@require_POST
def outbox_release(request, pk: int):
    return _act_on_one(
        request,
        pk,
        services.release_mails,
        _("The e-mail was released and is being sent."),
        _("This e-mail is not held any more; nothing was released."),
    )


@staff_only
@require_POST
def outbox_discard(request, pk: int):
    return _act_on_one(
        request,
        pk,
        services.discard_mails,
        _("The e-mail was discarded; it will not be sent."),
        _("This e-mail can no longer be discarded."),
    )


@staff_only
@require_POST
def outbox_retry(request, pk: int):
    return _act_on_one(
        request,
        pk,
        services.retry_mails,
        _("The e-mail will be sent again."),
        _("Only a failed e-mail can be retried."),
    )


@staff_only
@require_http_methods(["GET", "POST"])
def outbox_release_bulk(request):
    """GET: confirm releasing every held mail that matches the list's filter.
    POST: release the ticked mails, or the confirmed filter's mails."""
    visible = outbox_visible_to(request.user)
    if request.method == "GET":
        form = OutboxFilterForm(request.GET or None, events=outbox_events(visible))
        filters = form.filters()
        chosen = filter_outbox(visible, **filters).filter(status=OutboxStatus.HELD)
        return render(
            request,
            "notifications/outbox_release_confirm.html",
            {
                "filters": filters,
                "event_label": MailEvent.label_of(filters["event"]),
                "total": chosen.count(),
                "up_to": chosen.aggregate(top=Max("pk"))["top"] or 0,
                "rows": outbox_rows(chosen)[:PAGE_SIZE],
                "back_url": _outbox_url(filters),
            },
        )
    form = BulkReleaseForm(request.POST, messages=visible)
    if not form.is_valid():
        for error in form.non_field_errors() or [_("The selection is not valid.")]:
            messages.error(request, error)
        return redirect("notifications:outbox")
    data = form.cleaned_data
    filters = {"status": data["status"], "event": data["event"], "q": data["q"]}
    if data["scope"] == BulkReleaseForm.SELECTED:
        chosen = data["ids"]
    else:
        chosen = filter_outbox(visible, **filters).filter(pk__lte=data["up_to"])
    released = services.release_mails(actor=request.user, messages=chosen)
    if released:
        messages.success(
            request,
            ngettext(
                "%(count)d e-mail released; it is being sent.",
                "%(count)d e-mails released; they are being sent.",
                len(released),
            )
            % {"count": len(released)},
        )
    else:
        messages.warning(request, _("No held e-mail matched; nothing was released."))
    return redirect(_outbox_url(filters))


@login_not_required
@dev_mailbox_only
def dev_mailbox(request):
    rows = dev_mailbox_rows(dev_mailbox_visible_to(request.user))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/dev_mailbox_list.html", {"page": page})


@login_not_required
@dev_mailbox_only
def dev_mailbox_detail(request, pk: int):
    mail = get_object_or_404(dev_mailbox_visible_to(request.user), pk=pk)
    return render(request, "notifications/dev_mailbox_detail.html", {"mail": mail})


@login_not_required
@dev_mailbox_only
def dev_mailbox_html(request, pk: int):
    mail = get_object_or_404(dev_mailbox_visible_to(request.user), pk=pk)
    return sandboxed_html(mail.body_html or f"<pre>{escape(mail.body_text)}</pre>")
