import factory
from django.utils import timezone

from aissai.accounts.models import User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    language = "en"
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class UnverifiedUserFactory(UserFactory):
    """Signed up, but has not followed the verification link yet."""

    email_verified_at = None


class StaffFactory(UserFactory):
    is_programme_staff = True
    full_name = factory.Sequence(lambda n: f"Programme Manager {n}")


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True
