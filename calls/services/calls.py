"""Every write to a call: create, edit, its criteria, documents and funding, clone, status.

Keyword-only functions, each in one transaction with an audit event. Call status moves
only through :func:`change_call_status` and the :data:`CALL_TRANSITIONS` table.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import BaseModelFormSet
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.concurrency import EditBase, SavedEdit, merge_edit
from calls.hooks import status_check_problems
from calls.models import Call, Criterion, RequiredDocument
from calls.models import CallStatus as S


class CallError(Exception):
    """A change the call's state does not allow; ``problems`` are messages for people."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(str(problem) for problem in self.problems))


# status -> the statuses staff may move a call to from there.
CALL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (S.OPEN,),
    S.OPEN: (S.CLOSED, S.DRAFT),  # back to draft only while nobody has applied
    S.CLOSED: (S.IN_REVIEW, S.OPEN),  # reopened only with a deadline still ahead
    S.IN_REVIEW: (S.SELECTION,),
    S.SELECTION: (S.DECIDED,),
    S.DECIDED: (S.ARCHIVED,),
    S.ARCHIVED: (),
}

# Fields fixed once the call leaves draft (addresses, references and the consortium rule).
DRAFT_ONLY_FIELDS = frozenset(
    {"slug", "edition_year", "reference_prefix", "min_institutes", "min_units"}
)
# Statuses in which each part of a call may still be edited.
EDITABLE_IN = {
    "call": {S.DRAFT, S.OPEN, S.CLOSED, S.IN_REVIEW, S.SELECTION},
    "criteria": {S.DRAFT, S.OPEN, S.CLOSED},  # reviews are scored against them from review on
    "documents": {S.DRAFT, S.OPEN},  # applicants upload against this list until the deadline
    "funding": {S.DRAFT, S.OPEN, S.CLOSED, S.IN_REVIEW, S.SELECTION},
}
RESERVED_SLUGS = frozenset(
    {"new", "manage", "staff", "call", "applications", "apply", "correspondents", "institute"}
)


def allowed_call_targets(call: Call) -> tuple[str, ...]:
    return CALL_TRANSITIONS.get(call.status, ())


def can_edit(call: Call, part: str) -> bool:
    return call.status in EDITABLE_IN[part]


def locked_call_fields(call: Call | None) -> frozenset[str]:
    """Fields of the call form that cannot change in the call's current status."""
    if call is None or call.pk is None or call.status == S.DRAFT:
        return frozenset()
    return DRAFT_ONLY_FIELDS


def create_call(*, by: Any, values: Mapping[str, Any]) -> Call:
    """A new call, always a draft."""
    with transaction.atomic():
        call = Call(**{**values, "status": S.DRAFT})
        _check_slug(call.slug)
        call.full_clean()
        call.save()
        record_event(actor=by, verb="call.created", target=call, data={"slug": call.slug})
    return call


def update_problems(
    *, call: Call, values: Mapping[str, Any], now: datetime | None = None
) -> list[str]:
    """Why ``values`` cannot be saved on ``call`` as it is stored (empty when they can); the
    checks of :func:`update_call`, for forms that validate before saving (the admin)."""
    now = now or timezone.now()
    if not can_edit(call, "call"):
        return [_("This call can no longer be edited.")]
    changed = {name: value for name, value in values.items() if getattr(call, name) != value}
    problems = []
    frozen = sorted(set(changed) & locked_call_fields(call))
    if frozen:
        problems.append(
            _("These fields are fixed once the call is open: %s.")
            % ", ".join(str(Call._meta.get_field(name).verbose_name) for name in frozen)
        )
    if call.status == S.OPEN and "closes_at" in changed and changed["closes_at"] <= now:
        problems.append(
            _("To end submissions before the deadline, close the call and give a reason.")
        )
    return problems


def call_base(call: Call, names: Iterable[str]) -> EditBase:
    """What the call's edit form, loaded now with the fields ``names``, is based on."""
    return EditBase.of(revision=call.revision, values={n: getattr(call, n) for n in names})


