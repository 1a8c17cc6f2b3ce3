"""Settings for AISSAI Calls, read from the environment.

Nothing set gives the embedded mode: SQLite in ``var/``, Celery tasks run in
process, mail kept in a dev mailbox. ``AISSAI_PRODUCTION=1`` turns on the
production checks: a secret key and allowed hosts are required, debug is off,
cookies are secure and HSTS is sent. ``DATABASE_URL``, ``CELERY_BROKER_URL``
and ``EMAIL_HOST`` each switch their part to a real service whatever the mode.
The README's configuration reference lists every variable.

One module per part, read in this order (a later part may use an earlier one's values):

- ``environment``: the mode, the secret key, hosts and the site's address;
- ``web``: applications, middleware, templates, languages and time zone;
- ``data``: the database, the cache, static assets and uploaded files;
- ``security``: accounts, passwords, the reverse proxy, login throttling, cookies, CSP;
- ``tasks``: mail, Celery, beat's schedule, the outbox and the reminders;
- ``logs``: log lines, error mails and Sentry.
"""

# The order is the order above; each module imports what it uses from an earlier one.
# ruff: noqa: F403, I001
from aissai.settings.environment import *
from aissai.settings.web import *
from aissai.settings.data import *
from aissai.settings.security import *
from aissai.settings.tasks import *
from aissai.settings.logs import *
