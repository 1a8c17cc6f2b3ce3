"""Programme staff: the scoreboard, robustness and shortlist of a call (namespace "reviews")."""

from django.urls import path

from reviews.views import scoreboard

urlpatterns = [
    path("staff/<slug:slug>/scoreboard/", scoreboard.scoreboard, name="scoreboard"),
    path(
        "staff/<slug:slug>/scoreboard/robustness/",
        scoreboard.robustness,
        name="scoreboard_robustness",
    ),
    path("staff/<slug:slug>/shortlist/", scoreboard.shortlist, name="shortlist"),
]
