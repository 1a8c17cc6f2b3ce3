"""Personal data: everything the platform holds about one person, as a download, and
the anonymisation of a person once the retention period is over.

A person's data spans every app: their account, the applications they coordinate, the
partner entries naming them, their reviewer profile and reviews, the mails sent to them
and what they did. ``aissai`` sits below ``calls`` and ``reviews``, so this package never
imports them nor reads their models: each of them registers what it holds about a person
(``registry.register_holder``, from its ``AppConfig.ready``) and this package asks every
registered holder.

- ``export_personal_data(user=...)``: the JSON download, audited.
- ``retention_status(email=...)``: when the person's data may be anonymised.
- ``anonymise_person(email=..., by=..., reason=..., force=...)``: the anonymisation.
"""

from .anonymisation import AnonymisationRefused, AnonymisationReport, anonymise_person
from .export import build_export, export_personal_data
from .retention import RetentionStatus, retention_status

__all__ = [
    "AnonymisationRefused",
    "AnonymisationReport",
    "RetentionStatus",
    "anonymise_person",
    "build_export",
    "export_personal_data",
    "retention_status",
]
