# AISSAI Calls: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in the demo's mails point where the server listens, unless SITE_URL is set.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: help install assets messages migrate demo run test test-fast lint format lock worker beat makemessages audit-deps clean backup restore screenshots

help:
	@echo "make run      install, migrate, load the demo and serve on http://$(HOST):$(PORT)"
	@echo "make test     the whole test suite (PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL are set)"
	@echo "make lint     ruff check and format check"
	@echo "make worker   a Celery worker (production mode);  make beat: the single beat process"
	@echo "make backup   database + uploaded files into BACKUP_DIR (default var/backups)"
	@echo "make restore BACKUP=<folder> [FORCE=1]   restore a backup into an empty database"
	@echo "make bench   page and algorithm benchmarks on PostgreSQL (BENCH_ARGS=--sizes 100,1000)"
	@echo "make bench-rush   deadline rush, staff under load (gunicorn, worker, SMTP sink) and outbox throughput"
	@echo "make bench-scaleout   a large call's deadline on several servers (SCALEOUT_ARGS=--applicants 3000)"
	@echo "make screenshots  the README pictures (docs/screenshots/) from the demo, in Chromium"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Development: requirements-dev.lock holds every runtime pin of requirements.lock (the
# server's lock) plus the test and lint tools, all with hashes.
$(VENV)/.installed: requirements.lock requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed assets

assets: node_modules/.installed

messages: $(VENV)/.installed
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v0

makemessages: $(VENV)/.installed
	$(MANAGE) makemessages -l fr --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete --add-location file

migrate: install
	@mkdir -p var
	$(MANAGE) migrate --no-input -v0

demo: migrate messages
	SITE_URL=$(SITE_URL) $(MANAGE) load_demo

run: demo
	SITE_URL=$(SITE_URL) $(MANAGE) runserver $(HOST):$(PORT)

test: install messages
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes \
		-o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
		-c requirements.lock -o requirements-dev.lock

# pip-audit over requirements-dev.lock (runtime + tools) and npm audit over package-lock.json. Exit 1: a known
# vulnerability; exit 2: some packages could not be looked up (advisory service
# unreachable), said as "NOT AUDITED", never passed as clean. AUDIT_ARGS=--allow-unaudited
# turns exit 2 into 0 (still printing NOT AUDITED).
audit-deps: $(VENV)/.installed
	$(BIN)/python -m tests.security.audit_deps $(AUDIT_ARGS)

worker: install
	$(BIN)/celery -A aissai worker --loglevel=INFO

beat: install
	$(BIN)/celery -A aissai beat --loglevel=INFO

# Backups (docs/reliability.md): a timestamped folder with the database (pg_dump, or the
# SQLite online backup), the uploaded files and a manifest; restore refuses a database
# that has tables unless FORCE=1, then checks every count and file against the manifest.
backup: $(VENV)/.installed
	$(MANAGE) backup_data

restore: $(VENV)/.installed
	@if [ -z "$(BACKUP)" ]; then echo "usage: make restore BACKUP=<backup folder> [FORCE=1]" >&2; exit 2; fi
	$(MANAGE) restore_data "$(BACKUP)" $(if $(filter 1,$(FORCE)),--force,)

# Benchmarks (docs/performance.md): not part of `make test`. PostgreSQL is required
# (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/aissai_bench, created
# and migrated on first use); the rush and the outbox also need Redis (DB 9).
.PHONY: bench bench-rush bench-scaleout
bench: $(VENV)/.installed
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-rush: $(VENV)/.installed
	$(BIN)/python -m bench.rush $(RUSH_ARGS)
	$(BIN)/python -m bench.staff_load $(LOAD_ARGS)
	$(BIN)/python -m bench.outbox $(OUTBOX_ARGS)

# The deadline of a large call on the several-server layout (bench/cluster.py: nginx, two
# gunicorn instances, PgBouncer, two Celery workers, moto's S3 emulator, an SMTP sink);
# needs nginx and pgbouncer (apt). docs/performance.md, "Deadline of a large call".
bench-scaleout: $(VENV)/.installed
	$(BIN)/python -m bench.scaleout $(SCALEOUT_ARGS)

# The README pictures: the demo data drawn by the current code in Chromium, saved in
# docs/screenshots/ under fixed names. Not part of `make test` (tests/e2e/screenshots.py
# is collected only when named); without Chromium it fails instead of skipping.
screenshots: install messages
	AISSAI_REQUIRE_SERVICES=1 $(BIN)/pytest tests/e2e/screenshots.py -q -p no:cacheprovider

clean:
	rm -rf $(VENV) node_modules var
