"""Programme staff: the dashboard, exports and decision dossiers of a call (namespace
"reviews", included from reviews/urls.py)."""

from django.urls import path

from reviews.views import reports

urlpatterns = [
    path("staff/<slug:slug>/dashboard/", reports.call_dashboard_view, name="call_dashboard"),
    path("staff/<slug:slug>/exports/", reports.exports_view, name="exports"),
    # ``<kind>.<format>``: slugs hold no dot, so the two parts never run into each other.
    path(
        "staff/<slug:slug>/exports/<slug:kind>.<slug:file_format>",
        reports.export_view,
        name="export",
    ),
    path(
        "staff/<slug:slug>/applications/<int:pk>/dossier/",
        reports.dossier_view,
        name="dossier",
    ),
]
