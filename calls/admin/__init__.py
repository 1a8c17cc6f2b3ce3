"""Admin registrations, one module per area."""

from . import (  # noqa: F401
    applications,
    calls,
    correspondents,
    reference,
    staff_conflicts,
)
