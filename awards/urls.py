from django.urls import path

from .views import fellowships, staff

app_name = "awards"

urlpatterns = [
    path("", fellowships.my_fellowships, name="my_fellowships"),
    path("fellowships/<int:pk>/", fellowships.detail, name="fellowship"),
    path("fellowships/<int:pk>/recruit/", fellowships.recruit, name="fellowship_recruit"),
    path("fellowships/<int:pk>/start/", fellowships.start, name="fellowship_start"),
    path("fellowships/<int:pk>/suspend/", staff.suspend, name="fellowship_suspend"),
    path("fellowships/<int:pk>/end/", staff.end, name="fellowship_end"),
    path("fellowships/<int:pk>/abandon/", staff.abandon, name="fellowship_abandon"),
    path("fellowships/<int:pk>/fail/", staff.fail_recruitment, name="fellowship_fail"),
    path("fellowships/<int:pk>/amount/", staff.change_amount, name="fellowship_amount"),
    path("calls/<slug:slug>/", staff.call_fellowships, name="call_fellowships"),
    path("calls/<slug:slug>/settings/", staff.call_settings, name="call_settings"),
]
