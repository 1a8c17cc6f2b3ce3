"""Programme staff: conflicts of interest and reviewer assignment of a call (namespace
"reviews", included from reviews/urls.py)."""

from django.urls import path

from reviews.views import assignment, conflicts

urlpatterns = [
    path("staff/<slug:slug>/conflicts/", conflicts.conflicts, name="conflicts"),
    path("staff/<slug:slug>/conflicts/new/", conflicts.add, name="conflict_add"),
    path("staff/<slug:slug>/conflicts/detect/", conflicts.detect, name="conflicts_detect"),
    path("staff/<slug:slug>/conflicts/<int:pk>/rule/", conflicts.rule, name="conflict_rule"),
    path("staff/<slug:slug>/assignment/", assignment.overview, name="assignment"),
    path(
        "staff/<slug:slug>/assignment/applications/<int:pk>/",
        assignment.application,
        name="assignment_application",
    ),
    path(
        "staff/<slug:slug>/assignment/applications/<int:pk>/add/",
        assignment.add,
        name="assignment_add",
    ),
    path(
        "staff/<slug:slug>/assignment/applications/<int:pk>/remove/<int:assignment_pk>/",
        assignment.remove,
        name="assignment_remove",
    ),
    path(
        "staff/<slug:slug>/assignment/proposals/",
        assignment.proposal_request,
        name="proposal_request",
    ),
    path("staff/<slug:slug>/assignment/proposals/<int:pk>/", assignment.proposal, name="proposal"),
    path(
        "staff/<slug:slug>/assignment/proposals/<int:pk>/status/",
        assignment.proposal_status,
        name="proposal_status",
    ),
    path(
        "staff/<slug:slug>/assignment/proposals/<int:pk>/edit/",
        assignment.proposal_edit,
        name="proposal_edit",
    ),
    path(
        "staff/<slug:slug>/assignment/proposals/<int:pk>/confirm/",
        assignment.proposal_confirm,
        name="proposal_confirm",
    ),
]
