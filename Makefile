# Two commands are the contract: `make demo` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The browser tests drive Debian's chromium (no browser download); installed from apt when missing.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: demo test lint bench install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@# Notices in old Word (.doc) are read through antiword (a small Debian package; see README).
	command -v antiword >/dev/null 2>&1 || { apt-get install -y -qq antiword || \
		{ apt-get update -qq && apt-get install -y -qq antiword; } || \
		echo "未能安装 antiword：.doc 通报将读不出（请手工 apt-get install antiword）" >&2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/xinxi demo

test: $(STAMP) $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/replica_ceiling.py
	$(BIN)/python bench/attribute.py
	$(BIN)/python bench/score.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/web.py

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

clean:
	rm -rf $(VENV) data/demo
