from django.urls import include, path

app_name = "calls"

# Each module below holds the routes of one area; they share the "calls" namespace.
urlpatterns = [
    path("", include("calls.routes.correspondents")),  # before calls: manage/correspondents/
    path("", include("calls.routes.calls")),
    path("", include("calls.routes.applications")),
    path("", include("calls.routes.staff")),
]
