# Two commands a user runs: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

# `make run` is for local use: SQLite unless DATABASE_URL says otherwise, DEBUG on.
export DEBUG ?= 1

.PHONY: run test test-browser lint format check bench bench-pages bench-export bench-import bench-signup \
	bench-digest \
	observatory backup restore clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime-installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite except real-browser tests; DATABASE_URL=postgres://... runs it on PostgreSQL.
test: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	DEBUG=0 $(BIN)/pytest -m "not browser" -n auto $(PYTEST_ARGS)

# Real-browser journeys and accessibility checks in Debian's Chromium (/usr/bin/chromium).
test-browser: $(VENV)/.dev-installed
	DEBUG=0 $(BIN)/pytest -m browser tests/browser $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# gunicorn under wrk with the /health/ floor (needs wrk: apt-get install wrk), then exports of the
# whole catalogue in each format, then a newsletter digest to 10,000 subscribers; bench-pages:
# pages one by one.
bench: $(VENV)/.dev-installed
	$(BIN)/python bench/load.py $(BENCH_ARGS)
	$(BIN)/python bench/export.py $(EXPORT_ARGS)
	$(BIN)/python bench/digest.py $(DIGEST_ARGS)

bench-pages: $(VENV)/.dev-installed
	$(BIN)/python bench/listing.py $(BENCH_ARGS)

# Time and peak memory of exporting a whole listing in each format (bench/export.py).
bench-export: $(VENV)/.dev-installed
	$(BIN)/python bench/export.py $(BENCH_ARGS)

# Time and peak memory of importing 5,000 RIS records through the import's steps (bench/import_ris.py).
bench-import: $(VENV)/.dev-installed
	$(BIN)/python bench/import_ris.py $(BENCH_ARGS)

# Whether a newsletter signup's timing tells a new address from a subscribed one (medians, AUC).
bench-signup: $(VENV)/.dev-installed
	$(BIN)/python bench/signup_timing.py $(BENCH_ARGS)

# A newsletter digest to 10,000 subscribers through a loopback SMTP server: messages a minute.
bench-digest: $(VENV)/.dev-installed
	$(BIN)/python bench/digest.py $(BENCH_ARGS)

# The Mozilla HTTP Observatory's rules applied to the production settings over HTTPS.
observatory: $(VENV)/.runtime-installed
	$(BIN)/python bench/observatory.py

# A backup of DATABASE_URL's database into BACKUP_DIR (keeping BACKUP_KEEP), and its restore:
# `make restore BACKUP=backups/hub-20250630-031500Z.dump` (asks before replacing anything).
backup: $(VENV)/.runtime-installed
	$(BIN)/python manage.py backup_database

restore: $(VENV)/.runtime-installed
	$(BIN)/python manage.py restore_database $(BACKUP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis staticfiles
