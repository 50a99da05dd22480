# Vigie: `make run` starts the whole app with a demo organization; `make test` runs every test.
# A bare machine needs only Python >= 3.12: everything else is installed here.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
export VIGIE_PORT ?= $(or $(PORT),8000)
# Which running instance `make crisis/shell/manage` talk to, when several run (empty: the only one).
export VIGIE_ATTACH_PORT ?= $(PORT)

# The first Python >= 3.12 found on PATH, else one installed by pyenv.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	  && { command -v $$p; exit 0; }; done; \
	ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V | tail -n 1)

.PHONY: help install run crisis shell manage test browser lint bench messages screenshots

help:
	@echo "make run                 start Vigie at http://127.0.0.1:$(VIGIE_PORT) with a demo organization"
	@echo "make crisis              while make run runs: unleash a crisis storm on the demo (ARGS='--minutes 2')"
	@echo "make shell               a Django shell on the running demo's database"
	@echo "make manage ARGS='...'   any manage.py command, with the running demo's settings"
	@echo "make test                run the whole test suite"

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Vigie needs Python 3.12 or newer (Django 6). Install it, or set PYTHON=/path/to/python3.12."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

# The processes run under config/supervisor.py: one that dies is restarted; Ctrl-C stops them all.
run: install
	@DEBUG=$${DEBUG-1} $(PY) -m config.embedded --instance -- bash bin/run

# These take the running `make run`'s settings (.vigie/instances/), so they work in any new shell.
crisis: install
	@$(PY) -m config.embedded --running -- $(PY) manage.py simulate_crisis $(ARGS)

shell: install
	@$(PY) -m config.embedded --attach -- $(PY) manage.py shell $(ARGS)

manage: install
	@$(PY) -m config.embedded --attach -- $(PY) manage.py $(ARGS)

# Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser itself).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: install browser
	@DEBUG=1 $(PY) -m config.embedded -- $(VENV)/bin/pytest $(PYTEST_ARGS)

# The screens as the browser tests see them, kept under docs/screenshots/.
screenshots: install browser
	@DEBUG=1 SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(PY) -m config.embedded -- $(VENV)/bin/pytest tests/browser -q

bench: install
	@for script in classify ingest inbox_query live escalation drill; do \
	  echo "== bench/$$script.py"; DEBUG=1 $(PY) -m config.embedded -- $(PY) bench/$$script.py || exit 1; done

lint: install
	$(VENV)/bin/ruff check .

# Refresh locale/fr after changing user-visible text; translate the new entries in django.po,
# then run it again to compile (tests/config/test_translations.py fails on an untranslated entry).
messages: install
	@export DEBUG=1 DATABASE_URL=postgres://unused/x REDIS_URL=redis://unused; \
	$(PY) manage.py makemessages -l fr -i '.venv/*' -i 'bench/*' -i 'tests/*' -i 'inbox/sandbox/*' -i '.vigie/*' -i 'staticfiles/*' && \
	$(PY) manage.py makemessages -d djangojs -l fr -i '.venv/*' -i 'static/vendor/*' -i 'staticfiles/*' -i '.vigie/*' -i 'tests/*' && \
	for catalogue in django djangojs; do \
	  msgattrib --no-obsolete -o locale/fr/LC_MESSAGES/$$catalogue.po locale/fr/LC_MESSAGES/$$catalogue.po || exit 1; done && \
	$(PY) manage.py compilemessages -l fr -i .venv
