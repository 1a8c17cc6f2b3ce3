"""Programme staff pages of the calls app (namespace "calls")."""

from django.urls import path

from calls.views import staff, staff_conflicts

urlpatterns = [
    path("staff/", staff.staff_index, name="staff_index"),
    path(
        "staff/<slug:slug>/applications/",
        staff.staff_applications,
        name="staff_applications",
    ),
    path(
        "staff/<slug:slug>/screening/",
        staff.staff_screening_list,
        name="staff_screening_list",
    ),
    path(
        "staff/<slug:slug>/applications/<int:pk>/screening/",
        staff.staff_screening,
        name="staff_screening",
    ),
    path(
        "staff/<slug:slug>/conflicts/declare/",
        staff_conflicts.declare,
        name="staff_conflict_declare",
    ),
    path(
        "staff/<slug:slug>/applications/<int:pk>/staff-conflicts/<int:user_pk>/rule/",
        staff_conflicts.rule,
        name="staff_conflict_rule",
    ),
]
