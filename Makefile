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
# Processes running the tests side by side: two keep `make test` within its time on two cores.
TEST_WORKERS ?= 2

.PHONY: run test lint bench clean

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

# System tools from Debian's packages: Chromium for the end-to-end test and the deck's charts
# (Playwright's and Kaleido's own browser downloads are not used), poppler to check the deck.
SYSTEM_FILES := $(CHROMIUM) /usr/bin/pdftoppm /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
package_of = $(if $(findstring chromium,$1),chromium,$(if $(findstring pdftoppm,$1),poppler-utils,fonts-dejavu-core))

$(SYSTEM_FILES):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq --no-install-recommends $(call package_of,$@)

test: $(BIN)/oversight $(DEMO)/agencies.csv $(SYSTEM_FILES)
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# The style, the import contracts and the types; `make test` runs the last two as well.
lint: $(BIN)/oversight
	$(BIN)/ruff check metrics dashboard tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

# Issue 6's benchmark: demo extracts at scales 1, 10 and 100 (minutes; ~1 GB in a temporary
# folder, removed afterwards); writes bench/results.md. BENCH_FLAGS=--quick for scales 1 and 10.
bench: $(BIN)/oversight
	$(BIN)/python bench/run.py $(BENCH_FLAGS)

clean:
	rm -rf $(VENV) data/cache
