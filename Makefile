# The two commands a new machine needs: `make run` and `make test`. Both install what they use.
SHELL := /bin/bash
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
HOST ?= 127.0.0.1
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Browsers are the machine's (Debian's Chromium); npm never downloads one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# Bytecode is cached, whatever the shell says: with PYTHONDONTWRITEBYTECODE every process the
# tests start (workers, servers, the CLI) would compile its imports again, about 2 s of CPU each.
unexport PYTHONDONTWRITEBYTECODE

# The web app (frontend/). Its npm runs under the machine's Node when new enough, otherwise under
# the Node make install puts in .venv (payam.web.node says which).
FRONTEND := frontend
NPM := cd $(FRONTEND) && ../$(VENV)/bin/python -m payam.web.node npm
NPX := cd $(FRONTEND) && ../$(VENV)/bin/python -m payam.web.node npx
NODE_DEPS := $(FRONTEND)/node_modules/.package-lock.json
WEB_BUILD := $(FRONTEND)/dist/index.html
WEB_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/public -type f 2>/dev/null) \
	$(wildcard $(FRONTEND)/index.html $(FRONTEND)/package.json $(FRONTEND)/*.config.* \
	$(FRONTEND)/tsconfig*.json $(FRONTEND)/scripts/*)
CHROMIUM ?= /usr/bin/chromium
NO_FRONTEND = echo "$@: skipped, there is no $(FRONTEND)/package.json"

.PHONY: install run test lint typecheck unit migrate openapi clean web client frontend-test drills

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --locked --quiet --compile-bytecode

## Install, build the web app, migrate the embedded SQLite database under ./var/, make sure an
## admin exists, serve; once it answers, print the address to open and the admin's sign-in.
run: install web
	$(VENV)/bin/payam migrate
	@note="$$($(VENV)/bin/payam create-admin --if-missing)" && echo "$$note" \
	  && { $(VENV)/bin/python -m payam.web.announce "http://$(HOST):$(PORT)" "$$note" & } \
	  && exec $(VENV)/bin/payam serve --host $(HOST) --port $(PORT)

## Lint, type-check, then run every test (PAYAM_TEST_DATABASE_URL picks the database) beside
## the web app's checks and browser tests: both spend much of their time waiting on the workers,
## servers and browser they start, so they share the cores. Each one's output is printed whole
## when it ends; either failing fails the run.
test: install lint typecheck
	@$(MAKE) --no-print-directory -j2 --output-sync=target unit frontend-test

lint:
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports --no-cache

typecheck:
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy bench

## PYTEST_ARGS selects or narrows, e.g. PYTEST_ARGS='-m "not backend_independent"'.
unit:
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## Fault drills against real payam worker processes (docs/reliability.md#drills): the drills of
## make test at larger sizes, and the long ones, on loopback, in databases of their own (drills_*
## on the machine's PostgreSQL, then MariaDB). At most DRILLS_MINUTES (25) per database: 50 minutes.
DRILLS_DATABASES ?= postgresql+asyncpg://postgres@127.0.0.1:5432/drills \
	mysql+asyncmy://root@127.0.0.1:3306/drills
DRILLS_MINUTES ?= 25
drills: install
	@psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'drills'" \
	  | grep -q 1 || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE drills"
	@mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE IF NOT EXISTS drills CHARACTER SET utf8mb4"
	@for url in $(DRILLS_DATABASES); do \
	  echo "=== drills on $$url ==="; \
	  env -u PAYAM_TEST_REDIS_URL PAYAM_DRILLS=1 PAYAM_TEST_DATABASE_URL=$$url \
	    timeout --kill-after=30 $(DRILLS_MINUTES)m $(VENV)/bin/pytest -m drill -n 2 -p no:randomly \
	    --timeout=$$(( $(DRILLS_MINUTES) * 60 )) \
	    || exit 1; \
	done

migrate: install
	$(VENV)/bin/payam migrate

## Write the API's schema to docs/openapi.json, the contract clients and the web app build against.
openapi: install
	$(VENV)/bin/payam openapi --output docs/openapi.json

## Build the web app into frontend/dist (npm ci, npm run build), unless the build is up to date.
web: install
	@$(if $(wildcard $(FRONTEND)/package.json),$(MAKE) --no-print-directory $(WEB_BUILD),$(NO_FRONTEND))

$(NODE_DEPS): $(FRONTEND)/package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

$(WEB_BUILD): $(NODE_DEPS) $(WEB_SOURCES)
	$(NPM) run build

## Regenerate the web app's API client (frontend/src/client) from docs/openapi.json.
client: install
	@$(if $(wildcard $(FRONTEND)/package.json),$(MAKE) --no-print-directory $(NODE_DEPS),$(NO_FRONTEND))
	@$(if $(wildcard $(FRONTEND)/package.json),$(NPM) run generate)

## The web app's checks: its client is current, types, lint and unit tests, the build within its
## size budget, and the browser tests in Chromium (skipped, saying so, when there is none).
frontend-test: install
ifeq ($(wildcard $(FRONTEND)/package.json),)
	@$(NO_FRONTEND)
else
	@$(MAKE) --no-print-directory $(NODE_DEPS)
	@fresh=$$(mktemp -d) && trap 'rm -rf "$$fresh"' EXIT \
	  && ( $(NPX) openapi-ts --output "$$fresh" >/dev/null ) \
	  && if ! diff -rq "$$fresh" $(FRONTEND)/src/client; then \
	    echo "$(FRONTEND)/src/client is stale: docs/openapi.json changed. Run make client and commit it."; \
	    exit 1; fi
	$(NPM) run check
	$(NPM) run build
	@# The browser tests run against the build just made (npm run e2e would build it again).
	@if [ -x "$(CHROMIUM)" ]; then \
	  cd $(FRONTEND) && CHROMIUM_PATH="$(CHROMIUM)" ../$(VENV)/bin/python -m payam.web.node npx playwright test; \
	else echo "frontend-test: browser tests skipped, no Chromium at $(CHROMIUM) (apt-get install chromium)"; fi
endif

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache
