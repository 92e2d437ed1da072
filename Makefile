# Ordna: `make run` serves the demo, `make start` a clean instance for real use, `make test` tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export ORDNA_DATA_DIR ?= $(CURDIR)/data
HOST ?= 127.0.0.1
PORT ?= 8000
# The address served, as `ordna serve` derives it (a server on every interface is opened at 127.0.0.1): the
# printed address and the links in mail (the demo's digests too) follow HOST and PORT unless ORDNA_BASE_URL is set.
URL := http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(if $(findstring :,$(HOST)),[$(HOST)],$(HOST))):$(PORT)

.PHONY: run start test test-postgres lint bench messages screenshots clean

$(BIN)/python:
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>/dev/null || { echo "Python 3.11 is needed: install python3.11 (or run make PYTHON=/path/to/python3.11)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/ordna migrate --verbosity 0
	@ORDNA_BASE_URL="$${ORDNA_BASE_URL:-$(URL)}" $(BIN)/ordna demo --if-empty
	@echo ""
	@echo "Ordna: open $(URL)/ and sign in as admin / ordna-demo-2026"
	@echo "       (other demo users: coordinator, hr, manager, keyuser, supplier, employee, auditor; same password)"
	@echo ""
	$(BIN)/ordna serve --host $(HOST) --port $(PORT)

# Real use: a clean instance in ORDNA_DATA_DIR (the first user, administrator and IT coordinator, is asked for a
# password once: ADMIN_USER=, ADMIN_EMAIL=, ADMIN_PASSWORD_FILE= choose otherwise), then the server. Run again,
# it serves. (Not USERNAME or EMAIL: shells and mail tools set those in the environment, which make would take.)
ADMIN_USER ?= admin
ADMIN_EMAIL ?=
start: $(STAMP)
	@ORDNA_BASE_URL="$${ORDNA_BASE_URL:-$(URL)}" $(BIN)/ordna init --username "$(ADMIN_USER)" --email "$(ADMIN_EMAIL)" \
		$(if $(ADMIN_PASSWORD_FILE),--password-file "$(ADMIN_PASSWORD_FILE)")
	@echo ""
	$(BIN)/ordna serve --host $(HOST) --port $(PORT)

# Tests run against a throw-away data directory; the Debian packages of the servers and tools they need
# (Chromium, Redis, poppler-utils, ...; PostgreSQL for test-postgres) are installed when running as root with
# apt-get (scripts/ensure-packages.sh), else those tests say what to install.
test: $(STAMP)
	@bash scripts/ensure-packages.sh
	@tmp=$$(mktemp -d) && ORDNA_DATA_DIR=$$tmp $(BIN)/pytest $(PYTEST_ARGS); status=$$?; rm -rf $$tmp; exit $$status

# The browser journeys, and the tests marked own_site, serve or run their own SQLite site whatever DATABASE_URL
# names, so the PostgreSQL pass leaves them to the first pass.
test-postgres: $(STAMP)
	bash scripts/with-postgres.sh $(MAKE) test PYTEST_ARGS="-m 'not browser and not own_site' $(PYTEST_ARGS)"

# The screenshots of docs/tour.md, made by the browser suite.
screenshots: $(STAMP)
	@bash scripts/ensure-packages.sh
	@tmp=$$(mktemp -d) && ORDNA_DATA_DIR=$$tmp ORDNA_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest -m browser -q; status=$$?; rm -rf $$tmp; exit $$status

lint: $(STAMP)
	$(BIN)/ruff format --check src bench
	$(BIN)/ruff check src bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	$(BIN)/python bench/run.py

messages: $(STAMP)
	cd src/ordna && ../../$(BIN)/ordna makemessages -l sv -l nl --no-obsolete --no-location -i "*/tests/*" -i conftest.py && ../../$(BIN)/ordna compilemessages

clean:
	rm -rf $(VENV) data
