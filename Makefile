# Regie: `make run` serves the demo on SQLite; `make test` checks the style and runs the suite on SQLite
# and, when TEST_DATABASE_URL is set, again on PostgreSQL. It installs what the suite needs where it can.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test lint format install install-test browser migrate demo demo-code clean

# pip's build chatter goes to a log, shown only when an install fails.
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
QUIETLY = > $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }

$(BIN)/python:
	$(shell command -v $(PYTHON) || command -v python3) -m venv $(VENV)
	@$(PIP) --upgrade pip $(QUIETLY)

# What serving needs; reinstalled when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "Installing what the app needs ..."
	@$(PIP) -e . $(QUIETLY)
	@touch $@

# What `make run` needs besides: a local mail catcher (aiosmtpd) when Mailpit is not installed.
$(VENV)/.installed-dev: $(VENV)/.installed
	@$(PIP) -e '.[dev]' $(QUIETLY)
	@touch $@

# What the tests need besides.
$(VENV)/.installed-test: $(VENV)/.installed
	@echo "Installing what the tests need ..."
	@$(PIP) -e '.[test]' $(QUIETLY)
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/regie migrate

demo: migrate
	$(BIN)/regie demo --if-empty

# The code a demo gemeente or beheer account's authenticator app shows now (two-factor login, README).
demo-code: install
	@$(BIN)/regie demo-code

# Mail: without SMTP_URL or SMTP_HOST, `make run` starts a local mail catcher and points the app at it, so every
# mail the app sends (invitations, forgotten-password links, digests) can be read: in Mailpit's web page when
# `mailpit` is installed, otherwise printed in this terminal by aiosmtpd. Nothing leaves the machine.
MAIL_PORT ?= 1025
# DUO: without DUO_M2M_URL, `make run` starts the DUO stand-in (municipal/duo/stub.py) and points the app at it.
DUO_STUB_PORT ?= 8099
run: demo $(VENV)/.installed-dev
	@if [ -z "$$SMTP_URL" ] && [ -z "$$SMTP_HOST" ]; then \
		if command -v mailpit >/dev/null; then \
			echo "Mail: Mailpit catches every mail; read them at http://127.0.0.1:8025"; \
			mailpit --smtp 127.0.0.1:$(MAIL_PORT) --listen 127.0.0.1:8025 >var/mailpit.log 2>&1 & catcher=$$!; \
		else \
			echo "Mail: a local mail catcher (aiosmtpd) prints every mail here"; \
			$(BIN)/python -m aiosmtpd -n -l 127.0.0.1:$(MAIL_PORT) & catcher=$$!; \
		fi; \
		trap 'kill $$catcher 2>/dev/null' EXIT INT TERM; \
		export SMTP_URL=smtp://127.0.0.1:$(MAIL_PORT); \
	fi; \
	if [ -z "$$DUO_M2M_URL" ]; then \
		echo "DUO: a stand-in (regie duo-stub) answers as DUO would, on http://127.0.0.1:$(DUO_STUB_PORT)/v1; the UI says DUO-testomgeving"; \
		$(BIN)/regie duo-stub --port $(DUO_STUB_PORT) & stub=$$!; \
		trap 'kill $$catcher $$stub 2>/dev/null' EXIT INT TERM; \
		export DUO_M2M_URL=http://127.0.0.1:$(DUO_STUB_PORT)/v1 DUO_OIN=00000001800866472000 DUO_TESTOMGEVING=1; \
		export DUO_PROXY_TOKEN=$${DUO_PROXY_TOKEN:-lokaal-$$(date +%s)}; \
	fi; \
	$(BIN)/regie serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The browser tests (tests/e2e) drive Debian's Chromium. As root with apt-get it is installed here; otherwise
# make stops with the one command to run, rather than skip them: a passing `make test` means the whole suite ran.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests (apt-get install chromium)"; \
		log=$$(mktemp); \
		if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >$$log 2>&1; then \
			tail -20 $$log; echo "make test: installing chromium failed; see above" >&2; exit 1; \
		fi; rm -f $$log; \
	else \
		echo "make test: the browser tests need Debian's chromium ($(CHROMIUM)); run: sudo apt-get install chromium" >&2; \
		exit 1; \
	fi

test: lint browser
	$(BIN)/python -m pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "--- again on PostgreSQL ---"; \
		TEST_ENGINE=postgres $(BIN)/python -m pytest -q; \
	else \
		echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; \
	fi

clean:
	rm -rf $(VENV) var/regie.sqlite*
