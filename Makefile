# The whole set-up: `make run` serves the dashboard on the bundled demo extract,
# `make test` runs every test. Both build what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := data/demo
PORT ?= 8501
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export OVERSIGHT_CACHE_DIR ?= $(CURDIR)/data/cache

.PHONY: run test lint clean

$(BIN)/oversight: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

.venv: $(BIN)/oversight

$(DEMO)/agencies.csv: | $(BIN)/oversight
	$(BIN)/oversight demo --out $(DEMO) --seed 2026

run: $(BIN)/oversight $(DEMO)/agencies.csv
	$(BIN)/oversight serve --extract $(DEMO) --port $(PORT)

# The end-to-end test drives Debian's Chromium (Playwright's own browser download is not used).
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core

test: $(BIN)/oversight $(DEMO)/agencies.csv $(CHROMIUM)
	$(BIN)/python -m pytest

lint: $(BIN)/oversight
	$(BIN)/ruff check metrics dashboard tests

clean:
	rm -rf $(VENV) data/cache
