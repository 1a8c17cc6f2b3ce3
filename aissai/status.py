"""What templates ask about a status, built on its ``TextChoices``: templates never compare
status strings (``tests/test_templates_decide_nothing.py``).

``application.status_is.draft`` is true when the application is a draft. A name that is not
a choice raises :class:`UnknownStatus`, which the template engine does not swallow: a typo
breaks the page in the tests instead of hiding a button for ever.

Whether a person may *do* something is a rule (``{% test_rule %}``), never a status test.
"""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices


class UnknownStatus(Exception):
    """A template asked for a status its choices do not have."""


class StatusFlags:
    def __init__(self, choices: type[TextChoices], value: Any, names: frozenset[str]):
        self._choices = choices
        self._value = value
        self._names = names

    def __getitem__(self, name: str) -> bool:
        if name not in self._names:
            raise UnknownStatus(f"{self._choices.__name__} has no status {name!r}.")
        return self._value == name

    def __str__(self) -> str:
        return str(self._value or "")

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]


class status_flags:  # noqa: N801  (used like ``property``)
    """``status_is = status_flags(ApplicationStatus)`` on a model, or with ``field="..."``
    for another field or annotation holding a value of these choices."""

    def __init__(self, choices: type[TextChoices], field: str = "status"):
        self.choices = choices
        self.field = field
        # ``TextChoices.values`` builds a new list on each access: once here, not for
        # every cell of a table.
        self.names = frozenset(choices.values)

    def __get__(self, obj: Any, owner: type | None = None) -> StatusFlags | status_flags:
        if obj is None:
            return self
        return StatusFlags(self.choices, getattr(obj, self.field, None), self.names)
