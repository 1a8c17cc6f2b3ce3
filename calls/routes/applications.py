"""Routes of the applicant's path (namespace "calls")."""

from django.urls import path

from calls.views import applications, documents, partners

urlpatterns = [
    path("call/<slug:slug>/apply/", applications.application_start, name="application_start"),
    path("applications/mine/", applications.my_applications, name="my_applications"),
    path("applications/<int:pk>/", applications.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", applications.application_edit, name="application_edit"),
    path(
        "applications/<int:pk>/eligibility/",
        applications.application_eligibility,
        name="application_eligibility",
    ),
    path(
        "applications/<int:pk>/submit/", applications.application_submit, name="application_submit"
    ),
    path(
        "applications/<int:pk>/reopen/", applications.application_reopen, name="application_reopen"
    ),
    path(
        "applications/<int:pk>/withdraw/",
        applications.application_withdraw,
        name="application_withdraw",
    ),
    path("applications/<int:pk>/partners/add/", partners.partner_add, name="partner_add"),
    path(
        "applications/<int:pk>/partners/<int:partner_pk>/remove/",
        partners.partner_remove,
        name="partner_remove",
    ),
    path(
        "applications/<int:pk>/partners/<int:partner_pk>/resend/",
        partners.partner_resend,
        name="partner_resend",
    ),
    path("applications/units/search/", partners.unit_search, name="unit_search"),
    path(
        "applications/units/institutes/",
        partners.unit_institutes_options,
        name="unit_institutes",
    ),
    path("partners/confirm/<uuid:token>/", partners.partner_confirm, name="partner_confirm"),
    path(
        "applications/<int:pk>/documents/<slug:kind>/upload/",
        documents.document_upload,
        name="document_upload",
    ),
    path(
        "applications/<int:pk>/documents/<int:document_pk>/",
        documents.document_download,
        name="document_download",
    ),
    path(
        "applications/<int:pk>/documents/<int:document_pk>/remove/",
        documents.document_remove,
        name="document_remove",
    ),
]
