"""Mails that a reader of the outbox may not see because of a conflict of interest.

A mail is about an application when the row it is related to (``related``) is that
application or belongs to it: a reviewer's assignment, the reviewer's invitation with an
assignment to it (the mail names the applications assigned), its fellowship. ``aissai``
sits below the apps that hold those rows: each registers, at startup, its related model
and how to find the rows of it that belong to given applications. The outbox pages and
the outbox admin then leave out every mail about an application withheld from the
reader (``aissai.audit.withholding``: the same conflicts as everywhere else), so that a
programme manager in conflict never reads who reviews their application, nor a held
decision mail about it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from aissai.audit.withholding import withheld_application_ids

RowsAbout = Callable[[list[int]], Iterable[int]]
_RELATED: dict[type[Model], RowsAbout] = {}


def register_rows_about_applications(model: type[Model], rows_about: RowsAbout) -> None:
    """``rows_about(application_ids)`` gives the pks of ``model``'s rows that belong to
    those applications (one query)."""
    _RELATED[model] = rows_about


def visible_mails(messages: QuerySet, user: Any) -> QuerySet:
    """``messages`` less the mails about applications withheld from ``user``: one query
    for the withheld ids, and one per registered model only when there are any."""
    ids = sorted(withheld_application_ids(user))
    if not ids:
        return messages
    about = Q(pk__in=[])
    for model, rows_about in _RELATED.items():
        pks = [str(pk) for pk in rows_about(ids)]
        if pks:
            about |= Q(related_type=ContentType.objects.get_for_model(model), related_id__in=pks)
    return messages.exclude(about)
