# Concierge: `make run` serves the embedded site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_SERIAL := $(PY) -m pytest -p no:cacheprovider
# Two workers, one per core.
PYTEST := $(PYTEST_SERIAL) -n 2
HOST ?= 127.0.0.1
PORT ?= 8000
# The embedded run ignores any service URLs in the caller's environment.
EMBEDDED := env -u DATABASE_URL -u REDIS_URL -u EMAIL_URL -u CELERY_BROKER_URL

.PHONY: install run test lint format browsers screenshots worker beat clean bench

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(EMBEDDED) $(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The suite runs twice: embedded (SQLite, locmem, eager Celery), then, when
# DATABASE_URL and REDIS_URL are set, against PostgreSQL, Redis and a real
# Celery worker, including tests/integration. Under CI=true both must run.
# With the services, the browser tests run once, against them, as production serves.
test: install lint
	$(EMBEDDED) $(PYTEST) -m "not integration" $(if $(and $(DATABASE_URL),$(REDIS_URL)),--ignore=tests/browser)
	@if [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ]; then \
		echo "== services: $$($(PY) -c 'import os,re;print(re.sub(r"//[^@/]*@","//",os.environ["DATABASE_URL"]))') and Redis"; \
		$(PY) -m config.health || { echo "DATABASE_URL or REDIS_URL is set but not reachable"; exit 1; }; \
		$(PYTEST) -m "not integration" --ignore=tests/notifications && \
		echo "== one process: the Celery worker, the SMTP sink and the Redis channel layer are shared" && \
		$(PYTEST_SERIAL) tests/integration tests/notifications; \
	elif [ "$$CI" = "true" ]; then \
		echo "CI=true needs DATABASE_URL and REDIS_URL for the service run"; exit 1; \
	else \
		echo "== DATABASE_URL and REDIS_URL are not set: skipping the PostgreSQL/Redis/Celery run"; \
	fi

# Debian's Chromium and its driver, for tests/browser.
browsers:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	$$SUDO apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver

screenshots: install browsers
	SCREENSHOT_DIR=docs/screenshots $(EMBEDDED) $(PYTEST) tests/browser -q

# Seeds a large community (seed_bench, skipped once present), serves it with
# gunicorn and uvicorn on 127.0.0.1 and loads it with wrk. PostgreSQL and Redis
# when DATABASE_URL and REDIS_URL are set, else SQLite under var/bench/.
# Results: bench/results/<date>.json and a table; see bench/README.md.
bench: install
	@if ! command -v wrk >/dev/null; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends wrk; \
	fi
	$(PY) -m bench.run

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) var
