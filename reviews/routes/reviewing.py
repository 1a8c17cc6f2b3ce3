"""Routes of the reviewing pages (namespace "reviews", included from reviews/urls.py)."""

from django.urls import path

from reviews.views import progress, reviewing

urlpatterns = [
    path("assignments/", reviewing.assignments_dashboard, name="my_assignments"),
    path(
        "assignments/application/<int:pk>/",
        reviewing.assignment_detail,
        name="assignment_detail",
    ),
    path(
        "assignments/application/<int:pk>/declare/",
        reviewing.assignment_declare,
        name="assignment_declare",
    ),
    path(
        "assignments/application/<int:pk>/review/",
        reviewing.review_edit,
        name="review_edit",
    ),
    path(
        "assignments/application/<int:pk>/documents/<int:document_pk>/",
        reviewing.document_download,
        name="assignment_document",
    ),
    path("staff/<slug:slug>/progress/", progress.progress, name="progress"),
    path(
        "staff/<slug:slug>/progress/reviewers/<int:invitation_pk>/remind/",
        progress.remind_reviewer,
        name="remind_reviewer",
    ),
    path(
        "staff/assignments/<int:assignment_pk>/reopen/",
        reviewing.review_reopen,
        name="review_reopen",
    ),
]
