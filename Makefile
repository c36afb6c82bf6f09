# Regie: `make run` serves the demo on SQLite; `make test` runs the suite on SQLite and, when
# TEST_DATABASE_URL is set, again on PostgreSQL. It installs what the suite needs where it can.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test install browser migrate demo clean

$(BIN)/python:
	$(shell command -v $(PYTHON) || command -v python3) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/regie migrate

demo: migrate
	$(BIN)/regie demo --if-empty

run: demo
	$(BIN)/regie serve --host $(HOST) --port $(PORT)

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

test: install browser
	$(BIN)/python -m pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "--- again on PostgreSQL ---"; \
		TEST_ENGINE=postgres $(BIN)/python -m pytest -q; \
	else \
		echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; \
	fi

clean:
	rm -rf $(VENV) var/regie.sqlite*
