import pytest
from django.core.cache import cache
from django.utils import translation

pytest_plugins = [
    "tests.plugins.services",
    "tests.plugins.browser",
    "tests.plugins.mail",
    "tests.plugins.worker",
    "tests.plugins.reauth",
    "tests.plugins.object_storage",
]


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    """Password hashing cost is not under test; uploaded files go to a fresh folder."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache outlives each test's rolled-back data (and SQLite hands out the same ids
    again): every test starts with an empty one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts in the default language, whatever the previous one activated."""
    translation.activate("en")
    yield
    translation.deactivate()
