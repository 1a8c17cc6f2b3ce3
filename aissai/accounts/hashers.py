"""Password hashing parameters.

Django's Argon2 defaults (102,400 KiB, t=2, p=8) cost about 230 ms per check on a
two-core server: during a deadline rush the login becomes a third of all server time
per applicant (docs/performance.md). The parameters below are the first of OWASP's
recommended Argon2id configurations (Password Storage Cheat Sheet: m=19 MiB, t=2,
p=1), about ten times cheaper while still memory-hard. Django re-hashes a stored
password with these parameters at the next successful login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's minimum recommended cost (19 MiB, 2 passes, 1 lane)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
