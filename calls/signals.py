"""Signals the calls app sends for changes made in bulk (no model signal is sent then)."""

from django.dispatch import Signal

# Sent after an import created or updated units in bulk (``calls.services.reference``),
# inside its transaction.
units_imported = Signal()
