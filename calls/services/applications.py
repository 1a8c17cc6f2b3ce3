"""Writes on application drafts: start one, save what was typed (complete or not)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.concurrency import EditBase, SavedEdit, merge_edit
from calls.models import Application, ApplicationStatus, Call, ExcludedReviewer
from calls.models.application import (
    EXCLUDED_REVIEWERS_MAX,
    KEYWORD_MAX_CHARS,
    KEYWORDS_MAX,
    TEXT_MAX_CHARS,
)
from calls.selectors.applications import open_application_for


class ApplicationError(Exception):
    """An action refused for a reason the person can act on (the message is for them)."""


DRAFT_FIELDS = (
    "title",
    "acronym",
    "abstract",
    "keywords",
    "ai_side",
    "science_side",
    "postdoc_profile",
    "planned_start",
    "industry_interest",
)
EXCLUDED_FIELDS = ("name", "institution", "email", "reason")


def lock_draft(*, application: Application, by: Any) -> Application:
    """Lock the application's row for this transaction; only its coordinator's draft passes."""
    locked = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    if by is None or locked.coordinator_id != by.pk:
        raise ApplicationError(_("Only the coordinator of this application may change it."))
    if locked.status != ApplicationStatus.DRAFT:
        raise ApplicationError(
            _("This application is no longer a draft: it can no longer be changed.")
        )
    return locked


def start_application(*, call: Call, by: Any) -> Application:
    """The coordinator's draft for ``call``: the existing one, or a new one if the call is open."""
    with transaction.atomic():
        Call.objects.select_for_update().filter(pk=call.pk).first()  # one start at a time
        existing = open_application_for(user=by, call=call)
        if existing is not None:
            return existing
        if not call.accepts_submissions():
            raise ApplicationError(_("This call is not open for applications."))
        application = Application.objects.create(call=call, coordinator=by)
        record_event(actor=by, verb="application.created", target=application)
    return application


def _check_lengths(application: Application, fields: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    limits = {"abstract": application.call.abstract_max_chars}
    limits.update(dict.fromkeys(("ai_side", "science_side", "postdoc_profile"), TEXT_MAX_CHARS))
    for name, limit in limits.items():
        if name in fields and len(fields[name] or "") > limit:
            errors[name] = _("At most %(limit)d characters.") % {"limit": limit}
    keywords = fields.get("keywords") or []
    if len(keywords) > KEYWORDS_MAX or any(len(k) > KEYWORD_MAX_CHARS for k in keywords):
        errors["keywords"] = _("At most %(n)d keywords of %(chars)d characters each.") % {
            "n": KEYWORDS_MAX,
            "chars": KEYWORD_MAX_CHARS,
        }
    if errors:
        raise ValidationError(errors)


def _save_excluded_reviewers(application: Application, slots: list[dict | None]) -> bool:
    """Slot by slot: a dict replaces the person in that slot (an empty dict clears it),
    ``None`` keeps what was saved there (a slot whose input was invalid)."""
    if len(slots) > EXCLUDED_REVIEWERS_MAX:
        raise ValidationError(
            _("At most %(n)d reviewers can be excluded.") % {"n": EXCLUDED_REVIEWERS_MAX}
        )
    existing = [
        {name: getattr(row, name) for name in EXCLUDED_FIELDS}
        for row in application.excluded_reviewers.order_by("id")
    ]
    kept: list[dict] = []
    for index in range(EXCLUDED_REVIEWERS_MAX):
        slot = slots[index] if index < len(slots) else {}
        if slot is None:
            if index < len(existing):
                kept.append(existing[index])
        elif (slot.get("name") or "").strip():
            kept.append({name: (slot.get(name) or "").strip() for name in EXCLUDED_FIELDS})
    if kept == existing:
        return False
    application.excluded_reviewers.all().delete()
    ExcludedReviewer.objects.bulk_create(
        ExcludedReviewer(application=application, **values) for values in kept
    )
    return True


def draft_values(application: Application) -> dict[str, Any]:
    """The draft's fields as the edit form shows them (and compares them)."""
    return {
        **{name: getattr(application, name) for name in DRAFT_FIELDS},
        "disciplines": list(application.disciplines.all()),
    }


def draft_base(application: Application) -> EditBase:
    """What an edit form loaded now is based on."""
    return EditBase.of(revision=application.revision, values=draft_values(application))


def save_draft(
    *,
    application: Application,
    by: Any,
    fields: dict[str, Any],
    disciplines: list | None = None,
    excluded_reviewers: list[dict | None] | None = None,
    base: EditBase | None = None,
) -> SavedEdit:
    """Save the given draft fields (only those given: invalid input or a field left out of
    the request is left out by the caller, so what was saved before stays).

    With ``base`` (what the form was loaded with), a draft saved elsewhere since then is
    merged field by field; the same field changed both here and there raises
    :class:`EditConflict` and nothing is saved."""
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ValueError(f"Not draft fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = lock_draft(application=application, by=by)
        submitted = dict(fields)
        if disciplines is not None:
            submitted["disciplines"] = list(disciplines)
        merge = merge_edit(
            base=base, revision=locked.revision, submitted=submitted, saved=draft_values(locked)
        )
        values = merge.values
        _check_lengths(locked, values)
        changed = [
            name
            for name, value in values.items()
            if name in DRAFT_FIELDS and getattr(locked, name) != value
        ]
        for name in changed:
            setattr(locked, name, values[name])
        if "disciplines" in values:
            new_ids = {d.pk for d in values["disciplines"]}
            if new_ids != set(locked.disciplines.values_list("pk", flat=True)):
                locked.disciplines.set(values["disciplines"])
                changed.append("disciplines")
        if excluded_reviewers is not None and _save_excluded_reviewers(locked, excluded_reviewers):
            changed.append("excluded_reviewers")
        update = [*[c for c in changed if c in DRAFT_FIELDS], "updated_at"]
        if changed:
            locked.revision += 1
            update.append("revision")
        locked.save(update_fields=update)
        if changed:
            record_event(
                actor=by, verb="application.draft_saved", target=locked, data={"fields": changed}
            )
    application.refresh_from_db()
    return SavedEdit(changed=changed, kept=merge.kept, stale=merge.stale)
