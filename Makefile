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

.PHONY: install run test lint typecheck unit migrate openapi clean

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --locked --quiet

## Install, migrate the embedded SQLite database under ./var/, make sure an admin exists, serve.
run: install
	$(VENV)/bin/payam migrate
	$(VENV)/bin/payam create-admin --if-missing
	$(VENV)/bin/payam serve --host $(HOST) --port $(PORT)

## Lint, type-check and run every test (PAYAM_TEST_DATABASE_URL picks the database).
test: install lint typecheck unit

lint:
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports --no-cache

typecheck:
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy bench

unit:
	$(VENV)/bin/pytest

migrate: install
	$(VENV)/bin/payam migrate

## Write the API's schema to docs/openapi.json, the contract clients and the web app build against.
openapi: install
	$(VENV)/bin/payam openapi --output docs/openapi.json

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache
