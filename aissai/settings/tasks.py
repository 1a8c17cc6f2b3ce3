"""Mail, Celery, beat's schedule, the outbox and the reminders."""

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from aissai.settings.data import DATABASE_URL
from aissai.settings.environment import PRODUCTION, VAR_DIR, env, env_bool, env_int, env_list
from aissai.settings.web import TIME_ZONE

# Mail: SMTP when EMAIL_HOST is set, else the dev mailbox (and the console).
EMAIL_HOST = env("EMAIL_HOST")
if PRODUCTION and not EMAIL_HOST:
    raise ImproperlyConfigured("EMAIL_HOST must be set when AISSAI_PRODUCTION is on.")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
else:  # the dev mailbox in embedded mode (set below), else the console only
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "AISSAI Calls <noreply@aissai.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The programme team's own mailbox: every mail's Reply-To, and the address mails give
# when they ask people to write back (the sender is usually a no-reply address).
PROGRAMME_TEAM_EMAIL = env("PROGRAMME_TEAM_EMAIL", "programme-team@aissai.localhost")
EMAIL_SUBJECT_PREFIX = "[AISSAI Calls] "  # error mails to ADMINS
EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", "aissai.localhost")

# Celery: a broker when CELERY_BROKER_URL is set, else tasks run in process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
if PRODUCTION and not CELERY_BROKER_URL:
    raise ImproperlyConfigured("CELERY_BROKER_URL must be set when AISSAI_PRODUCTION is on.")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL

# The dev mailbox keeps every mail as delivered, links that grant access included: it
# exists in the embedded mode only (SQLite, tasks in process, no SMTP server, not
# production), and answers only to requests from the machine itself.
DEV_MAILBOX = not (EMAIL_HOST or DATABASE_URL or CELERY_BROKER_URL or PRODUCTION)
if DEV_MAILBOX:
    EMAIL_BACKEND = "aissai.notifications.backends.DevMailboxBackend"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
# Workers consume this queue (`celery -A aissai worker -Q default`).
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TIMEZONE = TIME_ZONE
# Beat's schedule file; its folder is created on start (aissai/beat.py).
CELERY_BEAT_SCHEDULER = "aissai.beat:Scheduler"
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(VAR_DIR / "beat" / "celerybeat-schedule")
)
# Only the beat holding the lock in the shared cache sends periodic tasks; a second beat
# stands by and takes over this long after the holder stopped renewing it.
BEAT_LOCK_SECONDS = env_int("BEAT_LOCK_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {
        "task": "aissai.notifications.tasks.relay_outbox",
        "schedule": env_int("OUTBOX_RELAY_SECONDS", 60),
    },
    "send-review-reminders": {
        "task": "reviews.tasks.send_review_reminders",
        "schedule": crontab(hour=8, minute=0),  # daily, Paris time (CELERY_TIMEZONE)
    },
    "send-draft-reminders": {
        "task": "calls.tasks.send_draft_reminders",
        "schedule": crontab(minute=15),  # hourly: "1 day before" means 24 hours, not 8 am
    },
    "send-award-reminders": {
        "task": "awards.tasks.send_award_reminders",
        "schedule": crontab(hour=8, minute=15),  # daily, Paris time
    },
}
# Reviewers with unfinished reviews get a reminder this many days before the deadline.
REVIEW_REMINDER_DAYS_BEFORE = env_int("REVIEW_REMINDER_DAYS_BEFORE", 7)
# Coordinators of unsubmitted drafts get a reminder this many days before the call closes
# (one per number, the most urgent one only when several are due at once).
APPLICANT_REMINDER_DAYS_BEFORE = sorted(
    {int(days) for days in env_list("APPLICANT_REMINDER_DAYS_BEFORE", "7,1") if int(days) > 0},
    reverse=True,
)
# Fellowship coordinators get a reminder this many days before the recruitment deadline
# (and one once it has passed) and before each report is due.
AWARD_REMINDER_DAYS_BEFORE = env_int("AWARD_REMINDER_DAYS_BEFORE", 14)
# People invited to a fellowship event (the kick-off) get a reminder this many days before.
AWARD_EVENT_REMINDER_DAYS = env_int("AWARD_EVENT_REMINDER_DAYS", 3)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 5)
OUTBOX_STUCK_SECONDS = env_int("OUTBOX_STUCK_SECONDS", 600)
# Retry n waits OUTBOX_BACKOFF_SECONDS * 2**(n-1), at most OUTBOX_BACKOFF_MAX_SECONDS.
OUTBOX_BACKOFF_SECONDS = env_int("OUTBOX_BACKOFF_SECONDS", 60)
OUTBOX_BACKOFF_MAX_SECONDS = env_int("OUTBOX_BACKOFF_MAX_SECONDS", 3600)
# A queued delivery not run after this long is presumed lost and queued again by the relay.
OUTBOX_REQUEUE_SECONDS = env_int("OUTBOX_REQUEUE_SECONDS", 300)
# Rows one delivery task sends over one SMTP connection. A worker killed mid-batch sends
# the rows it had not yet recorded as sent again (same Message-ID): keep batches short.
OUTBOX_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", 50)
