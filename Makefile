# Regie: `make run` serves the demo on SQLite; `make test` runs the suite on SQLite and, when
# TEST_DATABASE_URL is set, again on PostgreSQL.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test install migrate demo clean

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

test: install
	$(BIN)/python -m pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "--- again on PostgreSQL ---"; \
		TEST_ENGINE=postgres $(BIN)/python -m pytest -q; \
	else \
		echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; \
	fi

clean:
	rm -rf $(VENV) var/regie.sqlite*
