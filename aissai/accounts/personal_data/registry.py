"""What each app holds about a person, registered by the app itself.

``aissai`` sits below ``calls`` and ``reviews`` and never reads their models. Each app
that holds personal data registers a :class:`Holder` from its ``AppConfig.ready``; the
download, the anonymisation and the retention period ask every registered holder, in
the order the apps are installed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aissai.accounts.models import User


@dataclass(frozen=True)
class Person:
    """The person asked about: an e-mail address (normalised) and, when there is one,
    the account under it. Partner leads and experts may have no account."""

    email: str
    user: User | None = None


@dataclass(frozen=True)
class Participation:
    """A call the person took part in, as one app sees it."""

    call_id: int
    label: str  # the call's title, for the message saying it is still running
    finished: bool  # the call is decided or archived: the retention period may start
    moments: tuple[datetime, ...] = ()  # when the call needed its people (deadlines...)


@dataclass(frozen=True)
class Holder:
    """One app's part. Every hook is optional.

    - ``profile(person)``: entries added to the download's profile section;
    - ``export(person)``: sections of the download (name -> JSON-ready value);
    - ``anonymise(person, token, by)``: rewrite what names the person; returns counts;
    - ``participation(person)``: the calls the person took part in;
    - ``call_moments(call_ids)``: further moments each call needed its people (its
      decisions, its selection), for any call a holder reported;
    - ``ongoing_roles(person)``: roles that keep the retention period from starting.
    """

    label: str
    profile: Callable[[Person], dict[str, Any]] | None = None
    export: Callable[[Person], dict[str, Any]] | None = None
    anonymise: Callable[[Person, str, Any], dict[str, int]] | None = None
    participation: Callable[[Person], list[Participation]] | None = None
    call_moments: Callable[[Collection[int]], dict[int, list[datetime]]] | None = None
    ongoing_roles: Callable[[Person], list[str]] | None = None


_HOLDERS: dict[str, Holder] = {}


def register_holder(holder: Holder) -> None:
    """Called from an ``AppConfig.ready``; registering the same label again replaces it."""
    _HOLDERS[holder.label] = holder


def holders() -> list[Holder]:
    return list(_HOLDERS.values())
