from django.urls import path

from .views import donor, events, fellowships, reports, staff

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
    path("fellowships/<int:pk>/reports/<int:milestone_pk>/", reports.report, name="report"),
    path(
        "fellowships/<int:pk>/reports/<int:report_pk>/file/",
        reports.report_file,
        name="report_file",
    ),
    path("calls/<slug:slug>/", staff.call_fellowships, name="call_fellowships"),
    path("calls/<slug:slug>/events/", events.call_events, name="call_events"),
    path(
        "calls/<slug:slug>/sources/<int:pk>/donor-report/",
        donor.donor_report_page,
        name="donor_report",
    ),
    path(
        "calls/<slug:slug>/sources/<int:pk>/donor-report.xlsx",
        donor.donor_report_xlsx,
        name="donor_report_xlsx",
    ),
    path("events/<int:pk>/", events.event, name="event"),
    path("events/<int:pk>/invite/", events.event_invite, name="event_invite"),
    path("events/<int:pk>/attendance/", events.event_attendance, name="event_attendance"),
    path("rsvp/<str:token>/", events.rsvp, name="rsvp"),
    path("calls/<slug:slug>/reports/", reports.call_reports, name="call_reports"),
    path("calls/<slug:slug>/reports/milestones/", reports.milestone_add, name="milestone_add"),
    path(
        "calls/<slug:slug>/reports/milestones/<int:pk>/remove/",
        reports.milestone_remove,
        name="milestone_remove",
    ),
    path(
        "calls/<slug:slug>/reports/contacts/", reports.donor_contact_add, name="donor_contact_add"
    ),
    path(
        "calls/<slug:slug>/outputs.<str:file_format>",
        reports.outputs_export,
        name="outputs_export",
    ),
    path("calls/<slug:slug>/settings/", staff.call_settings, name="call_settings"),
]
