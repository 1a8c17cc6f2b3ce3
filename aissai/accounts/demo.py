"""Demo users, one per role. Used by the load_demo command and shown on the login page
in embedded mode only."""

from django.utils import timezone

from .models import User

DEMO_PASSWORD = "demo-password-2025"  # noqa: S105 - embedded-mode demo only

DEMO_USERS = [
    # (key, e-mail, full name, language, programme staff, admin)
    ("staff", "staff@demo.aissai.localhost", "Camille Martin", "fr", True, True),
    ("applicant", "applicant@demo.aissai.localhost", "Alice Durand", "fr", False, False),
    ("reviewer", "reviewer@demo.aissai.localhost", "Robert Keller", "en", False, False),
    ("admin", "admin@demo.aissai.localhost", "IT Admin", "en", False, True),
]


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
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[key] = user
    return users
