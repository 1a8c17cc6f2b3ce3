"""Password hashing: Argon2id at OWASP's recommended cost, old hashes upgraded at login."""

from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    check_password,
    identify_hasher,
    make_password,
)

import aissai.settings as project_settings
from aissai.accounts.hashers import OwaspArgon2PasswordHasher
from tests.factories.accounts import UserFactory


def test_the_default_hasher_is_argon2id_with_owasp_parameters():
    assert (
        project_settings.PASSWORD_HASHERS[0] == "aissai.accounts.hashers.OwaspArgon2PasswordHasher"
    )
    encoded = OwaspArgon2PasswordHasher().encode(
        "correct horse battery", OwaspArgon2PasswordHasher().salt()
    )
    # argon2$argon2id$v=19$m=19456,t=2,p=1$salt$hash
    algorithm, variant, version, params, *_ = encoded.split("$")
    assert (algorithm, variant) == ("argon2", "argon2id")
    assert params == "m=19456,t=2,p=1"


def test_a_hash_made_with_django_defaults_still_checks_and_is_rehashed(settings, db):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    old = Argon2PasswordHasher().encode("correct horse battery", Argon2PasswordHasher().salt())
    assert "m=102400" in old
    user = UserFactory(password="unused")
    user.password = old
    user.save(update_fields=["password"])

    assert identify_hasher(old).must_update(old)
    assert user.check_password("correct horse battery")  # check_password re-hashes and saves

    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password
    assert check_password("correct horse battery", user.password)
    assert not check_password("wrong", make_password("correct horse battery"))
