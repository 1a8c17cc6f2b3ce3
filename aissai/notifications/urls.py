from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/release/", views.outbox_release_bulk, name="outbox_release_bulk"),
    path("outbox/restored/", views.outbox_restored, name="outbox_restored"),
    path("outbox/<int:pk>/", views.outbox_detail, name="outbox_detail"),
    path("outbox/<int:pk>/html/", views.outbox_html, name="outbox_html"),
    path("outbox/<int:pk>/edit/", views.outbox_edit, name="outbox_edit"),
    path("outbox/<int:pk>/release/", views.outbox_release, name="outbox_release"),
    path("outbox/<int:pk>/discard/", views.outbox_discard, name="outbox_discard"),
    path("outbox/<int:pk>/retry/", views.outbox_retry, name="outbox_retry"),
    path("dev/mailbox/", views.dev_mailbox, name="dev_mailbox"),
    path("dev/mailbox/<int:pk>/", views.dev_mailbox_detail, name="dev_mailbox_detail"),
    path("dev/mailbox/<int:pk>/html/", views.dev_mailbox_html, name="dev_mailbox_html"),
]
