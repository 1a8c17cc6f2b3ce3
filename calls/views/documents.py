"""Application documents: upload a PDF per required kind, download through the
permission-checked view only (never from a public folder), remove from a draft."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from calls.forms.applications import DocumentUploadForm
from calls.models import Document
from calls.selectors.applications import applications_visible_to
from calls.services.applications import ApplicationError
from calls.services.documents import record_download, remove_document, upload_document
from calls.views.applications import own_application_or_404


def _back(application) -> HttpResponse:
    return redirect(reverse("calls:application_edit", args=[application.pk]) + "#documents")


@require_POST
def document_upload(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    application = own_application_or_404(request, pk)
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", []):
            messages.error(request, error)
        return _back(application)
    try:
        document = upload_document(
            application=application, by=request.user, kind=kind, upload=form.cleaned_data["file"]
        )
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return _back(application)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(
                request,
                _("%(file)s was not accepted. %(reason)s")
                % {"file": form.cleaned_data["file"].name[:100], "reason": message},
            )
        return _back(application)
    messages.success(
        request,
        _("%(file)s was saved (SHA-256 %(sha)s).")
        % {"file": document.original_name, "sha": document.sha256},
    )
    return _back(application)


@require_POST
def document_remove(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    application = own_application_or_404(request, pk)
    document = get_object_or_404(Document, pk=document_pk, application=application)
    try:
        remove_document(application=application, by=request.user, document=document)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(file)s was removed.") % {"file": document.original_name})
    return _back(application)


@require_GET
def document_download(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    document = get_object_or_404(
        Document.objects.select_related("application"),
        pk=document_pk,
        application__in=applications_visible_to(request.user).filter(pk=pk),
    )
    response = document_response(document)
    record_download(document=document, by=request.user)
    return response


def document_response(document: Document) -> FileResponse:
    """A stored PDF as a download, never rendered in the browser (shared by every download view)."""
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
