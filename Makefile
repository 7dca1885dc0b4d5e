# gaibo: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs lint and the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MANAGE := $(BIN)/python manage.py

.PHONY: install run demo test lint format messages clean bench bench-reports bench-dashboard load

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo

run: demo
	$(MANAGE) runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

test: lint
	@if [ -x /usr/bin/chromium ]; then \
		echo "Browser tests: on, with /usr/bin/chromium."; \
	else \
		echo "Browser tests: SKIPPED, /usr/bin/chromium is not installed (apt-get install chromium fonts-noto-cjk)."; \
	fi
	$(BIN)/pytest

# Benchmarks (bench/README.md), each on a throwaway database: a temp SQLite file, or a new one
# on DATABASE_URL's PostgreSQL. `make bench` runs both; BENCH_ARGS go to bench_reports.py,
# BENCH_DASHBOARD_ARGS to bench_dashboard.py (e.g. BENCH_DASHBOARD_ARGS=--small).
# bench-reports: the monthly report's entry page (500 projects) and Excel upload (5,000 rows):
# time, queries, memory. bench-dashboard: a synthetic province (100 counties, 40,000 projects,
# 24 months of reports), the city and county dashboards and the JSON against one SQL query.
bench: bench-reports bench-dashboard

bench-reports: install
	$(BIN)/python bench/bench_reports.py $(BENCH_ARGS)

bench-dashboard: install
	$(BIN)/python bench/bench_dashboard.py $(BENCH_DASHBOARD_ARGS)

# Load (bench/README.md): 50 users for 3 minutes against gunicorn and a throwaway PostgreSQL
# database on 127.0.0.1 (DATABASE_URL's server, else postgres://postgres@127.0.0.1:5432);
# exit 1 when any request failed. LOAD_ARGS go to bench/load.py (e.g. LOAD_ARGS="--minutes 1").
load: install
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev,load]"
	$(BIN)/python bench/load.py $(LOAD_ARGS)

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-extract the translatable strings after changing them; fill locale/zh_Hans/LC_MESSAGES/django.po,
# then compile. Both files are committed, so running the app needs no gettext tools.
messages: install
	$(MANAGE) makemessages --locale zh_Hans --no-location --ignore "$(VENV)/*"
	$(MANAGE) compilemessages --locale zh_Hans

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
