from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("dev/mailbox/", views.dev_mailbox, name="dev_mailbox"),
]
