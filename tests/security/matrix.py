"""The authorization matrix: who gets what from every named URL of the site.

One row per URL name (``namespace:name``), one column per role of ``tests.security.world``.
A row gives how to fill the URL's arguments from the world, the HTTP method the matrix
sends (GET, or POST with an empty or minimal body for POST-only views) and the expected
outcome for each role. Group defaults (``public()``, ``signed_in()``, ``staff_only()``,
``only(...)``) keep the table short; a row lists only what differs from its group.

Outcomes:
    ok     2xx, or a redirect somewhere other than the login page
    login  a redirect to the login page (anonymous visitors of a private page)
    404    hidden: the thing does not exist for this person (never 403 for hidden things)
    405    the method is not allowed
    403    only where the page itself says so (an invitation link for another account)
    410    a used or expired invitation link
    400    an empty form refused by a role allowed to post it

``BUGS`` lists the cells where the site does not answer what the table expects yet: the
test runs them as strict expected failures until the site is fixed. ``VARIANTS`` are
extra rows for the same URL name in another state of the world (a used invitation link).

A new URL name without a row fails ``test_every_url_name_has_a_row``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from awards.services.events import rsvp_token
from tests.security.world import ROLES

OK, LOGIN, HIDDEN, NOT_ALLOWED, FORBIDDEN, GONE, INVALID = (
    "ok",
    "login",
    "404",
    "405",
    "403",
    "410",
    "400",
)
REVIEWERS = (
    "assigned_reviewer",
    "undeclared_reviewer",
    "unassigned_reviewer",
    "conflicted_reviewer",
)
SIGNED_IN = tuple(role for role in ROLES if role != "anonymous")


def outcomes(default: str, anonymous: str = LOGIN, **cells: str) -> dict[str, str]:
    table = dict.fromkeys(ROLES, default)
    table["anonymous"] = anonymous
    table.update(cells)
    return table


def public(**cells: str) -> dict[str, str]:
    """Open to everyone, visitors included."""
    return outcomes(OK, **{"anonymous": OK, **cells})


def signed_in(**cells: str) -> dict[str, str]:
    """Any signed-in person; visitors are sent to the login page."""
    return outcomes(OK, **cells)


def only(*roles: str, allowed: str = OK, **cells: str) -> dict[str, str]:
    """The roles named get ``allowed``; other signed-in people a 404; visitors the login."""
    return outcomes(HIDDEN, **{**dict.fromkeys(roles, allowed), **cells})


STAFF = ("staff", "staff_applicant", "staff_named")


def staff_only(allowed: str = OK, **cells: str) -> dict[str, str]:
    """Programme staff, the two who are named in application A included. The superuser
    (Django admin, reference data) is not programme staff."""
    return only(*STAFF, allowed=allowed, **cells)


def staff_not_a(allowed: str = OK, **cells: str) -> dict[str, str]:
    """A page of application A's evaluation: programme staff, except the one who takes
    part in A (confirmed): for them it does not exist. Being named is not enough."""
    return staff_only(allowed, staff_applicant=HIDDEN, **cells)


def whole_call_action(allowed: str = OK, **cells: str) -> dict[str, str]:
    """An action on every application of the call at once: refused (a page saying so)
    to the staff member who takes part in one of them."""
    return staff_only(allowed, staff_applicant=FORBIDDEN, **cells)


def none(world=None) -> dict:
    return {}


@dataclass(frozen=True)
class Row:
    kwargs: Callable = none  # world -> URL kwargs
    expect: dict[str, str] = field(default_factory=signed_in)
    method: str = "GET"
    data: Callable = none  # world -> POST body


# The world's objects, by what the URLs need.
def call(w):
    return {"slug": w.call.slug}


def app_a(w):
    return {"pk": w.app_a.pk}


def call_app_a(w):
    return {"slug": w.call.slug, "pk": w.app_a.pk}


def outbox(w):
    return {"pk": w.outbox_message.pk}


def proposal(w):
    return {"slug": w.call.slug, "pk": w.proposal.pk}


def dev_message(w):
    return {"pk": w.dev_message.pk}


def pending_token(w):
    return {"token": w.pending_invitation.token}


def fellowship(w):
    return {"pk": w.fellowship.pk}


def source(w):
    return {"slug": w.call.slug, "pk": w.fellowship.funding_source_id}


def event(w):
    return {"pk": w.event.pk}


def report_form(w):
    return {"pk": w.fellowship.pk, "milestone_pk": w.milestone.pk}


APPLICANT_A_READS = ("applicant_a", *STAFF, "correspondent_involved")
# Staff conflicts hide an application's evaluation, not its fellowship's follow-up.
FELLOWSHIP_A_READS = ("applicant_a", "fellow_a", *STAFF, "correspondent_involved")
ASSIGNED = ("assigned_reviewer", "undeclared_reviewer")

MATRIX: dict[str, Row] = {
    # Site -----------------------------------------------------------------------------
    "home": Row(expect=public()),
    "healthz": Row(expect=public()),
    "set_language": Row(expect=public()),
    "admin:index": Row(expect=outcomes(LOGIN, superuser=OK)),  # the admin's own login page
    # Accounts -------------------------------------------------------------------------
    "accounts:login": Row(expect=public()),
    "accounts:logout": Row(method="POST", expect=public(anonymous=LOGIN)),
    "accounts:signup": Row(expect=public()),
    "accounts:signup_sent": Row(expect=public()),
    "accounts:resend_verification": Row(expect=public()),
    "accounts:verify_email": Row(  # a broken link: 400 with a page saying so
        kwargs=lambda w: {"token": "not-a-token"}, expect=outcomes(INVALID, anonymous=INVALID)
    ),
    "accounts:profile": Row(),
    "accounts:reauth": Row(),
    # Anyone signed in may add an authenticator app; the code page sends a person with no
    # code to type back to where they were going.
    "accounts:two_factor_setup": Row(),
    "accounts:two_factor_verify": Row(),
    "accounts:my_data": Row(),
    "accounts:my_data_download": Row(method="POST"),
    "accounts:password_change": Row(),
    "accounts:password_reset": Row(expect=public()),
    "accounts:password_reset_sent": Row(expect=public()),
    "accounts:password_reset_confirm": Row(
        kwargs=lambda w: {"uidb64": "MQ", "token": "set-password"}, expect=public()
    ),
    "accounts:password_reset_complete": Row(expect=public()),
    # Calls: public pages and the applicant's path --------------------------------------
    "calls:call_list": Row(expect=public()),
    "calls:call_detail": Row(kwargs=call, expect=public()),
    "calls:application_start": Row(kwargs=call, expect=signed_in()),
    "calls:my_applications": Row(),
    "calls:application_detail": Row(kwargs=app_a, expect=only(*APPLICANT_A_READS)),
    "calls:application_edit": Row(kwargs=app_a, expect=only("applicant_a")),
    "calls:application_eligibility": Row(kwargs=app_a, expect=only("applicant_a")),
    "calls:application_submit": Row(kwargs=app_a, method="POST", expect=only("applicant_a")),
    "calls:application_reopen": Row(kwargs=app_a, method="POST", expect=only("applicant_a")),
    "calls:application_withdraw": Row(kwargs=app_a, expect=only("applicant_a")),
    "calls:partner_add": Row(kwargs=app_a, method="POST", expect=only("applicant_a")),
    "calls:partner_remove": Row(
        kwargs=lambda w: {"pk": w.app_a.pk, "partner_pk": w.partner_a.pk},
        method="POST",
        expect=only("applicant_a"),
    ),
    "calls:partner_resend": Row(
        kwargs=lambda w: {"pk": w.app_a.pk, "partner_pk": w.partner_a.pk},
        method="POST",
        expect=only("applicant_a"),
    ),
    "calls:unit_search": Row(),
    "calls:unit_institutes": Row(),
    "calls:partner_confirm": Row(
        kwargs=lambda w: {"token": w.partner_a.confirmation_token}, expect=public()
    ),
    "calls:document_upload": Row(
        kwargs=lambda w: {"pk": w.app_a.pk, "kind": "project"},
        method="POST",
        expect=only("applicant_a"),
    ),
    "calls:document_download": Row(
        kwargs=lambda w: {"pk": w.app_a.pk, "document_pk": w.doc_a.pk},
        expect=only(*APPLICANT_A_READS),
    ),
    "calls:document_remove": Row(
        kwargs=lambda w: {"pk": w.app_a.pk, "document_pk": w.doc_a.pk},
        method="POST",
        expect=only("applicant_a"),
    ),
    # Calls: institute correspondents ----------------------------------------------------
    "calls:institute_applications": Row(
        expect=only("correspondent_involved", "correspondent_uninvolved")
    ),
    "calls:manage_correspondents": Row(expect=staff_only()),
    "calls:manage_correspondent_revoke": Row(
        kwargs=lambda w: {"pk": w.correspondent_role.pk}, method="POST", expect=staff_only()
    ),
    # Calls: staff ----------------------------------------------------------------------
    "calls:manage_call_list": Row(expect=staff_only()),
    "calls:manage_call_create": Row(expect=staff_only()),
    "calls:manage_call": Row(kwargs=call, expect=staff_only()),
    "calls:manage_call_edit": Row(kwargs=call, expect=staff_only()),
    "calls:manage_call_criteria": Row(kwargs=call, expect=staff_only()),
    "calls:manage_call_documents": Row(kwargs=call, expect=staff_only()),
    "calls:manage_call_funding": Row(kwargs=call, expect=staff_only()),
    "calls:manage_call_clone": Row(kwargs=call, expect=staff_only()),
    "calls:manage_call_status": Row(
        kwargs=lambda w: {"slug": w.call.slug, "target": w.status_target}, expect=staff_only()
    ),
    "calls:staff_index": Row(expect=staff_only()),
    "calls:staff_applications": Row(kwargs=call, expect=staff_only()),
    "calls:staff_screening_list": Row(kwargs=call, expect=staff_only()),
    "calls:staff_screening": Row(kwargs=call_app_a, expect=staff_not_a()),
    "calls:staff_conflict_declare": Row(kwargs=call, method="POST", expect=staff_only()),
    "calls:staff_conflict_rule": Row(  # the named person never rules on their own naming
        kwargs=lambda w: {
            "slug": w.call.slug,
            "pk": w.app_a.pk,
            "user_pk": w.users["staff_named"].pk,
        },
        method="POST",
        expect=staff_not_a(staff_named=HIDDEN),
    ),
    # Reviews: the reviewer's side ---------------------------------------------------------
    "reviews:dashboard": Row(),
    "reviews:invitation": Row(kwargs=pending_token, expect=public()),
    "reviews:invitation_accept": Row(  # signed in with another account: the page says 403
        kwargs=pending_token, expect=outcomes(FORBIDDEN, anonymous=OK)
    ),
    "reviews:invitation_decline": Row(kwargs=pending_token, method="POST", expect=public()),
    "reviews:confidentiality": Row(kwargs=call, expect=only(*REVIEWERS)),
    "reviews:my_assignments": Row(),
    "reviews:my_publications": Row(expect=only(*REVIEWERS)),
    "reviews:assignment_detail": Row(kwargs=app_a, expect=only(*ASSIGNED)),
    "reviews:assignment_declare": Row(kwargs=app_a, method="POST", expect=only(*ASSIGNED)),
    "reviews:review_edit": Row(kwargs=app_a, expect=only(*ASSIGNED)),
    "reviews:assignment_document": Row(
        kwargs=lambda w: {"pk": w.app_a.pk, "document_pk": w.doc_a.pk},
        expect=only("assigned_reviewer"),
    ),
    "reviews:decline_place": Row(kwargs=app_a, method="POST", expect=only()),
    # Reviews: staff: pool, conflicts, assignment -------------------------------------------
    "reviews:unit_options": Row(expect=staff_only()),
    "reviews:unit_named": Row(expect=staff_only()),
    "reviews:pool": Row(kwargs=call, expect=staff_only()),
    "reviews:invite": Row(kwargs=call, expect=staff_only()),
    "reviews:invite_bulk": Row(kwargs=call, expect=staff_only()),
    "reviews:invitation_resend": Row(
        kwargs=lambda w: {"slug": w.call.slug, "pk": w.pending_invitation.pk},
        method="POST",
        expect=staff_only(),
    ),
    "reviews:invitation_withdraw": Row(
        kwargs=lambda w: {"slug": w.call.slug, "pk": w.pending_invitation.pk},
        method="POST",
        expect=staff_only(),
    ),
    "reviews:invitation_publications": Row(
        kwargs=lambda w: {"slug": w.call.slug, "pk": w.assignment.invitation_id},
        expect=staff_only(),
    ),
    "reviews:terms_edit": Row(kwargs=call, expect=staff_only()),
    "reviews:conflicts": Row(kwargs=call, expect=staff_only()),
    "reviews:conflict_add": Row(kwargs=call, expect=staff_only()),
    "reviews:conflicts_detect": Row(kwargs=call, method="POST", expect=staff_only()),
    "reviews:conflict_rule": Row(
        kwargs=lambda w: {"slug": w.call.slug, "pk": w.suspected_conflict.pk},
        method="POST",
        expect=staff_only(),
    ),
    "reviews:assignment": Row(kwargs=call, expect=staff_only()),
    "reviews:assignment_application": Row(kwargs=call_app_a, expect=staff_not_a()),
    "reviews:assignment_add": Row(kwargs=call_app_a, method="POST", expect=staff_not_a()),
    "reviews:assignment_remove": Row(
        kwargs=lambda w: {"slug": w.call.slug, "pk": w.app_a.pk, "assignment_pk": w.assignment.pk},
        method="POST",
        expect=staff_not_a(),
    ),
    "reviews:proposal_request": Row(kwargs=call, method="POST", expect=staff_only()),
    "reviews:proposal": Row(kwargs=proposal, expect=staff_only()),
    "reviews:proposal_status": Row(kwargs=proposal, expect=staff_only()),
    "reviews:proposal_edit": Row(kwargs=proposal, method="POST", expect=staff_only()),
    "reviews:proposal_confirm": Row(kwargs=proposal, method="POST", expect=staff_only()),
    # Reviews: staff: progress, scoreboard, selection, reports ------------------------------
    "reviews:progress": Row(kwargs=call, expect=staff_only()),
    "reviews:remind_reviewer": Row(
        kwargs=lambda w: {
            "slug": w.call.slug,
            "invitation_pk": w.undeclared_assignment.invitation_id,
        },
        method="POST",
        expect=staff_only(),
    ),
    "reviews:review_reopen": Row(
        kwargs=lambda w: {"assignment_pk": w.assignment.pk}, method="POST", expect=staff_not_a()
    ),
    "reviews:scoreboard": Row(kwargs=call, expect=staff_only()),
    "reviews:scoreboard_robustness": Row(kwargs=call, expect=staff_only()),
    "reviews:shortlist": Row(kwargs=call, expect=staff_only()),
    "reviews:lists_board": Row(kwargs=call, expect=staff_only()),
    "reviews:lists_move": Row(kwargs=call, method="POST", expect=whole_call_action(INVALID)),
    "reviews:lists_order": Row(kwargs=call, method="POST", expect=whole_call_action(INVALID)),
    "reviews:lists_reset": Row(kwargs=call, method="POST", expect=whole_call_action(INVALID)),
    "reviews:lists_fix": Row(kwargs=call, method="POST", expect=whole_call_action(INVALID)),
    "reviews:decisions": Row(kwargs=call, expect=staff_only()),
    "reviews:decisions_source": Row(kwargs=call, method="POST", expect=whole_call_action(INVALID)),
    "reviews:decisions_decline": Row(
        kwargs=call_app_a, method="POST", expect=whole_call_action(INVALID)
    ),
    "reviews:decisions_fill": Row(kwargs=call, method="POST", expect=whole_call_action(INVALID)),
    "reviews:decisions_close": Row(kwargs=call, method="POST", expect=whole_call_action(INVALID)),
    "reviews:decisions_publish": Row(kwargs=call, method="POST", expect=whole_call_action(INVALID)),
    "reviews:decisions_history": Row(kwargs=call, expect=staff_only()),
    "reviews:call_dashboard": Row(kwargs=call, expect=staff_only()),
    "reviews:exports": Row(kwargs=call, expect=staff_only()),
    "reviews:export": Row(
        kwargs=lambda w: {"slug": w.call.slug, "kind": "reviews", "file_format": "csv"},
        expect=staff_only(),
    ),
    "reviews:dossier": Row(kwargs=call_app_a, expect=staff_not_a()),
    # Awards: fellowships after the decision ---------------------------------------------
    "awards:my_fellowships": Row(),
    "awards:fellowship": Row(kwargs=fellowship, expect=only(*FELLOWSHIP_A_READS)),
    "awards:fellowship_recruit": Row(kwargs=fellowship, expect=only("applicant_a", *STAFF)),
    "awards:fellowship_start": Row(
        kwargs=fellowship, method="POST", expect=only("applicant_a", *STAFF)
    ),
    "awards:fellowship_suspend": Row(kwargs=fellowship, method="POST", expect=staff_only()),
    "awards:fellowship_end": Row(
        kwargs=lambda w: {"pk": w.running_fellowship.pk}, method="POST", expect=staff_only()
    ),
    "awards:fellowship_abandon": Row(kwargs=fellowship, method="POST", expect=staff_only()),
    "awards:fellowship_fail": Row(kwargs=fellowship, method="POST", expect=staff_only()),
    "awards:fellowship_amount": Row(kwargs=fellowship, method="POST", expect=staff_only()),
    "awards:report": Row(kwargs=report_form, expect=only("applicant_a", "fellow_a", *STAFF)),
    "awards:report_file": Row(
        kwargs=lambda w: {"pk": w.fellowship.pk, "report_pk": w.report.pk},
        expect=only(*FELLOWSHIP_A_READS),
    ),
    "awards:call_reports": Row(kwargs=call, expect=staff_only()),
    "awards:milestone_add": Row(kwargs=call, method="POST", expect=staff_only()),
    "awards:milestone_remove": Row(
        kwargs=lambda w: {"slug": w.call.slug, "pk": w.milestone.pk},
        method="POST",
        expect=staff_only(),
    ),
    "awards:donor_contact_add": Row(kwargs=call, method="POST", expect=staff_only()),
    "awards:outputs_export": Row(
        kwargs=lambda w: {"slug": w.call.slug, "file_format": "csv"}, expect=staff_only()
    ),
    "awards:call_fellowships": Row(kwargs=call, expect=staff_only()),
    "awards:call_events": Row(kwargs=call, expect=staff_only()),
    "awards:donor_report": Row(kwargs=source, expect=staff_only()),
    "awards:donor_report_xlsx": Row(kwargs=source, expect=staff_only()),
    "awards:event": Row(kwargs=event, expect=staff_only()),
    "awards:event_invite": Row(kwargs=event, method="POST", expect=staff_only()),
    "awards:event_attendance": Row(kwargs=event, expect=staff_only()),
    # The answer link of the mail: whoever holds it answers, signed in or not.
    "awards:rsvp": Row(kwargs=lambda w: {"token": rsvp_token(w.event_invitation)}, expect=public()),
    "awards:call_settings": Row(kwargs=call, method="POST", expect=staff_only()),
    # Mail ------------------------------------------------------------------------------
    "notifications:outbox": Row(expect=staff_only()),
    "notifications:outbox_release_bulk": Row(expect=staff_only()),
    "notifications:outbox_restored": Row(method="POST", expect=staff_only()),
    "notifications:outbox_detail": Row(kwargs=outbox, expect=staff_only()),
    "notifications:outbox_html": Row(kwargs=outbox, expect=staff_only()),
    "notifications:outbox_edit": Row(kwargs=outbox, expect=staff_only()),
    "notifications:outbox_release": Row(kwargs=outbox, method="POST", expect=staff_only()),
    "notifications:outbox_discard": Row(kwargs=outbox, method="POST", expect=staff_only()),
    "notifications:outbox_retry": Row(kwargs=outbox, method="POST", expect=staff_only()),
    # Embedded mode only (anyone on the machine reads it; 404 in production, tested apart).
    "notifications:dev_mailbox": Row(expect=public()),
    "notifications:dev_mailbox_detail": Row(kwargs=dev_message, expect=public()),
    "notifications:dev_mailbox_html": Row(kwargs=dev_message, expect=public()),
}

# The same URL names in another state of the world.
VARIANTS: dict[str, tuple[str, Row]] = {
    # The assigned reviewer's own link, already accepted: gone for everyone.
    "reviews:invitation@used": (
        "reviews:invitation",
        Row(kwargs=lambda w: {"token": w.invitation.token}, expect=outcomes(GONE, anonymous=GONE)),
    ),
    "reviews:invitation_accept@used": (
        "reviews:invitation_accept",
        Row(kwargs=lambda w: {"token": w.invitation.token}, expect=outcomes(GONE, anonymous=GONE)),
    ),
    # A link that never existed.
    "reviews:invitation@unknown": (
        "reviews:invitation",
        Row(kwargs=lambda w: {"token": UUID(int=1)}, expect=outcomes(HIDDEN, anonymous=HIDDEN)),
    ),
    # B's document through A's address, B's application, another call's slug.
    "calls:document_download@other": (
        "calls:document_download",
        Row(kwargs=lambda w: {"pk": w.app_a.pk, "document_pk": w.doc_b.pk}, expect=only()),
    ),
    "calls:application_detail@b": (
        "calls:application_detail",
        Row(kwargs=lambda w: {"pk": w.app_b.pk}, expect=only("applicant_b", *STAFF)),
    ),
    "reviews:assignment_document@other": (
        "reviews:assignment_document",
        Row(kwargs=lambda w: {"pk": w.app_a.pk, "document_pk": w.doc_b.pk}, expect=only()),
    ),
    "reviews:assignment_detail@b": (
        "reviews:assignment_detail",
        Row(kwargs=lambda w: {"pk": w.app_b.pk}, expect=only()),
    ),
    # The state-changing POSTs of pages that also answer GET.
    "set_language@post": (
        "set_language",
        Row(method="POST", data=lambda w: {"language": "fr"}, expect=public()),
    ),
    "calls:application_withdraw@post": (
        "calls:application_withdraw",
        Row(kwargs=app_a, method="POST", expect=only("applicant_a")),
    ),
    "calls:staff_screening@post": (  # ruling on eligibility
        "calls:staff_screening",
        Row(
            kwargs=call_app_a,
            method="POST",
            data=lambda w: {"decision": "ineligible", "reason": "Ruled by someone."},
            expect=staff_not_a(),
        ),
    ),
    "reviews:shortlist@post": (  # confirming the shortlist
        "reviews:shortlist",
        Row(kwargs=call, method="POST", expect=whole_call_action()),
    ),
    # Application B's evaluation: the staff member who takes part in A sees it as usual.
    "calls:staff_screening@b": (
        "calls:staff_screening",
        Row(kwargs=lambda w: {"slug": w.call.slug, "pk": w.app_b.pk}, expect=staff_only()),
    ),
    "reviews:assignment_application@b": (
        "reviews:assignment_application",
        Row(kwargs=lambda w: {"slug": w.call.slug, "pk": w.app_b.pk}, expect=staff_only()),
    ),
    "reviews:dossier@b": (
        "reviews:dossier",
        Row(kwargs=lambda w: {"slug": w.call.slug, "pk": w.app_b.pk}, expect=staff_only()),
    ),
    # A reviewer's conflict on A (the main row rules on one on B).
    "reviews:conflict_rule@a": (
        "reviews:conflict_rule",
        Row(
            kwargs=lambda w: {"slug": w.call.slug, "pk": w.confirmed_conflict.pk},
            method="POST",
            expect=staff_not_a(),
        ),
    ),
    "notifications:outbox_release_bulk@post": (
        "notifications:outbox_release_bulk",
        Row(method="POST", expect=staff_only()),
    ),
    # The recruitment form, posted (empty: the form says what is missing).
    "awards:fellowship_recruit@post": (
        "awards:fellowship_recruit",
        Row(kwargs=fellowship, method="POST", expect=only("applicant_a", *STAFF, allowed=INVALID)),
    ),
    "awards:call_events@post": (  # creating an event (empty: the form says what is missing)
        "awards:call_events",
        Row(kwargs=call, method="POST", expect=staff_only(INVALID)),
    ),
    "awards:rsvp@forged": (
        "awards:rsvp",
        Row(
            kwargs=lambda w: {"token": "eyJpIjoxfQ:forged:signature"},
            expect=outcomes(HIDDEN, anonymous=HIDDEN),
        ),
    ),
    "awards:rsvp@post": (
        "awards:rsvp",
        Row(
            kwargs=lambda w: {"token": rsvp_token(w.event_invitation)},
            method="POST",
            data=lambda w: {"attends": "yes"},
            expect=public(),
        ),
    ),
    "awards:report@post": (
        "awards:report",
        Row(
            kwargs=report_form,
            method="POST",
            expect=only("applicant_a", "fellow_a", *STAFF, allowed=INVALID),
        ),
    ),
    # B's report form: B is running but A's fellow and coordinator may not report for it.
    "awards:report@b": (
        "awards:report",
        Row(
            kwargs=lambda w: {"pk": w.running_fellowship.pk, "milestone_pk": w.milestone.pk},
            expect=only("applicant_b", *STAFF),
        ),
    ),
    # B's fellowship: its coordinator reads it, A's coordinator and fellow do not.
    "awards:fellowship@b": (
        "awards:fellowship",
        Row(
            kwargs=lambda w: {"pk": w.running_fellowship.pk},
            expect=only("applicant_b", *STAFF),
        ),
    ),
    "calls:manage_call_clone@post": (
        "calls:manage_call_clone",
        Row(kwargs=call, method="POST", expect=staff_only()),
    ),
}

# Cells where the site does not answer as the table says yet: (row key, role) -> reason.
BUGS: dict[tuple[str, str], str] = {}
