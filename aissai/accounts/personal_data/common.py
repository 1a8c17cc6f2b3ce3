"""Shared helpers: models of the apps above ``aissai`` are read through the registry."""

from django.apps import apps
from django.db import models
from django.db.models import Q

PLACEHOLDER_NAME = "Anonymised person"
PLACEHOLDER_DOMAIN = "anonymised.invalid"  # .invalid is reserved (RFC 2606): never delivered


def model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def by_email(field_name: str, email: str) -> Q:
    return Q(**{f"{field_name}__iexact": email})


def experts_of(user, email: str) -> models.QuerySet:
    """The reviewer profiles of a person: linked to the account or under the address."""
    query = by_email("email", email) | (Q(user=user) if user is not None else Q(pk__in=[]))
    return model("reviews.Expert").objects.filter(query)
