"""Writes to the panel ranking lists (main and complementary) of a call: the machinery
that the staff's edits (``reviews.services.list_edits``) and the funding decisions
(``reviews.services.decisions``) share.

Every write runs in one transaction that first locks the call row and the call's two
:class:`~reviews.models.RankedList` rows (``select_for_update``), then checks that the
versions the member of staff saw are still the current ones: if another save came in
between, nothing is written and :class:`StaleLists` says so. Each write bumps both
versions. Positions are rewritten in two phases (every entry moved far out of the way,
then to its final place) so the unique (list, position) constraint holds at every
statement, on PostgreSQL and SQLite alike.

A change that puts an application above one with a higher score (see
``reviews.selectors.lists.against_score_order``) needs a written reason
(:class:`ReasonRequired` otherwise). Each application moved on purpose gets a
:class:`~reviews.models.ListMove` row; others that change list because of it get a row
pointing to that move. Before their first save the lists are the score order: the first
save writes it (audited) before applying the change. Once the lists are fixed
(``reviews.services.decisions.fix_lists``) they change only through funding decisions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from aissai.audit.services import record_event

# Re-exported: reviews.services.decisions imports it from here.
from aissai.limits import REASON_MAX_CHARS as REASON_MAX_CHARS
from calls.models import Call
from reviews.models import ListEntry, ListMove, MoveKind, RankedList, Selection
from reviews.reasons import Reason, ReasonKind, reason_fields
from reviews.selectors.lists import (
    COMPLEMENTARY,
    MAIN,
    ScoreOrder,
    candidate_indices,
    cut,
    draft_sequence,
    listed_sequence,
    ranking_sizes,
    score_order_at,
    stored_split,
)
from reviews.selectors.scoreboard import Scoreboard, build_scoreboard

# Far above any real position: phase one of a rewrite moves every entry up there.
_PARKING = 1_000_000


class ListError(Exception):
    """The lists cannot be changed as asked (the message is for people)."""


class StaleLists(ListError):
    """Someone saved the lists after this page was loaded: nothing was written."""


class ReasonRequired(ListError):
    """The change goes against the score order and no reason was given."""


class DecisionError(ListError):
    """A funding decision cannot be made as asked (the message is for people)."""


@dataclass(frozen=True)
class Seen:
    """The list versions the member of staff loaded."""

    main: int
    complementary: int


@dataclass
class Locked:
    """The call, its selection and lists, locked for this transaction, with the scores."""

    call: Call
    selection: Selection
    lists: dict[str, RankedList]
    board: Scoreboard
    order: ScoreOrder
    sizes: tuple[int, int]
    stored: dict[int, tuple[str, int]]  # application id -> (list, position) in the database
    listed: list[int]  # the lists as staff see them: main then complementary

    @property
    def started(self) -> bool:
        return any(ranked.version for ranked in self.lists.values())

    def reference(self, application_id: int) -> str:
        return self.board.references().get(application_id, str(application_id))


@dataclass
class ChangeResult:
    moves: list[ListMove] = field(default_factory=list)
    against: list[tuple[int, int]] = field(default_factory=list)
    changed: bool = False


def require_staff(by: Any) -> None:
    if not getattr(by, "is_programme_staff", False):
        raise ListError(_("Only programme staff may do this."))


def lock(call: Call) -> Locked:
    """Lock the call and its lists (made on first use) and read them; inside a transaction."""
    locked_call = Call.objects.select_for_update().get(pk=call.pk)
    selection = Selection.objects.get_or_create(call=locked_call)[0]
    for kind in (MAIN, COMPLEMENTARY):
        RankedList.objects.get_or_create(call=locked_call, kind=kind)
    lists = {
        ranked.kind: ranked
        for ranked in RankedList.objects.select_for_update(of=("self",))
        .filter(call=locked_call)
        .select_related("updated_by")
        .order_by("kind")
    }
    return load(locked_call, selection, lists)


def load(call: Call, selection: Selection, lists: dict[str, RankedList]) -> Locked:
    board = build_scoreboard(call)
    sizes = ranking_sizes(board)
    entries = list(
        ListEntry.objects.filter(ranked_list__call=call).values_list(
            "application_id", "ranked_list__kind", "position"
        )
    )
    started = any(ranked.version for ranked in lists.values())
    if selection.is_fixed:
        order = score_order_at(board, candidate_indices(board, fixed=True), sizes[0])
        listed = listed_sequence(entries)
    else:
        order = score_order_at(board, candidate_indices(board, fixed=False), sizes[0])
        listed = draft_sequence(order, entries, started, sizes)
    return Locked(
        call=call,
        selection=selection,
        lists=lists,
        board=board,
        order=order,
        sizes=sizes,
        stored={pk: (kind, position) for pk, kind, position in entries},
        listed=listed,
    )


def check_seen(locked: Locked, seen: Seen) -> None:
    main, complementary = locked.lists[MAIN], locked.lists[COMPLEMENTARY]
    if (seen.main, seen.complementary) == (main.version, complementary.version):
        return
    latest = max((main, complementary), key=lambda ranked: ranked.updated_at)
    raise StaleLists(
        _(
            "The lists changed since you loaded them (saved by %(who)s on %(when)s). "
            "Nothing was saved: here are the lists as they are now."
        )
        % {
            "who": getattr(latest.updated_by, "full_name", "") or _("someone"),
            "when": date_format(localtime(latest.updated_at), "SHORT_DATETIME_FORMAT"),
        }
    )


def check_draft(locked: Locked) -> None:
    if locked.selection.is_fixed:
        raise ListError(_("The lists are fixed: they now change only through funding decisions."))


def require_fixed(locked: Locked) -> None:
    if not locked.selection.is_fixed:
        raise DecisionError(_("Fix the lists first."))


def write_lists(
    locked: Locked, main_ids: list[int], complementary_ids: list[int]
) -> dict[int, tuple[str, int]]:
    """Make the stored lists exactly ``main_ids`` and ``complementary_ids`` (in order);
    returns the new places. Entries of applications on neither list are deleted."""
    wanted = {pk: (MAIN, index) for index, pk in enumerate(main_ids, start=1)}
    wanted.update({pk: (COMPLEMENTARY, i) for i, pk in enumerate(complementary_ids, start=1)})
    if len(wanted) != len(main_ids) + len(complementary_ids):
        raise ListError(_("An application may appear only once on the lists."))
    lists = locked.lists
    entries = {
        e.application_id: e for e in ListEntry.objects.filter(ranked_list__in=lists.values())
    }
    gone = [entry.pk for pk, entry in entries.items() if pk not in wanted]
    if gone:
        ListEntry.objects.filter(pk__in=gone).delete()
    kept = [entry for pk, entry in entries.items() if pk in wanted]
    if kept:
        # Phase one: out of the way of every final position; phase two: final places.
        ListEntry.objects.filter(pk__in=[e.pk for e in kept]).update(
            position=F("position") + _PARKING
        )
        for entry in kept:
            kind, position = wanted[entry.application_id]
            entry.ranked_list = lists[kind]
            entry.position = position
        ListEntry.objects.bulk_update(kept, ["ranked_list", "position"])
    new = [pk for pk in wanted if pk not in entries]
    if new:
        ListEntry.objects.bulk_create(
            ListEntry(ranked_list=lists[wanted[pk][0]], application_id=pk, position=wanted[pk][1])
            for pk in new
        )
    locked.stored = dict(wanted)
    return dict(wanted)


def bump_versions(locked: Locked, by: Any) -> None:
    now = timezone.now()
    RankedList.objects.filter(pk__in=[r.pk for r in locked.lists.values()]).update(
        version=F("version") + 1, updated_by=by, updated_at=now
    )
    for ranked in locked.lists.values():
        ranked.refresh_from_db(fields=["version", "updated_at", "updated_by"])


def record_moves(
    *,
    locked: Locked,
    before: dict[int, tuple[str, int]],
    after: dict[int, tuple[str, int]],
    by: Any,
    reason: str,
    targets: Iterable[int] | None,
    against: set[int],
    target_kind: str = MoveKind.MOVED,
    sources: dict[int, Any] | None = None,
) -> list[ListMove]:
    """One row per target whose place changed (every changed place when ``targets`` is
    None); one row for each other application that changed list or left the lists,
    caused by the first target's row."""
    now = timezone.now()
    changed = [pk for pk in {**before, **after} if before.get(pk) != after.get(pk)]
    target_ids = changed if targets is None else [pk for pk in targets if pk in changed]

    def move(pk: int, kind: str, cause: ListMove | None = None) -> ListMove:
        old, new = before.get(pk, ("", None)), after.get(pk, ("", None))
        return ListMove(
            call=locked.call,
            application_id=pk,
            kind=kind,
            from_list=old[0],
            from_position=old[1],
            to_list=new[0],
            to_position=new[1],
            against_score_order=pk in against,
            **reason_fields(reason),
            funding_source=(sources or {}).get(pk),
            caused_by=cause,
            by=by,
            at=now,
        )

    rows = []
    for pk in target_ids:
        row = move(pk, target_kind)
        row.save()
        rows.append(row)
    cause = rows[0] if rows else None
    others = [
        move(pk, MoveKind.SHIFTED if pk in after else MoveKind.REMOVED, cause)
        for pk in changed
        if pk not in target_ids and before.get(pk, ("",))[0] != after.get(pk, ("",))[0]
    ]
    return rows + ListMove.objects.bulk_create(others)


def normalise(locked: Locked, by: Any) -> None:
    """Save the lists as staff see them, when the stored ones differ: the score order before
    the first save, or a re-cut after the number of funded places or the shortlist changed."""
    stored = stored_split((pk, kind, pos) for pk, (kind, pos) in locked.stored.items())
    main, complementary = cut(locked.listed, *locked.sizes)
    if locked.started and stored == (main, complementary):
        return
    before = dict(locked.stored)
    after = write_lists(locked, main, complementary)
    if not locked.started:
        record_event(
            actor=by,
            verb="call.lists.created",
            target=locked.call,
            data={"main": main, "complementary": complementary, "sizes": list(locked.sizes)},
        )
        return
    reason = Reason(ReasonKind.RECUT, main=locked.sizes[0], complementary=locked.sizes[1])
    record_moves(
        locked=locked, before=before, after=after, by=by, reason=reason, targets=[], against=set()
    )
    record_event(
        actor=by,
        verb="call.lists.recut",
        target=locked.call,
        data={"main": main, "complementary": complementary, "sizes": list(locked.sizes)},
    )
