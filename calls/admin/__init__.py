"""Admin registrations, one module per area."""

from . import applications, calls, reference  # noqa: F401
