# Two commands are the contract: `make demo` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The browser tests drive Debian's chromium (no browser download); installed from apt when missing.
CHROMIUM := /usr/bin/chromium
# Notices in old Word (.doc) are read through antiword, a small Debian package (see README); installed from apt when missing.
ANTIWORD := /usr/bin/antiword
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: demo test lint bench install clean

install: $(STAMP) $(ANTIWORD)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP) $(ANTIWORD)
	$(BIN)/xinxi demo

test: $(STAMP) $(CHROMIUM) $(ANTIWORD)
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/replica_ceiling.py
	$(BIN)/python bench/attribute.py
	$(BIN)/python bench/attribution_quality.py
	$(BIN)/python bench/suggestions.py
	$(BIN)/python bench/score.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/web.py

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

$(ANTIWORD):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends antiword

clean:
	rm -rf $(VENV) data/demo
