# AISSAI Calls: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install assets messages migrate demo run test test-fast lint format lock worker beat makemessages audit-deps clean

help:
	@echo "make run      install, migrate, load the demo and serve on http://$(HOST):$(PORT)"
	@echo "make test     the whole test suite (PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL are set)"
	@echo "make lint     ruff check and format check"
	@echo "make worker   a Celery worker (production mode);  make beat: the single beat process"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.lock
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
	$(MANAGE) load_demo

run: demo
	$(MANAGE) runserver $(HOST):$(PORT)

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
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

# --strict: a package the vulnerability service cannot look up fails the audit instead of
# being skipped, so an unreachable service never passes as "no known vulnerabilities".
audit-deps: $(VENV)/.installed
	$(BIN)/pip-audit --requirement requirements.lock --disable-pip --no-deps --strict --progress-spinner off

worker: install
	$(BIN)/celery -A aissai worker --loglevel=INFO

beat: install
	$(BIN)/celery -A aissai beat --loglevel=INFO --schedule var/celerybeat-schedule

clean:
	rm -rf $(VENV) node_modules var
