# Every target installs what it needs first (a venv in .venv from
# requirements.lock), so a fresh machine with Python 3.11+ needs nothing else.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
INSTALLED := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve test build check schemas members publish bench chromium system clean

$(INSTALLED): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	touch $@

# ProperDocs, the second engine (`build --engine properdocs`), in its own venv:
# it must not share one with MkDocs, whose `mkdocs` package it replaces.
.venv-properdocs/.installed: requirements-properdocs.lock
	rm -rf .venv-properdocs
	$(PYTHON) -m venv .venv-properdocs
	.venv-properdocs/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-properdocs.lock
	touch $@

# Zensical for tests/test_engines.py only. Its releases come and go on the
# index, so a failed install is reported and tolerated: those tests then skip,
# quoting the last error of .venv-zensical/install.log.
.venv-zensical/.installed: requirements-zensical.lock
	@rm -rf .venv-zensical
	@$(PYTHON) -m venv .venv-zensical \
	  && .venv-zensical/bin/python -m pip install --disable-pip-version-check -r requirements-zensical.lock \
	       > .venv-zensical/install.log 2>&1 \
	  && touch $@ \
	  || echo "Zensical could not be installed (see .venv-zensical/install.log); its tests will be skipped"

## serve: live preview of the public site at http://127.0.0.1:8000
serve: $(INSTALLED) system
	$(PY) -m leadingtrusts serve

## test: every test, browser tests in Debian's headless Chromium included
test: $(INSTALLED) system .venv-properdocs/.installed .venv-zensical/.installed chromium
	$(PY) -m pytest

## build: stage, build and verify site/public and site/members, atomically (a failed build changes nothing)
build: $(INSTALLED) system
	$(PY) -m leadingtrusts build

## check: validate content/, every page's front matter, macros and links, fast (no engine)
check: $(INSTALLED)
	$(PY) -m leadingtrusts check

## schemas: regenerate content/schemas/*.schema.json after changing leadingtrusts/site/schema.py
schemas: $(INSTALLED)
	$(PY) -m leadingtrusts schemas

## members: build if needed, then the members' gateway on http://127.0.0.1:8001 with a demo member
members: $(INSTALLED) system
	$(PY) -m leadingtrusts serve-members

## publish: every cohort into the gh-pages branch with mike (COHORT=<id> for one)
publish: $(INSTALLED) system
	$(PY) -m leadingtrusts publish $(if $(COHORT),--cohort $(COHORT))

## bench: the pipeline against a bare Material + blog site with the same thinkpieces, as ratios measured in the same run
bench: $(INSTALLED) system
	$(PY) -m leadingtrusts bench

# Debian's chromium for the browser tests; Playwright never downloads a browser.
chromium:
	@[ -x "$${LT_CHROMIUM:-/usr/bin/chromium}" ] || command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# What WeasyPrint needs at run time for the programme overview PDF: Pango, and
# the Liberation fonts it is set in, from Debian with apt when missing (WeasyPrint
# finds them through fontconfig; no font is ever downloaded at build time).
system:
	@{ dpkg -s libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 \
	   && ls /usr/share/fonts/truetype/liberation*/LiberationSans-Regular.ttf >/dev/null 2>&1; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation2 >/dev/null; }

clean:
	rm -rf site build .cache
