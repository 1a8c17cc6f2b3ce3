"""Demo users, one per role. Used by the load_demo command and shown on the login page
in embedded mode only."""

from functools import cache

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from .models import User

DEMO_PASSWORD = "demo-password-2025"  # noqa: S105 - embedded-mode demo only

DEMO_USERS = [
    # (key, e-mail, full name, language, programme staff, admin)
    ("staff", "staff@demo.aissai.localhost", "Camille Martin", "fr", True, True),
    ("applicant", "applicant@demo.aissai.localhost", "Alice Durand", "fr", False, False),
    # The reviewer works abroad: an e-mail domain of their own, distinct from every demo
    # applicant's and partner's, so conflict detection finds nothing against them.
    ("reviewer", "robert.keller@ethz.example", "Robert Keller", "en", False, False),
    ("correspondent", "correspondent@demo.aissai.localhost", "Nadia Haddad", "fr", False, False),
    ("admin", "admin@demo.aissai.localhost", "IT Admin", "en", False, True),
]


@cache
def demo_password_hash() -> str:
    """The demo password, hashed once: hashing is slow on purpose, and the demo makes
    dozens of accounts."""
    return make_password(DEMO_PASSWORD)


def ensure_demo_users() -> dict[str, User]:
    users = {}
    for key, email, name, language, programme_staff, admin in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": name,
                "language": language,
                "is_programme_staff": programme_staff,
                "is_staff": admin,
                "is_superuser": key == "admin",
                "email_verified_at": timezone.now(),
            },
        )
        if created:
            user.password = demo_password_hash()
            user.save(update_fields=["password"])
        users[key] = user
    return users
