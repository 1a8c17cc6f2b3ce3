# syntax=docker/dockerfile:1
# AISSAI Calls, production image. One image runs every role of docker-compose.yml:
# web (gunicorn, the default command), migrate, worker and beat (their own commands).

# --- 1. Front-end assets, from the npm registry (never a CDN) -----------------------
FROM node:22-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# --- 2. Python dependencies, static files and compiled translations ---------------
ARG PG_MAJOR=17

FROM python:3.11-slim-trixie AS build
ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
# gettext provides msgfmt for compilemessages; it stays in this stage only.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
# The runtime lock only (no test or lint tools), every file checked against its hash.
COPY requirements.lock /tmp/requirements.lock
RUN pip install --require-hashes -r /tmp/requirements.lock

WORKDIR /app
COPY . .
# Only the folders settings.STATICFILES_DIRS reads from node_modules.
COPY --from=assets /assets/node_modules/bootstrap/dist node_modules/bootstrap/dist
COPY --from=assets /assets/node_modules/htmx.org/dist node_modules/htmx.org/dist
COPY --from=assets /assets/node_modules/sortablejs node_modules/sortablejs
COPY --from=assets /assets/node_modules/chart.js/dist node_modules/chart.js/dist
# Production settings refuse to load without these; the values below exist only for
# this build step (no database is opened) and are not kept in the image.
RUN AISSAI_PRODUCTION=1 \
    AISSAI_VAR_DIR=/app/var \
    SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-build-only \
    ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=sqlite:////tmp/build-only.sqlite3 \
    CELERY_BROKER_URL=redis://build.invalid:6379/0 \
    EMAIL_HOST=build.invalid \
    SITE_URL=https://build.invalid \
    sh -c 'python manage.py collectstatic --no-input -v0 \
        && python manage.py compilemessages --ignore=node_modules -v0' \
    && python -m compileall -q /app

# --- 3. Runtime: no compilers, no gettext, no node (PostgreSQL client tools only); a non-root user ---------------
FROM python:3.11-slim-trixie AS runtime
# The PostgreSQL client tools of the server's major version (docker-compose.yml passes
# the same PG_MAJOR to the postgres image): pg_dump refuses a newer server.
ARG PG_MAJOR
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=aissai.settings \
    AISSAI_PRODUCTION=1 \
    AISSAI_VAR_DIR=/app/var \
    AISSAI_MEDIA_ROOT=/data/uploads \
    GUNICORN_HOST=0.0.0.0 \
    AISSAI_UPLOAD_TEMP_DIR=/data/tmp \
    BACKUP_DIR=/data/backups \
    PORT=8000
# pg_dump / pg_restore for `manage.py backup_data` and `restore_data` (make backup/restore).
RUN apt-get update \
    && apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}" \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin app \
    && mkdir -p /data/uploads /data/beat /data/tmp /data/backups \
    && chown app:app /data/uploads /data/beat /data/tmp /data/backups \
    && chmod 750 /data/uploads /data/backups
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER app
# Uploaded documents (shared by web and worker) go to /data/uploads and the beat
# schedule to /data/beat: docker-compose.yml mounts a named volume on each. Health
# checks are declared per service there (deploy/healthcheck.py for web).
EXPOSE 8000
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
