"""Selection: the panel ranking board, the funding decisions and their history (programme
staff), and the coordinator's decline of a funded place (namespace "reviews")."""

from django.urls import path

from reviews.views import decisions, lists

urlpatterns = [
    path("staff/<slug:slug>/lists/", lists.board, name="lists_board"),
    path("staff/<slug:slug>/lists/move/", lists.move, name="lists_move"),
    path("staff/<slug:slug>/lists/order/", lists.order, name="lists_order"),
    path("staff/<slug:slug>/lists/reset/", lists.reset, name="lists_reset"),
    path("staff/<slug:slug>/lists/fix/", lists.fix, name="lists_fix"),
    path("staff/<slug:slug>/decisions/", decisions.decisions, name="decisions"),
    path("staff/<slug:slug>/decisions/funding/", decisions.add_source, name="decisions_source"),
    path(
        "staff/<slug:slug>/decisions/<int:pk>/decline/",
        decisions.decline,
        name="decisions_decline",
    ),
    path("staff/<slug:slug>/decisions/fill/", decisions.fill, name="decisions_fill"),
    path("staff/<slug:slug>/decisions/close/", decisions.close, name="decisions_close"),
    path("staff/<slug:slug>/decisions/publish/", decisions.publish, name="decisions_publish"),
    path("staff/<slug:slug>/decisions/history/", decisions.history, name="decisions_history"),
    path("decisions/application/<int:pk>/decline/", decisions.decline_place, name="decline_place"),
]
