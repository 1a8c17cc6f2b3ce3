"""Staff's edits of the panel ranking lists of a call: moving one application, reordering
the lists by hand, and going back to the score order. Each locks the lists, checks the
versions the member of staff saw and the call's status, plans the change, asks for a
reason when it goes against the score order, then writes, records the moves and audits,
through the machinery of ``reviews.services.lists``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.limits import REASON_MAX_CHARS
from calls.models import Call
from reviews.models import RankedList, Selection
from reviews.reasons import Reason, ReasonKind
from reviews.selectors.lists import (
    COMPLEMENTARY,
    MAIN,
    MoveNotPossible,
    against_score_order,
    apply_action,
    cut,
)
from reviews.services.lists import (
    ChangeResult,
    ListError,
    Locked,
    ReasonRequired,
    Seen,
    bump_versions,
    check_draft,
    check_seen,
    load,
    lock,
    normalise,
    record_moves,
    require_staff,
    write_lists,
)
from reviews.services.steps import LISTS, require_call_status


def _plan(
    locked: Locked, *, seen: Seen, reason: str, compute: Callable[[Locked], list[int]]
) -> tuple[list[int], list[int], list[tuple[int, int]]]:
    """Check a change and work out the new lists; raises :class:`ListError` (nothing is
    written here)."""
    require_call_status(locked.call, LISTS, ListError)
    check_draft(locked)
    check_seen(locked, seen)
    try:
        new_listed = compute(locked)
    except MoveNotPossible as error:
        raise ListError(str(error)) from error
    main, complementary = cut(new_listed, *locked.sizes)
    if main + complementary == locked.listed:
        raise ListError(_("Nothing changed."))
    order = locked.order
    against = against_score_order(
        order.full(locked.listed), order.full(main + complementary), order.rank
    )
    if against and not reason:
        first, second = against[0]
        raise ReasonRequired(
            _(
                "This change puts %(first)s above %(second)s, which comes first in the "
                "score order: give a reason."
            )
            % {"first": locked.reference(first), "second": locked.reference(second)}
        )
    return main, complementary, against


def _change(
    *,
    call: Call,
    by: Any,
    seen: Seen,
    reason: str,
    compute: Callable[[Locked], list[int]],
    targets: list[int] | None,
    audit: dict[str, Any],
) -> ChangeResult:
    require_staff(by)
    if not isinstance(reason, Reason):  # a reason the application writes keeps its facts
        reason = (reason or "").strip()[:REASON_MAX_CHARS]
    with transaction.atomic():
        locked = lock(call)
        main, complementary, against = _plan(locked, seen=seen, reason=reason, compute=compute)
        normalise(locked, by)
        before = dict(locked.stored)
        after = write_lists(locked, main, complementary)
        moves = record_moves(
            locked=locked,
            before=before,
            after=after,
            by=by,
            reason=reason,
            targets=targets,
            against={pk for pair in against for pk in pair},
        )
        bump_versions(locked, by)
        record_event(
            actor=by,
            verb="call.lists.changed",
            target=locked.call,
            data={
                **audit,
                "reason": reason,
                "against_score_order": [
                    [locked.reference(a), locked.reference(b)] for a, b in against
                ],
                "main": main,
                "complementary": complementary,
                "versions": [locked.lists[MAIN].version, locked.lists[COMPLEMENTARY].version],
            },
        )
    return ChangeResult(moves=moves, against=against, changed=True)


def _new_order(main_ids: list[int], complementary_ids: list[int]):
    def compute(locked: Locked) -> list[int]:
        sequence = [int(pk) for pk in [*main_ids, *complementary_ids]]
        if any(pk not in locked.order.rank for pk in sequence):
            raise MoveNotPossible(_("Only shortlisted applications can be placed on the lists."))
        if len(set(sequence)) != len(sequence):
            raise MoveNotPossible(_("An application may appear only once on the lists."))
        return sequence

    return compute


def check_reorder(
    *, call: Call, main_ids: list[int], complementary_ids: list[int], seen: Seen, reason: str = ""
) -> None:
    """The checks of :func:`reorder_lists`, without locking or writing (for forms)."""
    lists = {r.kind: r for r in RankedList.objects.filter(call=call).select_related("updated_by")}
    for kind in (MAIN, COMPLEMENTARY):
        lists.setdefault(kind, RankedList(call=call, kind=kind, updated_at=timezone.now()))
    selection = Selection.objects.filter(call=call).first() or Selection(call=call)
    locked = load(call, selection, lists)
    _plan(
        locked,
        seen=seen,
        reason=(reason or "").strip(),
        compute=_new_order(main_ids, complementary_ids),
    )


def move_application(
    *, call: Call, by: Any, application_id: int, action: str, seen: Seen, reason: str = ""
) -> ChangeResult:
    """One keyboard move: up, down, to the other list, onto a list or off the lists."""

    def compute(locked: Locked) -> list[int]:
        if application_id not in locked.order.rank:
            raise MoveNotPossible(_("This application is not shortlisted."))
        return apply_action(
            locked.listed,
            application_id,
            action,
            main_size=locked.sizes[0],
            complementary_size=locked.sizes[1],
        )

    return _change(
        call=call,
        by=by,
        seen=seen,
        reason=reason,
        compute=compute,
        targets=[application_id],
        audit={"action": action, "application": application_id},
    )


def reorder_lists(
    *,
    call: Call,
    by: Any,
    main_ids: list[int],
    complementary_ids: list[int],
    seen: Seen,
    reason: str = "",
    moved_id: int | None = None,
) -> ChangeResult:
    """Save a whole new order (drag and drop, the admin). The lists keep their sizes: what
    overflows the main list starts the complementary list, and so on. ``moved_id`` is the
    application moved on purpose (every changed place counts as moved without it)."""
    return _change(
        call=call,
        by=by,
        seen=seen,
        reason=reason,
        compute=_new_order(main_ids, complementary_ids),
        targets=None if moved_id is None else [int(moved_id)],
        audit={"action": "reorder", "application": moved_id},
    )


def reset_to_score_order(*, call: Call, by: Any, seen: Seen, reason: str = "") -> ChangeResult:
    """Put the lists back in the score order (never against it, so no reason is needed)."""
    return _change(
        call=call,
        by=by,
        seen=seen,
        reason=reason or Reason(ReasonKind.RESET),
        compute=lambda locked: list(locked.order.ids),
        targets=None,
        audit={"action": "reset"},
    )
