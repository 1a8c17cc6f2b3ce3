from django.contrib import admin
from django.urls import include, path

from . import views
from .accounts import views as accounts_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("accounts/", include("aissai.accounts.urls")),
    path("calls/", include("calls.urls")),
    path("reviews/", include("reviews.urls")),
    path("awards/", include("awards.urls")),
    path("mail/", include("aissai.notifications.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "aissai.views.error_400"
handler403 = "aissai.views.error_403"
handler404 = "aissai.views.error_404"
handler500 = "aissai.views.error_500"
