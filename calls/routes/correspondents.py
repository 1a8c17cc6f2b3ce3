"""Routes of the institute correspondents (namespace "calls").

Included before ``calls.routes.calls`` so that ``manage/correspondents/`` is not taken for
the management page of a call whose short name would be "correspondents".
"""

from django.urls import path

from calls.views import correspondents

urlpatterns = [
    path("institute/", correspondents.institute_applications_view, name="institute_applications"),
    path(
        "manage/correspondents/",
        correspondents.manage_correspondents,
        name="manage_correspondents",
    ),
    path(
        "manage/correspondents/<int:pk>/revoke/",
        correspondents.manage_correspondent_revoke,
        name="manage_correspondent_revoke",
    ),
]