def update_call(
    *,
    call: Call,
    by: Any,
    values: Mapping[str, Any],
    base: EditBase | None = None,
    now: datetime | None = None,
    via: str = "",
) -> SavedEdit:
    """Change the call's fields; what its status fixes cannot change. With ``base`` (what
    the edit form was loaded with), changes saved meanwhile by someone else are merged
    field by field; the same field changed by both raises :class:`EditConflict`. ``via``
    names the page that made the change when it is not the call's staff page
    (``"admin"``)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if not can_edit(locked, "call"):
            raise CallError(_("This call can no longer be edited."))
        merge = merge_edit(
            base=base,
            revision=locked.revision,
            submitted=values,
            saved={name: getattr(locked, name) for name in values},
        )
        problems = update_problems(call=locked, values=merge.values, now=now)
        if problems:
            raise CallError(problems)
        changed = {
            name: value for name, value in merge.values.items() if getattr(locked, name) != value
        }
        if "slug" in changed:
            _check_slug(changed["slug"])
        for name, value in changed.items():
            setattr(locked, name, value)
        if changed:
            locked.revision += 1
        locked.full_clean()
        locked.save()
        if changed:
            record_event(
                actor=by,
                verb="call.updated",
                target=locked,
                data={
                    "changed": {name: _plain(value) for name, value in changed.items()},
                    **({"via": via} if via else {}),
                },
            )
    call.refresh_from_db()
    return SavedEdit(changed=list(changed), kept=merge.kept, stale=merge.stale)


def save_call_items(*, call: Call, by: Any, part: str, formset: BaseModelFormSet) -> None:
    """Save a valid formset of the call's criteria or documents (funding sources change
    only through ``calls.services.funding.save_funding``)."""
    if part == "funding":
        raise ValueError("Funding sources change through calls.services.funding.")
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if not can_edit(locked, part):
            raise CallError(_("This part of the call can no longer be edited."))
        saved = formset.save()
        record_event(
            actor=by,
            verb=f"call.{part}.saved",
            target=locked,
            data={
                "saved": [str(item) for item in saved],
                "deleted": [str(item) for item in formset.deleted_objects],
            },
        )


def clone_call(
    *,
    source: Call,
    by: Any,
    edition_year: int | None = None,
    slug: str = "",
    reference_prefix: str = "",
) -> Call:
    """A draft new edition of ``source``: dates shifted by the years between the editions,
    criteria, required documents and rules copied; no funding sources, no applications.
    The reference prefix is the source's unless another call of the new year uses it
    (then the first free one, :func:`suggest_reference_prefix`); a prefix given that
    another call of the year uses is refused (``ValidationError``)."""
    edition_year = edition_year or source.edition_year + 1
    years = edition_year - source.edition_year
    with transaction.atomic():
        slug = slug or suggest_slug(source.slug, source.edition_year, edition_year)
        _check_slug(slug)
        reference_prefix = reference_prefix or suggest_reference_prefix(
            source.reference_prefix, edition_year
        )
        old_year, new_year = str(source.edition_year), str(edition_year)
        call = Call.objects.get(pk=source.pk)
        call.pk = call.id = None
        call._state.adding = True
        call.status = S.DRAFT
        call.slug = slug
        call.edition_year = edition_year
        call.reference_prefix = reference_prefix
        call.title_en = source.title_en.replace(old_year, new_year)
        call.title_fr = source.title_fr.replace(old_year, new_year)
        call.opens_at = shift_years(source.opens_at, years)
        call.closes_at = shift_years(source.closes_at, years)
        call.review_deadline = shift_years(source.review_deadline, years)
        call.next_reference_number = 1
        call.cloned_from = source
        call.full_clean()
        call.save()
        for criterion in Criterion.objects.filter(call=source):
            criterion.pk = criterion.id = None
            criterion._state.adding = True
            criterion.call = call
            criterion.save()
        for document in RequiredDocument.objects.filter(call=source):
            document.pk = document.id = None
            document._state.adding = True
            document.call = call
            document.save()
        record_event(
            actor=by,
            verb="call.cloned",
            target=call,
            data={"source": source.pk, "source_slug": source.slug, "years": years},
        )
    return call


def shift_years(moment: datetime, years: int) -> datetime:
    """The same wall-clock time in Paris ``years`` later (29 February becomes the 28th)."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    try:
        shifted = local.replace(year=local.year + years)
    except ValueError:
        shifted = local.replace(year=local.year + years, day=28)
    return shifted


