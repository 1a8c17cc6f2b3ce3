"""Public call pages and the staff's call management (namespace "calls")."""

from django.urls import path

from calls.views import calls, public

urlpatterns = [
    path("", public.call_list, name="call_list"),
    path("call/<slug:slug>/", public.call_detail, name="call_detail"),
    path("manage/", calls.manage_call_list, name="manage_call_list"),
    path("manage/new/", calls.manage_call_create, name="manage_call_create"),
    path("manage/<slug:slug>/", calls.manage_call, name="manage_call"),
    path("manage/<slug:slug>/edit/", calls.manage_call_edit, name="manage_call_edit"),
    path(
        "manage/<slug:slug>/criteria/",
        calls.manage_call_items,
        {"part": "criteria"},
        name="manage_call_criteria",
    ),
    path(
        "manage/<slug:slug>/documents/",
        calls.manage_call_items,
        {"part": "documents"},
        name="manage_call_documents",
    ),
    path(
        "manage/<slug:slug>/funding/",
        calls.manage_call_items,
        {"part": "funding"},
        name="manage_call_funding",
    ),
    path("manage/<slug:slug>/clone/", calls.manage_call_clone, name="manage_call_clone"),
    path(
        "manage/<slug:slug>/status/<slug:target>/",
        calls.manage_call_status,
        name="manage_call_status",
    ),
]
