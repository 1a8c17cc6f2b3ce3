"""What the upper layers tell ``calls`` at startup: ``calls`` never imports them.

``reviews`` owns the funding decisions, the lists and the reviews, so it registers (in its
``AppConfig.ready``):

- the **funding writer**, through which every change to a call's funding sources goes (the
  staff page and nothing else: the admin shows them read-only). It checks the places
  already given, promotes from the complementary list when places are added, and audits;
- the **scoring check**: whether reviews were already scored against a call's criteria,
  after which weights, scales and the set of criteria are fixed;
- **status checks**: what else prevents a call from moving to a status (for example
  "decided" while a main-list place has no decision).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from calls.models import Call, FundingSource


@dataclass(frozen=True)
class FundingChanges:
    """Sources to add (field values), to change (source, new values) and to delete."""

    added: Sequence[dict[str, Any]] = ()
    changed: Sequence[tuple[FundingSource, dict[str, Any]]] = ()
    deleted: Sequence[FundingSource] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.deleted)


class FundingWriter(Protocol):
    def __call__(self, *, call: Call, by: Any, changes: FundingChanges) -> list[str]:
        """Apply ``changes`` in one transaction; returns notes for the member of staff.

        Raises ``calls.services.calls.CallError`` when a change is refused."""


@dataclass
class _Registry:
    funding_writer: FundingWriter | None = None
    scoring_checks: list[Callable[[Call], bool]] = field(default_factory=list)
    status_checks: list[Callable[[Call, str], list[str]]] = field(default_factory=list)


_registry = _Registry()


def register_funding_writer(writer: FundingWriter) -> None:
    _registry.funding_writer = writer


def funding_writer() -> FundingWriter:
    if _registry.funding_writer is None:
        raise RuntimeError("No funding writer registered: is the reviews app installed?")
    return _registry.funding_writer


def register_scoring_check(check: Callable[[Call], bool]) -> None:
    """``check(call)`` is true once a review was scored against the call's criteria."""
    if check not in _registry.scoring_checks:
        _registry.scoring_checks.append(check)


def criteria_in_use(call: Call) -> bool:
    return any(check(call) for check in _registry.scoring_checks)


def register_status_check(check: Callable[[Call, str], list[str]]) -> None:
    """``check(call, to)`` returns what prevents ``call`` from moving to status ``to``."""
    if check not in _registry.status_checks:
        _registry.status_checks.append(check)


def status_check_problems(call: Call, to: str) -> list[str]:
    return [problem for check in _registry.status_checks for problem in check(call, to)]
