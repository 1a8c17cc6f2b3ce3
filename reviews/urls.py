"""Routes of the reviews app (namespace "reviews"), mounted at /reviews/."""

from django.urls import include, path

from reviews.views import invitation_public, pool, publications

app_name = "reviews"

urlpatterns = [
    path("", include("reviews.routes.scoreboard")),
    path("", include("reviews.routes.reviewing")),
    path("", include("reviews.routes.selection")),
    path("", include("reviews.routes.reports")),
    path("", include("reviews.routes.assignment")),
    # The reviewer's side.
    path("", pool.dashboard, name="dashboard"),
    path("publications/", publications.my_publications, name="my_publications"),
    path("invitation/<uuid:token>/", invitation_public.invitation, name="invitation"),
    path(
        "invitation/<uuid:token>/accept/",
        invitation_public.invitation_accept,
        name="invitation_accept",
    ),
    path(
        "invitation/<uuid:token>/decline/",
        invitation_public.invitation_decline,
        name="invitation_decline",
    ),
    # Programme staff: the pool of a call.
    path("staff/units/", pool.unit_options, name="unit_options"),
    path("staff/units/named/", pool.unit_named, name="unit_named"),
    path("staff/<slug:slug>/experts/", pool.pool, name="pool"),
    path("staff/<slug:slug>/experts/invite/", pool.invite, name="invite"),
    path("staff/<slug:slug>/experts/import/", pool.invite_bulk, name="invite_bulk"),
    path(
        "staff/<slug:slug>/experts/<int:pk>/resend/",
        pool.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "staff/<slug:slug>/experts/<int:pk>/withdraw/",
        pool.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path(
        "staff/<slug:slug>/experts/<int:pk>/publications/",
        publications.staff_publications,
        name="invitation_publications",
    ),
    path("staff/<slug:slug>/confidentiality/", pool.terms_edit, name="terms_edit"),
    # A reviewer of a call.
    path("<slug:slug>/confidentiality/", pool.confidentiality, name="confidentiality"),
]
