from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string

from .health import health_response


@login_not_required
def home(request):
    return render(request, "home.html")


@login_not_required
def healthz(request):
    """Reached only by methods other than GET/HEAD: aissai.health answers those first."""
    return health_response()


@login_not_required
def error_400(request, exception=None):
    # Standalone page, rendered without the request: a bad request may be a host this site
    # does not serve, and the context processors would ask for that host again.
    return HttpResponseBadRequest(render_to_string("400.html"))


@login_not_required
def error_404(request, exception=None):
    return render(request, "404.html", status=404)


@login_not_required
def error_403(request, exception=None):
    return render(request, "403.html", status=403)


@login_not_required
def error_500(request):
    return render(request, "500.html", status=500)


@login_not_required
def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