def status_blockers(*, call: Call, to: str, now: datetime | None = None) -> list[str]:
    """What prevents ``call`` from moving to ``to`` whatever staff confirm."""
    now = now or timezone.now()
    if to not in allowed_call_targets(call):
        return [
            _("A call cannot go from “%(from)s” to “%(to)s”.")
            % {"from": call.get_status_display(), "to": S(to).label}
        ]
    problems: list[str] = []
    if to == S.OPEN:
        if not call.criteria.exists():
            problems.append(_("Add at least one review criterion."))
        if not call.required_documents.filter(is_required=True).exists():
            problems.append(_("Add at least one required document."))
        if not (call.opens_at < call.closes_at < call.review_deadline):
            problems.append(
                _("The dates must be in order: opening, submission deadline, review deadline.")
            )
        if call.closes_at <= now:
            problems.append(_("The submission deadline has passed: set a new one first."))
    elif to == S.DRAFT and call.applications.exists():
        problems.append(_("People have already started applications: the call stays open."))
    problems.extend(status_check_problems(call, to))  # what the upper apps registered
    return problems


def date_warnings(*, call: Call, now: datetime | None = None) -> list[str]:
    """What staff should hear when they save a call whose dates are already behind it
    (saved all the same: they may be fixing the call in several steps)."""
    now = now or timezone.now()
    if call.closes_at is None or call.closes_at > now:
        return []
    if call.status == S.DRAFT:
        return [
            _(
                "The submission deadline is already past: the call cannot be opened until "
                "you set a new one."
            )
        ]
    if call.status == S.OPEN:
        return [_("The submission deadline is already past: submissions are now refused.")]
    return []


def status_problems(
    *, call: Call, to: str, force: bool = False, reason: str = "", now: datetime | None = None
) -> list[str]:
    """Why ``call`` cannot move to ``to`` now (an empty list when it can).

    Closing before the deadline is possible only when forced, with a written reason.
    """
    now = now or timezone.now()
    problems = status_blockers(call=call, to=to, now=now)
    if not problems and to == S.CLOSED and now < call.closes_at:
        if not force:
            problems.append(
                _(
                    "The submission deadline has not passed yet. To close the call early, "
                    "confirm it and give a reason."
                )
            )
        elif not reason.strip():
            problems.append(_("Closing before the deadline needs a written reason."))
    return problems


def change_call_status(
    *,
    call: Call,
    to: str,
    by: Any,
    reason: str = "",
    force: bool = False,
    now: datetime | None = None,
) -> Call:
    """Move ``call`` to ``to`` if the table and the checks allow it; audited.

    Closing before the deadline needs ``force`` and a written ``reason`` (both recorded).
    Raises :class:`CallError` with every problem found.
    """
    now = now or timezone.now()
    if not getattr(by, "is_programme_staff", False):
        raise CallError(_("Only programme staff may do this."))
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        problems = status_problems(call=locked, to=to, force=force, reason=reason, now=now)
        if problems:
            raise CallError(problems)
        previous = locked.status
        early = to == S.CLOSED and now < locked.closes_at
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
        record_event(
            actor=by,
            verb=f"call.status.{to}",
            target=locked,
            data={
                "from": previous,
                "to": to,
                "reason": reason.strip(),
                "forced": early,
                "deadline": locked.closes_at if early else None,
            },
        )
    call.refresh_from_db()
    return locked


def _check_slug(slug: str) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("“%s” is reserved: choose another short name.") % slug})


def suggest_slug(slug: str, old_year: int, new_year: int) -> str:
    """The short name of a new edition: the year replaced (or added), unique."""
    base = slug.replace(str(old_year), str(new_year)) if str(old_year) in slug else ""
    base = base or f"{slug}-{new_year}"
    base = base[:72]
    candidate, n = base, 2
    while Call.objects.filter(slug=candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def reference_prefix_taken(prefix: str, year: int, *, exclude_pk: int | None = None) -> bool:
    """Another call of ``year`` uses ``prefix`` (case aside): their references would clash."""
    calls = Call.objects.filter(reference_prefix__iexact=prefix, edition_year=year)
    return calls.exclude(pk=exclude_pk).exists() if exclude_pk else calls.exists()


def suggest_reference_prefix(prefix: str, year: int) -> str:
    """``prefix`` if no other call of ``year`` uses it, else the first free of ``prefix2``,
    ``prefix3``..."""
    field = Call._meta.get_field("reference_prefix")
    candidate, n = prefix, 2
    while reference_prefix_taken(candidate, year):
        suffix = str(n)
        candidate, n = f"{prefix[: field.max_length - len(suffix)]}{suffix}", n + 1
    return candidate


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | list | type(None)) else str(value)
